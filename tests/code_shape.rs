//! The shape the code keeps so that the next engineer can change it safely: no source file over
//! 800 lines, no function over 80 (outside tests), and stacks and constructs that touch nothing
//! of the world (files, processes, the environment, the clock, the terminal: `mlspace::plan` and
//! the cdk core do that).
//!
//! Measured on the source parsed with syn: a function runs from the line of its `fn` (attributes
//! and doc comments not counted) to its closing brace, nested closures and items included; test
//! code (`#[test]`, `#[cfg(test)]` items and the files of `#[cfg(test)] mod x;`) is left out.
//! `cargo test --test code_shape -- --nocapture` prints the longest functions.
use std::fs;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 80;

/// What stack and construct code may not name outside tests, by path prefix.
const EFFECTS: [&str; 8] = [
    "std::fs",
    "std::process",
    "std::env",
    "std::io",
    "std::net",
    "std::thread",
    "std::time",
    "tempfile",
];
/// Names that are effects wherever they are imported from, and the printing macros (a macro's
/// name is a path too).
const EFFECT_NAMES: [&str; 7] = [
    "SystemTime",
    "Instant",
    "println",
    "eprintln",
    "print",
    "eprint",
    "dbg",
];
/// Methods of `Path` that ask the file system.
const PATH_QUERIES: [&str; 8] = [
    "exists",
    "try_exists",
    "is_file",
    "is_dir",
    "metadata",
    "symlink_metadata",
    "read_dir",
    "canonicalize",
];

/// What one file holds outside its test code.
#[derive(Default)]
struct Scan {
    /// Each function with its length in lines.
    functions: Vec<(String, usize)>,
    /// The effects it names (see [`EFFECTS`]).
    effects: Vec<String>,
    /// Modules declared for tests only (`#[cfg(test)] mod tests;`): their files are test code.
    test_modules: Vec<String>,
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
    })
}

fn path_text(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

impl Scan {
    fn function(&mut self, sig: &syn::Signature, block: &syn::Block) {
        let first = sig.fn_token.span.start().line;
        let last = block.brace_token.span.close().end().line;
        self.functions
            .push((sig.ident.to_string(), last + 1 - first));
    }

    fn check(&mut self, path: &str) {
        let path = path.strip_suffix("::self").unwrap_or(path);
        let named = |p: &str| path == p || path.starts_with(&format!("{p}::"));
        let any_segment = path.split("::").any(|s| EFFECT_NAMES.contains(&s));
        // `Path::exists(p)`: a query named by its path rather than called as a method.
        let query = path
            .rsplit_once("::")
            .is_some_and(|(_, last)| PATH_QUERIES.contains(&last));
        if EFFECTS.iter().any(|p| named(p)) || any_segment || query {
            self.effects.push(path.to_string());
        }
    }

    /// A macro's tokens, which syn leaves unparsed: the paths in them (`a::b::c`, `d`) and the
    /// queries called as methods (`.exists`).
    fn check_tokens(&mut self, tokens: proc_macro2::TokenStream) {
        use proc_macro2::TokenTree;
        let mut path: Vec<String> = Vec::new();
        let (mut colons, mut after_dot) = (0, false);
        for tree in tokens {
            let ident = match &tree {
                TokenTree::Ident(ident) => Some(ident.to_string()),
                TokenTree::Punct(p) if p.as_char() == ':' => {
                    colons += 1;
                    continue;
                }
                _ => None,
            };
            match ident {
                Some(name) => {
                    if after_dot && PATH_QUERIES.contains(&name.as_str()) {
                        self.effects.push(format!(".{name}()"));
                    }
                    if colons != 2 {
                        self.flush(&mut path);
                    }
                    path.push(name);
                }
                None => self.flush(&mut path),
            }
            after_dot = matches!(&tree, TokenTree::Punct(p) if p.as_char() == '.');
            colons = 0;
            if let TokenTree::Group(group) = tree {
                self.check_tokens(group.stream());
            }
        }
        self.flush(&mut path);
    }

    fn flush(&mut self, path: &mut Vec<String>) {
        if !path.is_empty() {
            self.check(&path.join("::"));
            path.clear();
        }
    }

    fn check_use(&mut self, prefix: &str, tree: &syn::UseTree) {
        let join = |name: &syn::Ident| match prefix {
            "" => name.to_string(),
            _ => format!("{prefix}::{name}"),
        };
        match tree {
            syn::UseTree::Path(p) => self.check_use(&join(&p.ident), &p.tree),
            syn::UseTree::Name(n) => self.check(&join(&n.ident)),
            syn::UseTree::Rename(r) => self.check(&join(&r.ident)),
            syn::UseTree::Glob(_) => self.check(prefix),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.check_use(prefix, t)),
        }
    }
}

impl<'ast> Visit<'ast> for Scan {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_only(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        } else if m.content.is_none() {
            self.test_modules.push(m.ident.to_string());
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_only(&f.attrs) {
            self.function(&f.sig, &f.block);
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
        if !is_test_only(&i.attrs) {
            syn::visit::visit_item_impl(self, i);
        }
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.check_tokens(m.tokens.clone());
        syn::visit::visit_macro(self, m);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            self.function(&f.sig, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.function(&f.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_test_only(&u.attrs) {
            self.check_use("", &u.tree);
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if PATH_QUERIES.contains(&method.as_str()) {
            self.effects.push(format!(".{method}()"));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.check(&path_text(p));
        syn::visit::visit_path(self, p);
    }
}

fn scan_text(text: &str) -> Scan {
    let mut scan = Scan::default();
    scan.visit_file(&syn::parse_file(text).unwrap());
    scan
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `.rs` files below `dir` (relative to the repository), sorted.
fn sources(dir: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root().join(dir))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    files
}

/// Each file of `files` that is not test code, with its scan, named relative to the repository.
fn scan(files: &[PathBuf]) -> Vec<(String, Scan)> {
    let mut scans = Vec::new();
    let mut test_files = Vec::new();
    for path in files {
        let scan = scan_text(&fs::read_to_string(path).unwrap());
        // `mod x;` in a/mod.rs (or lib.rs, main.rs) is a/x.rs; in a/b.rs it is a/b/x.rs.
        let dir = match path.file_stem().and_then(|s| s.to_str()) {
            Some("mod" | "lib" | "main") => path.parent().unwrap().to_path_buf(),
            _ => path.with_extension(""),
        };
        for name in &scan.test_modules {
            test_files.push(dir.join(format!("{name}.rs")));
            test_files.push(dir.join(name).join("mod.rs"));
        }
        scans.push((path, scan));
    }
    scans
        .into_iter()
        .filter(|(path, _)| !test_files.contains(path))
        .map(|(path, scan)| {
            let rel = path.strip_prefix(root()).unwrap();
            (rel.display().to_string(), scan)
        })
        .collect()
}

#[test]
fn no_source_file_is_over_the_limit() {
    let files = sources("src");
    assert!(files.len() > 50, "the sources were not found");
    let long: Vec<String> = files
        .iter()
        .map(|p| (p, fs::read_to_string(p).unwrap().lines().count()))
        .filter(|(_, n)| *n > MAX_FILE_LINES)
        .map(|(p, n)| format!("{}: {n} lines", p.display()))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_FILE_LINES} lines; split them by what they build:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_function_is_over_the_limit() {
    let mut all: Vec<(String, usize)> = scan(&sources("src"))
        .into_iter()
        .flat_map(|(file, scan)| {
            let named = move |(name, n)| (format!("{file}:{name}"), n);
            scan.functions.into_iter().map(named)
        })
        .collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert!(all.len() > 500, "too few functions found: {}", all.len());
    println!("the longest functions:");
    for (name, n) in all.iter().take(8) {
        println!("{n:5} {name}");
    }
    let long: Vec<String> = all
        .iter()
        .filter(|(_, n)| *n > MAX_FN_LINES)
        .map(|(name, n)| format!("{name}: {n} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "over {MAX_FN_LINES} lines; split them into parts named after what they do:\n{}",
        long.join("\n")
    );
}

#[test]
fn stacks_and_constructs_touch_nothing_of_the_world() {
    let mut files = sources("src/mlspace/stacks");
    files.extend(sources("src/constructs"));
    files.push(root().join("src/mlspace/app.rs"));
    assert!(files.len() > 30, "the sources were not found");
    let named: Vec<String> = scan(&files)
        .into_iter()
        .flat_map(|(file, scan)| {
            scan.effects
                .into_iter()
                .map(move |e| format!("{file}: {e}"))
        })
        .collect();
    assert!(
        named.is_empty(),
        "effects in stack or construct code; resolve them in mlspace::plan and pass the result in:\n{}",
        named.join("\n")
    );
}

/// The measure itself: a function's lines run from `fn` to its closing brace, and test code is
/// left out.
#[test]
fn the_measure_counts_signature_to_brace_and_skips_tests() {
    let scan = scan_text(
        "/// doc\n#[inline]\npub fn five(\n    a: u8,\n) -> u8 {\n    a\n}\n\
         struct S;\nimpl S {\n    fn one(&self) {}\n}\n\
         #[cfg(test)]\nmod tests {\n    fn hidden() {\n    }\n}\n\
         #[test]\nfn also_hidden() {}\n\
         #[cfg(test)]\nmod more_tests;\nmod kept;\n",
    );
    assert_eq!(
        scan.functions,
        [("five".to_string(), 5), ("one".to_string(), 1)]
    );
    assert_eq!(scan.test_modules, ["more_tests"]);
}

/// The effects check sees imports, paths, macros and file-system queries, and skips tests.
#[test]
fn the_effects_check_finds_imports_paths_and_macros() {
    let scan = scan_text(
        "use std::{collections::BTreeMap, fs::{self, File}};\n\
         use std::time::SystemTime as Clock;\n\
         fn f() { let _ = std::env::var(\"X\"); eprintln!(\"x\"); let _ = Instant::now(); }\n\
         fn g(p: &Path) -> bool { p.is_file() }\n\
         fn h(p: &Path) -> Vec<bool> { vec![Path::exists(p), q.is_dir()] }\n\
         fn i() -> String { format!(\"{:?}\", std::env::var(\"HOME\")) }\n\
         fn j() -> Map { map! { \"t\" => std::time::SystemTime::now(), \"u\" => a::b } }\n\
         #[cfg(test)]\nmod tests { use std::process::Command; }\n\
         #[cfg(test)]\nimpl S { fn k() { eprintln!(); } }\n",
    );
    assert_eq!(
        scan.effects,
        [
            "std::fs",
            "std::fs::File",
            "std::time::SystemTime",
            "std::env::var",
            "eprintln",
            "Instant::now",
            ".is_file()",
            "Path::exists",
            ".is_dir()",
            "std::env::var",
            "std::time::SystemTime::now",
        ]
    );
}
