//! Parsing TypeScript text that may be hostile without ever overflowing the stack.
//!
//! oxc's parser is recursive descent: every nested parenthesis, bracket, brace, prefix operator,
//! and every link of a right-recursive chain (`a = b = …`, `x => y => …`) is a few more stack
//! frames. 10,000 nested parentheses overflow the 8 MiB main thread and the process dies with
//! SIGABRT and no message. Three measures, together:
//!
//! 1. [`MAX_SOURCE`]: text larger than 256 KiB is not parsed (MLSpace 1.6.10's largest `.ts`
//!    file has 61 KB); that bounds every kind of nesting.
//! 2. [`too_deep`]: before oxc sees the text, one linear scan estimates the deepest nesting:
//!    open brackets (`(`, `[`, `{`, `${` of template literals), runs of prefix operators (`!`,
//!    `~`, `+`, `-`) and, at each bracket level, chains of assignments, arrows, conditionals and
//!    type arguments (`=`, `=>`, `+=`, `?`, `<`, …, not `==`, `<=`, `?.`, `??`, …; a chain ends at
//!    `;`, `,` or a keyword that starts a declaration or statement), outside comments and string
//!    literals. Above [`MAX_NESTING`] the
//!    text is not parsed: the caller reports it (constants.ts: one error at that position; the
//!    release guard: the file counts as changed, the safe answer). Real code nests a few dozen
//!    levels.
//! 3. [`on_large_stack`]: the parse runs on a thread with a [`PARSER_STACK`] stack (reserved,
//!    committed only as used). The constructs the scan does not count (`else if` chains,
//!    `typeof`/`new`/`await` runs, labels, `a.b.c…`, `A|B|…`, …) cost little stack per level:
//!    measured with the release build, [`MAX_SOURCE`] of each of ~70 such patterns repeated, in
//!    an expression, a type and a function body, parses within a quarter of that stack (64 MiB),
//!    while 1 MiB of `a=`, `x=>`, `x?` or `A<` overflowed 256 MiB (hence the chains in 2).
//!
//! A scan that counts too much (a regular expression literal with unbalanced brackets, which
//! it does not tell from a division) can only make a file look deeper than it is, never
//! shallower, so the error is on the safe side.

/// The deepest nesting parsed (brackets, prefix-operator runs and assignment/arrow chains).
pub const MAX_NESTING: usize = 256;

/// The largest text parsed, in bytes.
pub const MAX_SOURCE: usize = 256 << 10;

/// The stack of the parser thread.
pub const PARSER_STACK: usize = 256 << 20;

/// Keywords that end an assignment or arrow chain (a chain cannot contain them).
const CHAIN_ENDS: [&str; 12] = [
    "const", "let", "var", "export", "import", "return", "if", "for", "while", "class", "function",
    "type",
];

/// The byte offset where the nesting of `text` first exceeds [`MAX_NESTING`], if it does.
pub fn too_deep(text: &str) -> Option<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Open {
        Bracket,
        /// `${` inside a template literal: its `}` returns to the template text.
        Substitution,
    }
    let bytes = text.as_bytes();
    // Open brackets, each with the assignment/arrow chain of the level it opened.
    let mut open: Vec<(Open, usize)> = Vec::new();
    // The chain at the current level, and the sum of the chains of the open levels.
    let mut chain = 0usize;
    let mut outer_chains = 0usize;
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
                    open.push((Open::Substitution, chain));
                    outer_chains += chain;
                    chain = 0;
                    in_template = false;
                    i += 1;
                }
                _ => {}
            }
            i += 1;
            if open.len() + outer_chains > MAX_NESTING {
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
            b'(' | b'[' | b'{' => {
                open.push((Open::Bracket, chain));
                outer_chains += chain;
                chain = 0;
            }
            b')' | b']' | b'}' => {
                if let Some((kind, outer)) = open.pop() {
                    outer_chains -= outer;
                    chain = outer;
                    if b == b'}' && kind == Open::Substitution {
                        in_template = true;
                    }
                }
                prefix_run = 0;
            }
            b';' | b',' => {
                chain = 0;
                prefix_run = 0;
            }
            b'=' => {
                let next = bytes.get(i + 1).copied();
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                let prev2 = i.checked_sub(2).map(|p| bytes[p]);
                let comparison = next == Some(b'=')
                    || matches!(prev, Some(b'=' | b'!'))
                    || (matches!(prev, Some(b'<' | b'>')) && prev2 != prev);
                if !comparison {
                    chain += 1;
                }
                prefix_run = 0;
            }
            // A type argument list (`A<B<…>>`) nests like a bracket, but `<` is also a
            // comparison: count it as a link of the level's chain.
            b'<' => {
                if bytes.get(i + 1) != Some(&b'=') {
                    chain += 1;
                }
                prefix_run = 0;
            }
            // A conditional's branches nest (`a ? b ? …`); `?.` and `??` do not.
            b'?' => {
                let next = bytes.get(i + 1).copied();
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                if next != Some(b'.') && next != Some(b'?') && prev != Some(b'?') {
                    chain += 1;
                }
                prefix_run = 0;
            }
            b'!' | b'~' | b'+' | b'-' => prefix_run += 1,
            b' ' | b'\t' | b'\n' | b'\r' => {}
            b if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                if CHAIN_ENDS.contains(&&text[start..i]) {
                    chain = 0;
                }
                prefix_run = 0;
                continue;
            }
            _ => prefix_run = 0,
        }
        if open.len() + outer_chains + chain + prefix_run > MAX_NESTING {
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
        // `x =` is a chain of one.
        assert_eq!(too_deep(&deep(MAX_NESTING - 1)), None);
        assert_eq!(too_deep(&deep(MAX_NESTING)), Some(4 + MAX_NESTING - 1));
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
    fn assignment_and_arrow_chains_count_per_level() {
        let over = MAX_NESTING + 1;
        assert!(too_deep(&format!("x = {}1;", "a = ".repeat(over))).is_some());
        assert!(too_deep(&format!("x = {}1;", "a=\n".repeat(over))).is_some());
        assert!(too_deep(&format!("f = {}1;", "(a) => ".repeat(over))).is_some());
        assert!(too_deep(&format!("f = {}1;", "a <<= ".repeat(over))).is_some());
        assert!(too_deep(&format!("let f: {}T = 1;", "Array<".repeat(over))).is_some());
        assert!(too_deep(&format!("x = {}1;", "x?".repeat(over))).is_some());
        assert_eq!(
            too_deep(&format!("x = {}1;", "a?.b ?? ".repeat(1000))),
            None
        );
        // Comparisons are no chain; statements, declarations and lists end one.
        assert_eq!(
            too_deep(&format!("x = {}1;", "a == b <= c >= d != ".repeat(100))),
            None
        );
        assert_eq!(too_deep(&"a = 1;\n".repeat(10_000)), None);
        assert_eq!(too_deep(&"export const A = 'x'\n".repeat(10_000)), None);
        assert_eq!(too_deep(&format!("f({});", "a = 1, ".repeat(10_000))), None);
        assert_eq!(
            too_deep(&format!(
                "x = {{ {} }};",
                "a: (b) => { c = d; }, ".repeat(10_000)
            )),
            None
        );
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
