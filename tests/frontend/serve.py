#!/usr/bin/env python3
"""Serve a folder on 127.0.0.1 at a free port, for the frontend test.

    serve.py DIR PORT_FILE

Writes the chosen port to PORT_FILE once listening, then serves until killed.
Requests are not logged (the test prints its own results).
"""
import functools
import http.server
import os
import sys


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    handler = functools.partial(QuietHandler, directory=argv[1])
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        temporary = argv[2] + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(str(server.server_address[1]))
        os.replace(temporary, argv[2])
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
