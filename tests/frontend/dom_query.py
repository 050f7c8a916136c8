#!/usr/bin/env python3
"""Read one value out of a DOM that `chromium --dump-dom` wrote.

    dom_query.py FILE ID           text of the element with that id (whitespace collapsed)
    dom_query.py FILE ID ATTR      value of one attribute of that element
    dom_query.py FILE --count TAG  how many elements with that tag name

Prints the value and exits 0; exits 3 when no element has the id and 4 when
the element lacks the attribute, so the calling script can tell them apart.
"""
import sys
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Collector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []  # ids (or None) of the open elements
        self.attrs_by_id = {}
        self.text_by_id = {}
        self.tag_counts = {}

    def handle_starttag(self, tag, attrs):
        self.tag_counts[tag] = self.tag_counts.get(tag, 0) + 1
        values = dict(attrs)
        element_id = values.get("id")
        if element_id is not None and element_id not in self.attrs_by_id:
            self.attrs_by_id[element_id] = values
            self.text_by_id[element_id] = []
        if tag not in VOID:
            self.stack.append(element_id)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        for element_id in self.stack:
            if element_id is not None:
                self.text_by_id[element_id].append(data)


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as handle:
        collector = Collector()
        collector.feed(handle.read())
        collector.close()
    if argv[2] == "--count":
        print(collector.tag_counts.get(argv[3].lower(), 0))
        return 0
    element_id = argv[2]
    if element_id not in collector.attrs_by_id:
        print(f"<no element with id {element_id!r}>")
        return 3
    if len(argv) == 4:
        value = collector.attrs_by_id[element_id].get(argv[3])
        if value is None:
            print(f"<element {element_id!r} has no attribute {argv[3]!r}>")
            return 4
        print(value)
        return 0
    print(" ".join("".join(collector.text_by_id[element_id]).split()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
