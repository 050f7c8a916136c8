//! Parsing TypeScript text that may be hostile without ever overflowing the stack.
//!
//! oxc's parser is recursive descent: every nested parenthesis, bracket, brace or prefix operator
//! is a few more stack frames. 10,000 nested parentheses overflow the 8 MiB main thread and the
//! process dies with SIGABRT and no message. Two measures, together:
//!
//! 1. [`too_deep`]: before oxc sees the text, one linear scan finds the deepest nesting of
//!    brackets (`(`, `[`, `{`, `${` of template literals) plus runs of prefix operators
//!    (`!`, `~`, `+`, `-`), outside comments and string literals. Above [`MAX_NESTING`] the text is
//!    not parsed at all: the caller reports it (constants.ts: one error at that position; the
//!    release guard: the file counts as changed, which is the safe answer). Real code nests a
//!    few dozen levels; MLSpace 1.6.10's deepest file far less than the limit.
//! 2. [`on_large_stack`]: the parse itself runs on a thread with a known [`PARSER_STACK`] stack
//!    (reserved, committed only as used), so what passes the scan, and the nesting the scan does not
//!    count (right-recursive chains such as `a ? b : c ? …` or `x => y => …`, bounded by the
//!    input-size limits), has hundreds of times the room the main thread would give.
//!
//! A scan that counts too much (a regular expression literal with unbalanced brackets, which
//! the scan does not tell from a division) can only make a real file look deeper than it is,
//! never shallower, so the error is on the safe side.

/// The deepest nesting parsed (brackets plus prefix-operator runs).
pub const MAX_NESTING: usize = 256;

/// The stack of the parser thread.
pub const PARSER_STACK: usize = 256 << 20;

/// The byte offset where the nesting of `text` first exceeds [`MAX_NESTING`], if it does.
pub fn too_deep(text: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Open {
        Bracket,
        /// `${` inside a template literal: its `}` returns to the template text.
        Substitution,
    }
    let bytes = text.as_bytes();
    let mut open: Vec<Open> = Vec::new();
    let mut prefix_run = 0usize;
    let mut in_template = false;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_template {
            match b {
                b'\\' => i += 1,
                b'`' => in_template = false,
                b'$' if bytes.get(i + 1) == Some(&b'{') => {
                    open.push(Open::Substitution);
                    in_template = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            if open.len() > MAX_NESTING {
                return Some(i - 1);
            }
            continue;
        }
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            b'\'' | b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                prefix_run = 0;
                continue;
            }
            b'`' => {
                in_template = true;
                prefix_run = 0;
            }
            b'(' | b'[' | b'{' => open.push(Open::Bracket),
            b')' | b']' => {
                open.pop();
                prefix_run = 0;
            }
            b'}' => {
                if open.pop() == Some(Open::Substitution) {
                    in_template = true;
                }
                prefix_run = 0;
            }
            b'!' | b'~' | b'+' | b'-' => prefix_run += 1,
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => prefix_run = 0,
        }
        if open.len() + prefix_run > MAX_NESTING {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Run `f` (a parse) on a thread with a [`PARSER_STACK`] stack and return what it returns.
pub fn on_large_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("ts-parser".to_owned())
            .stack_size(PARSER_STACK)
            .spawn_scoped(scope, f)
            .expect("cannot start the TypeScript parser thread");
        handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_and_prefix_runs_count_outside_comments_and_strings() {
        let deep = |n: usize| format!("x = {}1{};", "(".repeat(n), ")".repeat(n));
        assert_eq!(too_deep(&deep(MAX_NESTING)), None);
        assert_eq!(too_deep(&deep(MAX_NESTING + 1)), Some(4 + MAX_NESTING));
        assert!(too_deep(&format!("x = {}1;", "!".repeat(MAX_NESTING + 1))).is_some());
        assert!(too_deep(&format!("x = {}1;", "- ".repeat(MAX_NESTING + 1))).is_some());
        assert!(too_deep(&format!("x = [{}];", "{a:1},".repeat(10_000))).is_none());
        let in_strings = format!(
            "// {0}\n/* {0} */ x = '{0}' + \"{0}\" + `{0}${{1}}{0}`;",
            "(".repeat(1000)
        );
        assert_eq!(too_deep(&in_strings), None);
        let templates = format!("x = {}1{};", "`${".repeat(300), "}`".repeat(300));
        assert!(too_deep(&templates).is_some());
    }

    #[test]
    fn the_parse_runs_on_its_own_stack() {
        let text = format!(
            "x = {}1{};",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        );
        let errors = on_large_stack(|| {
            let allocator = oxc_allocator::Allocator::default();
            let parsed =
                oxc_parser::Parser::new(&allocator, &text, oxc_span::SourceType::ts()).parse();
            parsed.diagnostics.errors().count()
        });
        assert_eq!(errors, 0);
    }
}
