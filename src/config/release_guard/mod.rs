//! The release guard: mlspace-cdk reproduces MLSpace 1.6.10's TypeScript app and runs no
//! TypeScript, so before it synthesizes it compares the checkout with that release and stops on
//! anything it would otherwise ignore in silence:
//!
//! - (a) the release version (`frontend/package.json`);
//! - (b) every `.ts` file under `bin/` and `lib/` except `lib/constants.ts`, by a digest of its
//!   tokens (a change of comments or whitespace alone is no change); added and deleted files too;
//! - (c) the feature flags of the context (cdk.json, cdk.context.json, `--context`) that
//!   mlspace-cdk does not honour, against 1.6.10's cdk.json;
//! - (d) exports of `lib/constants.ts` that 1.6.10 does not have (they would reach no stack), and,
//!   in a TypeScript checkout with a constants.ts, 1.6.10's exports it lacks (the TS app would not
//!   compile: lib/utils/configTypes.ts imports them);
//! - (e) in a TypeScript checkout, the aws-cdk-lib the TS app would be built with: the dependency
//!   in `package.json` and the version `package-lock.json` locks, against 1.6.10's.
//!
//! Every input is read through `cdk::input` (regular files only, bounded, UTF-8); a file that
//! cannot be read is a difference saying why, never a crash or a silent default.
//!
//! A tree with no TypeScript under `bin/` and `lib/` but `lib/constants.ts` (such as this
//! repository's `examples/mlspace`) is not a TypeScript checkout: there is no TS app whose changes
//! could be ignored, so (a) and (b) do not apply, and (c) applies only to flags that are set (an
//! absent flag asks for nothing there). (d) applies to every tree.
//!
//! The release's facts are one generated table, [`super::release_table::RELEASE`]; see
//! [`render_release_table`] and `scripts/release-table.sh`.

use crate::cdk::digest::hex;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::cdk::input::{self, InputError};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::constants_ts::{Export, CONSTANTS_FILE};

/// What mlspace-cdk reproduces, from one MLSpace release.
#[derive(Debug, Clone, Copy)]
pub struct Release {
    /// `version` of frontend/package.json.
    pub version: &'static str,
    /// `(path, token digest)` of every `.ts` file under bin/ and lib/ but lib/constants.ts.
    pub typescript_files: &'static [(&'static str, &'static str)],
    /// `(flag, value as compact JSON)` of cdk.json's context.
    pub context_flags: &'static [(&'static str, &'static str)],
    /// The names lib/constants.ts exports.
    pub constants: &'static [&'static str],
    /// package.json's aws-cdk-lib dependency (and devDependency).
    pub aws_cdk_lib: &'static str,
    /// The aws-cdk-lib version package-lock.json locks.
    pub aws_cdk_lib_locked: &'static str,
}

impl Release {
    pub fn has_constant(&self, name: &str) -> bool {
        self.constants.contains(&name)
    }
}

/// Context keys whose every value mlspace-cdk implements as aws-cdk-lib does, or that change
/// nothing MLSpace's app uses; they may differ from the release's.
pub const HONOURED_CONTEXT_KEYS: &[&str] = &[
    crate::constructs::iam::MINIMIZE_POLICIES_FLAG,
    crate::constructs::lambda::RECOGNIZE_LAYER_VERSION_FLAG,
    crate::constructs::custom_resources::INSTALL_LATEST_SDK_FLAG,
    "@aws-cdk/core:bootstrapQualifier",
    // The cdk CLI sets it (false) on every run; it concerns policy-validation plugins, which
    // MLSpace's app has none of.
    "@aws-cdk/core:failSynthOnValidationErrors",
];

/// The release guard's files, relative to the source root.
pub const VERSION_FILE: &str = "frontend/package.json";
pub const PACKAGE_FILE: &str = "package.json";
pub const LOCK_FILE: &str = "package-lock.json";
/// The digest of a file that cannot be read starts with this, then says why.
const UNREADABLE: &str = "unreadable: ";
const TYPESCRIPT_DIRS: [&str; 2] = ["bin", "lib"];
/// Larger TypeScript files are not read (they count as changed); see `ts_source`.
const MAX_TS_BYTES: u64 = super::ts_source::MAX_SOURCE as u64;
const MAX_PACKAGE_JSON_BYTES: u64 = 1 << 20;

/// What the guard reads of a source tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkout {
    /// Whether bin/ or lib/ holds TypeScript other than lib/constants.ts (the TS app).
    pub is_typescript: bool,
    /// frontend/package.json's version, `None` when absent or unreadable.
    pub version: Option<String>,
    /// Why frontend/package.json has no version, when it cannot be read or is not JSON.
    pub version_problem: Option<String>,
    /// Token digest of every .ts file under bin/ and lib/ but lib/constants.ts, by path.
    pub typescript_files: BTreeMap<String, String>,
    /// Whether lib/constants.ts exists (whatever it is).
    pub has_constants_ts: bool,
    /// What package.json and package-lock.json say of aws-cdk-lib.
    pub aws_cdk_lib: AwsCdkLib,
}

/// aws-cdk-lib in package.json and package-lock.json.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsCdkLib {
    pub dependency: Option<String>,
    pub dev_dependency: Option<String>,
    /// Why package.json cannot be read.
    pub package_problem: Option<String>,
    pub locked: Option<String>,
    /// Why package-lock.json cannot be read.
    pub lock_problem: Option<String>,
}

/// One way the checkout differs from the release.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    Version {
        found: Option<String>,
        problem: Option<String>,
    },
    FileChanged(String),
    /// A file that cannot be read (so counts as changed), and why.
    FileUnreadable(String, String),
    FileAdded(String),
    FileDeleted(String),
    Flag {
        name: String,
        found: Option<Value>,
        release: Option<Value>,
    },
    Constant {
        name: String,
        line: usize,
    },
    /// One of 1.6.10's constants that lib/constants.ts does not export.
    MissingConstant(String),
    /// package.json / package-lock.json: what differs.
    Package {
        file: &'static str,
        what: String,
    },
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let release = super::release_table::RELEASE.version;
        match self {
            Difference::Version { found: Some(v), .. } => {
                write!(f, "{VERSION_FILE}: version {v} (not {release})")
            }
            Difference::Version {
                found: None,
                problem: Some(problem),
            } => write!(f, "{VERSION_FILE}: {problem}, so no version (not {release})"),
            Difference::Version {
                found: None,
                problem: None,
            } => write!(f, "{VERSION_FILE}: no version (not {release})"),
            Difference::FileChanged(p) => write!(f, "{p}: changed"),
            Difference::FileUnreadable(p, why) => {
                write!(f, "{p}: {why}, so it cannot be compared (counts as changed)")
            }
            Difference::FileAdded(p) => write!(f, "{p}: added"),
            Difference::FileDeleted(p) => write!(f, "{p}: deleted"),
            Difference::Flag {
                name,
                found,
                release: was,
            } => {
                let show = |v: &Option<Value>| v.as_ref().map_or("unset".to_owned(), Value::to_string);
                write!(
                    f,
                    "context flag {name}: {} ({release}: {})",
                    show(found),
                    show(was)
                )
            }
            Difference::Constant { name, line } => write!(
                f,
                "{CONSTANTS_FILE}:{line}: export {name} is not one of MLSpace {release}'s constants, so no stack would read it"
            ),
            Difference::MissingConstant(name) => write!(
                f,
                "{CONSTANTS_FILE}: does not export {name}, one of MLSpace {release}'s constants (lib/utils/configTypes.ts imports it, so the TypeScript app would not compile)"
            ),
            Difference::Package { file, what } => write!(f, "{file}: {what}"),
        }
    }
}

/// The differences that stop a synth (or, allowed, are printed as a warning).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", unsupported_message(.differences, false))]
pub struct Unsupported {
    pub differences: Vec<Difference>,
}

impl Unsupported {
    /// The warning printed on every run where `--allow-unsupported` lets them pass.
    pub fn warning(&self) -> String {
        unsupported_message(&self.differences, true)
    }
}

fn unsupported_message(differences: &[Difference], allowed: bool) -> String {
    let release = super::release_table::RELEASE.version;
    let mut text = format!(
        "this checkout differs from MLSpace {release}, whose TypeScript app mlspace-cdk reproduces; \
         mlspace-cdk does not run TypeScript, so {}:",
        if allowed {
            "these changes are NOT in the synthesized stacks (allowed by --allow-unsupported / MLSPACE_ALLOW_UNSUPPORTED)"
        } else {
            "it would not deploy these changes"
        }
    );
    for d in differences {
        text.push_str("\n  - ");
        text.push_str(&d.to_string());
    }
    text.push_str(&format!(
        "\nUndo them, move configuration values into lib/config.json, or deploy this change with \
         MLSpace's TypeScript app{}",
        if allowed {
            "."
        } else {
            "; to synthesize MLSpace's app without them, pass --allow-unsupported or set MLSPACE_ALLOW_UNSUPPORTED=1"
        }
    ));
    text
}

#[derive(Debug, thiserror::Error)]
pub enum GuardError {
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error(transparent)]
    Input(#[from] InputError),
}

/// Why an input cannot be read, in a few words (the difference names the file).
fn problem(e: &InputError) -> String {
    match e {
        InputError::NotFound { .. } => "missing".to_owned(),
        InputError::Io { message, .. } => format!("unreadable ({message})"),
        InputError::NotRegular { kind, .. } => format!("{kind}, not a regular file"),
        InputError::TooLarge { limit, .. } => format!("larger than {limit} bytes"),
        InputError::NotUtf8 { line, column, .. } => {
            format!("not UTF-8 text (line {line}, column {column})")
        }
    }
}

/// The JSON of a guard input, or why there is none.
fn read_json(path: &Path, limit: u64) -> Result<Value, String> {
    let text = input::read_text(path, limit).map_err(|e| problem(&e))?;
    serde_json::from_str(&text).map_err(|e| format!("not valid JSON ({e})"))
}

/// Read what the guard compares: the release version and the TypeScript files' digests.
pub fn read_checkout(root: &Path) -> Result<Checkout, GuardError> {
    let mut checkout = Checkout::default();
    for dir in TYPESCRIPT_DIRS {
        let top = root.join(dir);
        if !top.is_dir() {
            continue;
        }
        let walk = walkdir::WalkDir::new(&top).sort_by_file_name();
        for entry in walk {
            let entry = entry.map_err(|e| GuardError::Invalid {
                path: top.clone(),
                message: e.to_string(),
            })?;
            let name = entry.file_name().to_string_lossy();
            if !name.ends_with(".ts") || entry.file_type().is_dir() {
                continue;
            }
            let relative = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            if relative == CONSTANTS_FILE {
                continue;
            }
            checkout.is_typescript = true;
            // Links are followed (the TS app would); a loop, a FIFO, a directory, a file too
            // large or not UTF-8 counts as changed, with the reason.
            let digest = match input::read_text(entry.path(), MAX_TS_BYTES) {
                Ok(text) => token_digest(&text),
                Err(e) => format!("{UNREADABLE}{}", problem(&e)),
            };
            checkout.typescript_files.insert(relative, digest);
        }
    }
    match read_json(&root.join(VERSION_FILE), MAX_PACKAGE_JSON_BYTES) {
        Ok(value) => checkout.version = value["version"].as_str().map(str::to_owned),
        Err(why) => checkout.version_problem = Some(why),
    }
    checkout.has_constants_ts = std::fs::symlink_metadata(root.join(CONSTANTS_FILE)).is_ok();
    let cdk_lib = &mut checkout.aws_cdk_lib;
    match read_json(&root.join(PACKAGE_FILE), MAX_PACKAGE_JSON_BYTES) {
        Ok(value) => {
            let spec = |section: &str| value[section]["aws-cdk-lib"].as_str().map(str::to_owned);
            cdk_lib.dependency = spec("dependencies");
            cdk_lib.dev_dependency = spec("devDependencies");
        }
        Err(why) => cdk_lib.package_problem = Some(why),
    }
    match read_json(&root.join(LOCK_FILE), input::SMALL_INPUT) {
        Ok(value) => {
            // lockfileVersion 2 and 3 list packages by path; 1 by name.
            let locked = value["packages"]["node_modules/aws-cdk-lib"]["version"]
                .as_str()
                .or_else(|| value["dependencies"]["aws-cdk-lib"]["version"].as_str());
            cdk_lib.locked = locked.map(str::to_owned);
        }
        Err(why) => cdk_lib.lock_problem = Some(why),
    }
    Ok(checkout)
}

/// SHA-256 (hex) of the file's tokens, separated by NUL: comments and whitespace between tokens
/// do not count, nor does a leading byte-order mark, nor the quotes a string literal is written
/// with (`'x'` and `"x"` are one token; see [`string_token`]). A file that does not parse digests
/// its bytes; a file nested deeper than the parser is given (see `ts_source`) is not parsed and
/// digests as "too deeply nested", which differs from every release file's digest: the guard
/// reports it as changed rather than crash.
pub fn token_digest(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut hash = Sha256::new();
    if text.len() > super::ts_source::MAX_SOURCE || super::ts_source::too_deep(text).is_some() {
        hash.update(b"too deeply nested\0");
        hash.update(text.as_bytes());
        return hex(&hash.finalize());
    }
    super::ts_source::on_large_stack(|| {
        let allocator = oxc_allocator::Allocator::default();
        let parsed = oxc_parser::Parser::new(&allocator, text, oxc_span::SourceType::ts())
            .with_config(oxc_parser::config::TokensParserConfig)
            .parse();
        if parsed.panicked || parsed.diagnostics.has_errors() {
            hash.update(b"unparsed\0");
            hash.update(text.as_bytes());
        } else {
            for token in parsed.tokens.iter() {
                let span = token.span();
                let raw = &text[span.start as usize..span.end as usize];
                if token.kind() == oxc_parser::Kind::Str {
                    hash.update(b"\x01");
                    hash.update(string_token(raw).as_bytes());
                } else {
                    hash.update(raw.as_bytes());
                }
                hash.update([0]);
            }
        }
    });
    hex(&hash.finalize())
}

/// A string literal token (`'…'` or `"…"`) as its content with the quote escapes resolved and
/// every other escape kept as written: `'it\'s'` and `"it's"` give the same text, and equal texts
/// always mean equal values (a different spelling of one value, such as `\x41` for `A`, still
/// counts as a change, which is the safe side).
fn string_token(raw: &str) -> String {
    let body = raw.get(1..raw.len().saturating_sub(1)).unwrap_or(raw);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some(q @ ('\'' | '"')) => out.push(q),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Every difference between the checkout (with its context and constants.ts exports) and the
/// release, in the order (a) to (d).
pub fn differences(
    release: &Release,
    checkout: &Checkout,
    context: &Map<String, Value>,
    constants_exports: &[Export],
) -> Vec<Difference> {
    let mut found = Vec::new();
    if checkout.is_typescript {
        found.extend(file_differences(release, checkout));
    }
    found.extend(flag_differences(release, checkout, context));
    for export in constants_exports {
        if !release.has_constant(&export.name) {
            found.push(Difference::Constant {
                name: export.name.clone(),
                line: export.line,
            });
        }
    }
    // Where the TS app exists, its configTypes.ts imports every 1.6.10 constant: one missing (or
    // no longer exported) is a compile error there, not a default here.
    if checkout.is_typescript && checkout.has_constants_ts {
        for name in release.constants {
            if !constants_exports.iter().any(|e| e.name == *name) {
                found.push(Difference::MissingConstant((*name).to_owned()));
            }
        }
    }
    if checkout.is_typescript {
        found.extend(package_differences(release, &checkout.aws_cdk_lib));
    }
    found
}

/// (a), (b): another version, and TypeScript files changed, added, deleted or unreadable.
fn file_differences(release: &Release, checkout: &Checkout) -> Vec<Difference> {
    let mut found = Vec::new();
    if checkout.version.as_deref() != Some(release.version) {
        found.push(Difference::Version {
            found: checkout.version.clone(),
            problem: checkout.version_problem.clone(),
        });
    }
    let released: BTreeMap<&str, &str> = release.typescript_files.iter().copied().collect();
    for (path, digest) in &checkout.typescript_files {
        match released.get(path.as_str()) {
            Some(d) if d == digest => {}
            _ if digest.starts_with(UNREADABLE) => found.push(Difference::FileUnreadable(
                path.clone(),
                digest[UNREADABLE.len()..].to_owned(),
            )),
            Some(_) => found.push(Difference::FileChanged(path.clone())),
            None => found.push(Difference::FileAdded(path.clone())),
        }
    }
    for path in released.keys() {
        if !checkout.typescript_files.contains_key(*path) {
            found.push(Difference::FileDeleted((*path).to_owned()));
        }
    }
    found
}

/// (c): feature flags of the context that differ from the release's (flags the app honours aside).
fn flag_differences(
    release: &Release,
    checkout: &Checkout,
    context: &Map<String, Value>,
) -> Vec<Difference> {
    let mut found = Vec::new();
    let released: BTreeMap<&str, Value> = release
        .context_flags
        .iter()
        .map(|(k, v)| (*k, serde_json::from_str(v).unwrap_or(Value::Null)))
        .collect();
    let mut names: Vec<&str> = context
        .keys()
        .map(String::as_str)
        .filter(|k| is_feature_flag(k))
        .chain(released.keys().copied())
        .filter(|k| !HONOURED_CONTEXT_KEYS.contains(k))
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        let now = context.get(name);
        let was = released.get(name);
        if now == was || (now.is_none() && !checkout.is_typescript) {
            continue;
        }
        found.push(Difference::Flag {
            name: name.to_owned(),
            found: now.cloned(),
            release: was.cloned(),
        });
    }
    found
}

/// (e): the aws-cdk-lib the TS app would be built with.
fn package_differences(release: &Release, found: &AwsCdkLib) -> Vec<Difference> {
    let mut out = Vec::new();
    let version = release.version;
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".to_owned());
    if let Some(why) = &found.package_problem {
        out.push(Difference::Package {
            file: PACKAGE_FILE,
            what: format!(
                "{why} ({version} depends on aws-cdk-lib {})",
                release.aws_cdk_lib
            ),
        });
    } else {
        for (section, spec) in [
            ("dependencies", &found.dependency),
            ("devDependencies", &found.dev_dependency),
        ] {
            if spec.as_deref() != Some(release.aws_cdk_lib) {
                out.push(Difference::Package {
                    file: PACKAGE_FILE,
                    what: format!(
                        "aws-cdk-lib {} in {section} ({version}: {})",
                        show(spec),
                        release.aws_cdk_lib
                    ),
                });
            }
        }
    }
    if let Some(why) = &found.lock_problem {
        out.push(Difference::Package {
            file: LOCK_FILE,
            what: format!(
                "{why} ({version} locks aws-cdk-lib {})",
                release.aws_cdk_lib_locked
            ),
        });
    } else if found.locked.as_deref() != Some(release.aws_cdk_lib_locked) {
        out.push(Difference::Package {
            file: LOCK_FILE,
            what: format!(
                "aws-cdk-lib {} ({version}: {})",
                show(&found.locked),
                release.aws_cdk_lib_locked
            ),
        });
    }
    out
}

/// aws-cdk-lib's feature flags and settings live under these prefixes.
fn is_feature_flag(key: &str) -> bool {
    key.starts_with("@aws-cdk/") || key.starts_with("@aws-cdk-containers/")
}

/// The source text of `release_table.rs` for the MLSpace checkout at `root` (unmodified).
pub fn render_release_table(root: &Path) -> Result<String, GuardError> {
    let checkout = read_checkout(root)?;
    if let Some((path, digest)) = checkout
        .typescript_files
        .iter()
        .find(|(_, d)| d.starts_with(UNREADABLE))
    {
        return Err(GuardError::Invalid {
            path: root.join(path),
            message: digest.clone(),
        });
    }
    let locked = checkout.aws_cdk_lib.locked.clone();
    let dependency = checkout.aws_cdk_lib.dependency.clone();
    let (Some(dependency), Some(locked)) = (dependency, locked) else {
        return Err(GuardError::Invalid {
            path: root.join(PACKAGE_FILE),
            message: "no aws-cdk-lib dependency in package.json or package-lock.json".to_owned(),
        });
    };
    if checkout.aws_cdk_lib.dev_dependency.as_deref() != Some(dependency.as_str()) {
        return Err(GuardError::Invalid {
            path: root.join(PACKAGE_FILE),
            message: "the aws-cdk-lib dependency and devDependency differ".to_owned(),
        });
    }
    let version = checkout
        .version
        .clone()
        .ok_or_else(|| GuardError::Invalid {
            path: root.join(VERSION_FILE),
            message: "no version".to_owned(),
        })?;
    let cdk_json = root.join("cdk.json");
    let text = input::read_text(&cdk_json, MAX_PACKAGE_JSON_BYTES)?;
    let cdk: Value = serde_json::from_str(&text).map_err(|e| GuardError::Invalid {
        path: cdk_json.clone(),
        message: e.to_string(),
    })?;
    let constants_path = root.join(CONSTANTS_FILE);
    let constants_text = input::read_text(&constants_path, MAX_TS_BYTES)?;
    let constants = super::constants_ts::parse(
        &constants_text,
        &constants_path.display().to_string(),
        |_| false,
    )
    .map_err(|e| GuardError::Invalid {
        path: constants_path.clone(),
        message: e.to_string(),
    })?;

    Ok(release_table_source(
        &version,
        &checkout,
        &cdk,
        &constants.exports,
        &dependency,
        &locked,
    ))
}

/// The text of `src/config/release_table.rs`: the release's digests, feature flags, constant
/// names and aws-cdk-lib versions as a `Release` constant.
fn release_table_source(
    version: &str,
    checkout: &Checkout,
    cdk: &Value,
    exports: &[super::constants_ts::Export],
    dependency: &str,
    locked: &str,
) -> String {
    let quote = |s: &str| format!("{s:?}");
    let mut out = String::new();
    out.push_str(&format!(
        "//! GENERATED from MLSpace {version}'s checkout by `scripts/release-table.sh`; do not edit.\n\
         //! Digests, flags and names only (see `release_guard.rs`); `cargo test --test release_table`\n\
         //! re-derives it from `$MLSPACE_CHECKOUT`.\n\n\
         use super::release_guard::Release;\n\n\
         pub const RELEASE: Release = Release {{\n    version: {},\n    typescript_files: &[\n",
        quote(version)
    ));
    for (path, digest) in &checkout.typescript_files {
        out.push_str(&format!(
            "        (\n            {},\n            {},\n        ),\n",
            quote(path),
            quote(digest)
        ));
    }
    out.push_str("    ],\n    context_flags: &[\n");
    if let Some(context) = cdk["context"].as_object() {
        for (name, value) in context.iter().filter(|(k, _)| is_feature_flag(k)) {
            out.push_str(&format!(
                "        (\n            {},\n            {},\n        ),\n",
                quote(name),
                quote(&value.to_string())
            ));
        }
    }
    out.push_str("    ],\n    constants: &[\n");
    for export in exports {
        out.push_str(&format!("        {},\n", quote(&export.name)));
    }
    out.push_str(&format!(
        "    ],\n    aws_cdk_lib: {},\n    aws_cdk_lib_locked: {},\n}};\n",
        quote(dependency),
        quote(locked)
    ));
    out
}

#[cfg(test)]
mod tests;
