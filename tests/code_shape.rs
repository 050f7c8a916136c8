//! The shape the code keeps so that the next engineer can change it safely: no source file over
//! 800 lines, no function over 80 (outside tests), and stacks and constructs that touch nothing
//! of the world (files, processes, the environment, the clock, the terminal: `mlspace::plan` and
//! the cdk core do that). Functions are measured on the parsed source
//! (syn): from the first line of the signature (attributes and doc comments not counted) to the
//! closing brace, nested closures and items included. `cargo test --test code_shape --
//! --nocapture` prints the longest.
use std::fs;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

const MAX_FILE_LINES: usize = 800;
const MAX_FN_LINES: usize = 80;

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("test")
            || (a.path().is_ident("cfg") && a.parse_args::<syn::Ident>().is_ok_and(|i| i == "test"))
    })
}

/// Each function of a file with its length in lines, and the modules it declares for tests
/// only (`#[cfg(test)] mod tests;`), whose files are test code.
struct Functions {
    found: Vec<(String, usize)>,
    test_modules: Vec<String>,
}

impl Functions {
    fn add(&mut self, name: &syn::Ident, sig: &syn::Signature, block: &syn::Block) {
        let first = sig.fn_token.span.start().line;
        let last = block.brace_token.span.close().end().line;
        self.found.push((name.to_string(), last + 1 - first));
    }
}

impl<'ast> Visit<'ast> for Functions {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_only(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        } else if m.content.is_none() {
            self.test_modules.push(m.ident.to_string());
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_only(&f.attrs) {
            self.add(&f.sig.ident, &f.sig, &f.block);
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if !is_test_only(&f.attrs) {
            self.add(&f.sig.ident, &f.sig, &f.block);
            syn::visit::visit_impl_item_fn(self, f);
        }
    }

    fn visit_trait_item_fn(&mut self, f: &'ast syn::TraitItemFn) {
        if let Some(block) = &f.default {
            self.add(&f.sig.ident, &f.sig, block);
        }
        syn::visit::visit_trait_item_fn(self, f);
    }
}

/// Every function under src/ outside tests, as (file:name, lines), longest first.
fn functions(files: &[PathBuf]) -> Vec<(String, usize)> {
    let mut visited = Vec::new();
    let mut test_files = Vec::new();
    for path in files {
        let text = fs::read_to_string(path).unwrap();
        let file = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut visitor = Functions {
            found: Vec::new(),
            test_modules: Vec::new(),
        };
        visitor.visit_file(&file);
        // `mod x;` in a/mod.rs (or lib.rs) is a/x.rs; in a/b.rs it is a/b/x.rs.
        let dir = match path.file_stem().and_then(|s| s.to_str()) {
            Some("mod" | "lib" | "main") => path.parent().unwrap().to_path_buf(),
            _ => path.with_extension(""),
        };
        for name in &visitor.test_modules {
            test_files.push(dir.join(format!("{name}.rs")));
            test_files.push(dir.join(name).join("mod.rs"));
        }
        visited.push((path, visitor.found));
    }
    let mut all = Vec::new();
    for (path, found) in visited {
        if test_files.contains(path) {
            continue;
        }
        let rel = path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap();
        all.extend(
            found
                .into_iter()
                .map(|(name, n)| (format!("{}:{name}", rel.display()), n)),
        );
    }
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all
}

fn src_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    files.sort();
    assert!(files.len() > 50, "the sources were not found");
    files
}

#[test]
fn no_source_file_is_over_the_limit() {
    let long: Vec<String> = src_files()
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
    let all = functions(&src_files());
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

/// The measure itself: a function's lines run from `fn` to its closing brace, and test code is
/// left out.
#[test]
fn the_measure_counts_signature_to_brace_and_skips_tests() {
    let text = "/// doc\n#[inline]\npub fn five(\n    a: u8,\n) -> u8 {\n    a\n}\n\
                struct S;\nimpl S {\n    fn one(&self) {}\n}\n\
                #[cfg(test)]\nmod tests {\n    fn hidden() {\n    }\n}\n\
                #[test]\nfn also_hidden() {}\n";
    let mut visitor = Functions {
        found: Vec::new(),
        test_modules: Vec::new(),
    };
    visitor.visit_file(&syn::parse_file(text).unwrap());
    assert_eq!(
        visitor.found,
        [("five".to_string(), 5), ("one".to_string(), 1)]
    );
    assert!(visitor.test_modules.is_empty());
    visitor.visit_file(&syn::parse_file("#[cfg(test)]\nmod tests;\nmod kept;\n").unwrap());
    assert_eq!(visitor.test_modules, ["tests"]);
}

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

/// The effects named in a file outside its test code, and its test-only module files.
#[derive(Default)]
struct Effects {
    found: Vec<String>,
    test_modules: Vec<String>,
}

impl Effects {
    fn check(&mut self, path: &str) {
        let named = |p: &str| path == p || path.starts_with(&format!("{p}::"));
        let path = path.strip_suffix("::self").unwrap_or(path);
        let any_segment = path.split("::").any(|s| EFFECT_NAMES.contains(&s));
        if EFFECTS.iter().any(|p| named(p)) || any_segment {
            self.found.push(path.to_string());
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

fn path_text(path: &syn::Path) -> String {
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    segments.join("::")
}

impl<'ast> Visit<'ast> for Effects {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        if !is_test_only(&m.attrs) {
            syn::visit::visit_item_mod(self, m);
        } else if m.content.is_none() {
            self.test_modules.push(m.ident.to_string());
        }
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        if !is_test_only(&f.attrs) {
            syn::visit::visit_item_fn(self, f);
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        if !is_test_only(&u.attrs) {
            self.check_use("", &u.tree);
        }
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = call.method.to_string();
        if PATH_QUERIES.contains(&method.as_str()) {
            self.found.push(format!(".{method}()"));
        }
        syn::visit::visit_expr_method_call(self, call);
    }

    fn visit_path(&mut self, p: &'ast syn::Path) {
        self.check(&path_text(p));
        syn::visit::visit_path(self, p);
    }
}

#[test]
fn stacks_and_constructs_touch_nothing_of_the_world() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src/mlspace/stacks"), &mut files);
    sources(&root.join("src/constructs"), &mut files);
    files.push(root.join("src/mlspace/app.rs"));
    let mut test_files = Vec::new();
    let mut named = Vec::new();
    for path in &files {
        let text = fs::read_to_string(path).unwrap();
        let mut visitor = Effects::default();
        visitor.visit_file(&syn::parse_file(&text).unwrap());
        let dir = match path.file_stem().and_then(|s| s.to_str()) {
            Some("mod") => path.parent().unwrap().to_path_buf(),
            _ => path.with_extension(""),
        };
        test_files.extend(
            visitor
                .test_modules
                .iter()
                .map(|m| dir.join(format!("{m}.rs"))),
        );
        named.extend(visitor.found.into_iter().map(|e| (path.clone(), e)));
    }
    assert!(files.len() > 30, "the sources were not found");
    let named: Vec<String> = named
        .into_iter()
        .filter(|(path, _)| !test_files.contains(path))
        .map(|(path, e)| format!("{}: {e}", path.strip_prefix(root).unwrap().display()))
        .collect();
    assert!(
        named.is_empty(),
        "effects in stack or construct code; resolve them in mlspace::plan and pass the result in:\n{}",
        named.join("\n")
    );
}

/// The effects check sees imports, paths and macros, and skips tests.
#[test]
fn the_effects_check_finds_imports_paths_and_macros() {
    let text = "use std::{collections::BTreeMap, fs::{self, File}};\n\
                use std::time::SystemTime as Clock;\n\
                fn f() { let _ = std::env::var(\"X\"); eprintln!(\"x\"); let _ = Instant::now(); }\n\
                fn g(p: &Path) -> bool { p.is_file() }\n\
                #[cfg(test)]\nmod tests { use std::process::Command; }\n";
    let mut visitor = Effects::default();
    visitor.visit_file(&syn::parse_file(text).unwrap());
    assert_eq!(
        visitor.found,
        [
            "std::fs",
            "std::fs::File",
            "std::time::SystemTime",
            "std::env::var",
            "eprintln",
            "Instant::now",
            ".is_file()",
        ]
    );
}
