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
    let bytes = text.as_bytes();
    let mut scan = Nesting::default();
    let mut i = 0;
    while i < bytes.len() {
        if scan.in_template {
            i = scan.template_byte(bytes, i);
            if scan.depth() > MAX_NESTING {
                return Some(i - 1);
            }
            continue;
        }
        let b = bytes[i];
        match b {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = skip_line_comment(bytes, i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
                continue;
            }
            b'\'' | b'"' => {
                i = skip_quoted(bytes, i);
                scan.prefix_run = 0;
                continue;
            }
            b if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                let end = skip_word(bytes, i);
                if CHAIN_ENDS.contains(&&text[i..end]) {
                    scan.chain = 0;
                }
                scan.prefix_run = 0;
                i = end;
                continue;
            }
            _ => scan.punctuation(bytes, i),
        }
        if scan.depth() + scan.chain + scan.prefix_run > MAX_NESTING {
            return Some(i);
        }
        i += 1;
    }
    None
}

#[derive(Clone, Copy, PartialEq)]
enum Open {
    Bracket,
    /// `${` inside a template literal: its `}` returns to the template text.
    Substitution,
}

/// The state of [`too_deep`]'s scan.
#[derive(Default)]
struct Nesting {
    /// Open brackets, each with the assignment/arrow chain of the level it opened.
    open: Vec<(Open, usize)>,
    /// The chain at the current level.
    chain: usize,
    /// The sum of the chains of the open levels.
    outer_chains: usize,
    prefix_run: usize,
    in_template: bool,
}

impl Nesting {
    /// Open brackets and the chains of the levels around them.
    fn depth(&self) -> usize {
        self.open.len() + self.outer_chains
    }

    fn open(&mut self, kind: Open) {
        self.open.push((kind, self.chain));
        self.outer_chains += self.chain;
        self.chain = 0;
    }

    /// The byte at `i` of a template literal's text; returns where the scan goes on.
    fn template_byte(&mut self, bytes: &[u8], mut i: usize) -> usize {
        match bytes[i] {
            b'\\' => i += 1,
            b'`' => self.in_template = false,
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                self.open(Open::Substitution);
                self.in_template = false;
                i += 1;
            }
            _ => {}
        }
        i + 1
    }

    /// Any byte at `i` outside comments, strings and words.
    fn punctuation(&mut self, bytes: &[u8], i: usize) {
        let b = bytes[i];
        match b {
            b'`' => self.in_template = true,
            // An open bracket leaves a run of prefix operators running.
            b'(' | b'[' | b'{' => {
                self.open(Open::Bracket);
                return;
            }
            b')' | b']' | b'}' => {
                if let Some((kind, outer)) = self.open.pop() {
                    self.outer_chains -= outer;
                    self.chain = outer;
                    if b == b'}' && kind == Open::Substitution {
                        self.in_template = true;
                    }
                }
            }
            b';' | b',' => self.chain = 0,
            b'=' => {
                let next = bytes.get(i + 1).copied();
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                let prev2 = i.checked_sub(2).map(|p| bytes[p]);
                let comparison = next == Some(b'=')
                    || matches!(prev, Some(b'=' | b'!'))
                    || (matches!(prev, Some(b'<' | b'>')) && prev2 != prev);
                if !comparison {
                    self.chain += 1;
                }
            }
            // A type argument list (`A<B<…>>`) nests like a bracket, but `<` is also a
            // comparison: count it as a link of the level's chain.
            // (`<=` is only a comparison.)
            b'<' if bytes.get(i + 1) != Some(&b'=') => self.chain += 1,
            // A conditional's branches nest (`a ? b ? …`); `?.` and `??` do not.
            b'?' => {
                let next = bytes.get(i + 1).copied();
                let prev = i.checked_sub(1).map(|p| bytes[p]);
                if next != Some(b'.') && next != Some(b'?') && prev != Some(b'?') {
                    self.chain += 1;
                }
            }
            b'!' | b'~' | b'+' | b'-' => {
                self.prefix_run += 1;
                return;
            }
            b' ' | b'\t' | b'\n' | b'\r' => return,
            _ => {}
        }
        self.prefix_run = 0;
    }
}

/// Past a `//` comment (to its line end).
fn skip_line_comment(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
        i += 1;
    }
    i
}

/// Past a `/* */` comment.
fn skip_block_comment(bytes: &[u8], mut i: usize) -> usize {
    i += 2;
    while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
        i += 1;
    }
    i + 2
}

/// Past a quoted string (which ends at its quote or the line's end).
fn skip_quoted(bytes: &[u8], mut i: usize) -> usize {
    let quote = bytes[i];
    i += 1;
    while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
        if bytes[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    i + 1
}

/// Past an identifier or keyword.
fn skip_word(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
    {
        i += 1;
    }
    i
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
