//! The release guard: mlspace-cdk reproduces MLSpace 1.6.10's TypeScript app and runs no
//! TypeScript, so before it synthesizes it compares the checkout with that release and stops on
//! anything it would otherwise ignore in silence:
//!
//! - (a) the release version (`frontend/package.json`);
//! - (b) every `.ts` file under `bin/` and `lib/` except `lib/constants.ts`, by a digest of its
//!   tokens (a change of comments or whitespace alone is no change); added and deleted files too;
//! - (c) the feature flags of the context (cdk.json, cdk.context.json, `--context`) that
//!   mlspace-cdk does not honour, against 1.6.10's cdk.json;
//! - (d) exports of `lib/constants.ts` that 1.6.10 does not have (they would reach no stack).
//!
//! A tree with no TypeScript under `bin/` and `lib/` but `lib/constants.ts` (such as this
//! repository's `examples/mlspace`) is not a TypeScript checkout: there is no TS app whose changes
//! could be ignored, so (a) and (b) do not apply, and (c) applies only to flags that are set (an
//! absent flag asks for nothing there). (d) applies to every tree.
//!
//! The release's facts are one generated table, [`super::release_table::RELEASE`]; see
//! [`render_release_table`] and `scripts/release-table.sh`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

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
const TYPESCRIPT_DIRS: [&str; 2] = ["bin", "lib"];
/// Larger TypeScript files are not read (they count as changed).
const MAX_TS_BYTES: u64 = 4 << 20;
const MAX_PACKAGE_JSON_BYTES: u64 = 1 << 20;

/// What the guard reads of a source tree.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Checkout {
    /// Whether bin/ or lib/ holds TypeScript other than lib/constants.ts (the TS app).
    pub is_typescript: bool,
    /// frontend/package.json's version, `None` when absent or unreadable.
    pub version: Option<String>,
    /// Token digest of every .ts file under bin/ and lib/ but lib/constants.ts, by path.
    pub typescript_files: BTreeMap<String, String>,
}

/// One way the checkout differs from the release.
#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    Version {
        found: Option<String>,
    },
    FileChanged(String),
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
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let release = super::release_table::RELEASE.version;
        match self {
            Difference::Version { found: Some(v) } => {
                write!(f, "{VERSION_FILE}: version {v} (not {release})")
            }
            Difference::Version { found: None } => {
                write!(f, "{VERSION_FILE}: no version (not {release})")
            }
            Difference::FileChanged(p) => write!(f, "{p}: changed"),
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
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

fn read_error(path: &Path) -> impl FnOnce(std::io::Error) -> GuardError + '_ {
    move |source| GuardError::Read {
        path: path.to_path_buf(),
        source,
    }
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
            let digest = if entry.file_type().is_file() {
                match read_bounded(entry.path(), MAX_TS_BYTES)? {
                    Some(text) => token_digest(&text),
                    None => "too large to compare".to_owned(),
                }
            } else {
                "not a regular file".to_owned()
            };
            checkout.typescript_files.insert(relative, digest);
        }
    }
    checkout.version = read_version(root)?;
    Ok(checkout)
}

/// frontend/package.json's `version`, `None` where the file or the field is absent.
fn read_version(root: &Path) -> Result<Option<String>, GuardError> {
    let path = root.join(VERSION_FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let Some(text) = read_bounded(&path, MAX_PACKAGE_JSON_BYTES)? else {
        return Ok(None);
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| GuardError::Invalid {
        path: path.clone(),
        message: format!("not valid JSON: {e}"),
    })?;
    Ok(value["version"].as_str().map(str::to_owned))
}

/// The file's text, or `None` when it is larger than `limit` bytes.
fn read_bounded(path: &Path, limit: u64) -> Result<Option<String>, GuardError> {
    let file = std::fs::File::open(path).map_err(read_error(path))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error(path))?;
    if bytes.len() as u64 > limit {
        return Ok(None);
    }
    // Invalid UTF-8 cannot be the release's file; digest it as text with replacements.
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// SHA-256 (hex) of the file's tokens, each as written, separated by NUL: comments and
/// whitespace between tokens do not count. A file that does not parse digests its bytes.
pub fn token_digest(text: &str) -> String {
    let allocator = oxc_allocator::Allocator::default();
    let parsed = oxc_parser::Parser::new(&allocator, text, oxc_span::SourceType::ts())
        .with_config(oxc_parser::config::TokensParserConfig)
        .parse();
    let mut hash = Sha256::new();
    if parsed.panicked || parsed.diagnostics.has_errors() {
        hash.update(b"unparsed\0");
        hash.update(text.as_bytes());
    } else {
        for token in parsed.tokens.iter() {
            let span = token.span();
            hash.update(&text.as_bytes()[span.start as usize..span.end as usize]);
            hash.update([0]);
        }
    }
    hex(&hash.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
        if checkout.version.as_deref() != Some(release.version) {
            found.push(Difference::Version {
                found: checkout.version.clone(),
            });
        }
        let released: BTreeMap<&str, &str> = release.typescript_files.iter().copied().collect();
        for (path, digest) in &checkout.typescript_files {
            match released.get(path.as_str()) {
                Some(d) if d == digest => {}
                Some(_) => found.push(Difference::FileChanged(path.clone())),
                None => found.push(Difference::FileAdded(path.clone())),
            }
        }
        for path in released.keys() {
            if !checkout.typescript_files.contains_key(*path) {
                found.push(Difference::FileDeleted((*path).to_owned()));
            }
        }
    }

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

    for export in constants_exports {
        if !release.has_constant(&export.name) {
            found.push(Difference::Constant {
                name: export.name.clone(),
                line: export.line,
            });
        }
    }
    found
}

/// aws-cdk-lib's feature flags and settings live under these prefixes.
fn is_feature_flag(key: &str) -> bool {
    key.starts_with("@aws-cdk/") || key.starts_with("@aws-cdk-containers/")
}

/// The source text of `release_table.rs` for the MLSpace checkout at `root` (unmodified).
pub fn render_release_table(root: &Path) -> Result<String, GuardError> {
    let checkout = read_checkout(root)?;
    let version = checkout
        .version
        .clone()
        .ok_or_else(|| GuardError::Invalid {
            path: root.join(VERSION_FILE),
            message: "no version".to_owned(),
        })?;
    let cdk_json = root.join("cdk.json");
    let text = read_bounded(&cdk_json, MAX_PACKAGE_JSON_BYTES)?.unwrap_or_default();
    let cdk: Value = serde_json::from_str(&text).map_err(|e| GuardError::Invalid {
        path: cdk_json.clone(),
        message: e.to_string(),
    })?;
    let constants_path = root.join(CONSTANTS_FILE);
    let constants_text = read_bounded(&constants_path, MAX_TS_BYTES)?.unwrap_or_default();
    let constants = super::constants_ts::parse(
        &constants_text,
        &constants_path.display().to_string(),
        |_| false,
    )
    .map_err(|e| GuardError::Invalid {
        path: constants_path.clone(),
        message: e.to_string(),
    })?;

    let quote = |s: &str| format!("{s:?}");
    let mut out = String::new();
    out.push_str(&format!(
        "//! GENERATED from MLSpace {version}'s checkout by `scripts/release-table.sh`; do not edit.\n\
         //! Digests, flags and names only (see `release_guard.rs`); `cargo test --test release_table`\n\
         //! re-derives it from `$MLSPACE_CHECKOUT`.\n\n\
         use super::release_guard::Release;\n\n\
         pub const RELEASE: Release = Release {{\n    version: {},\n    typescript_files: &[\n",
        quote(&version)
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
    for export in &constants.exports {
        out.push_str(&format!("        {},\n", quote(&export.name)));
    }
    out.push_str("    ],\n};\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const RELEASE: Release = Release {
        version: "1.6.10",
        typescript_files: &[("bin/app.ts", "d1"), ("lib/stacks/kms.ts", "d2")],
        context_flags: &[
            ("@aws-cdk/aws-s3:createDefaultLoggingPolicy", "true"),
            ("@aws-cdk/aws-iam:minimizePolicies", "true"),
            (
                "@aws-cdk/core:target-partitions",
                "[\"aws\",\"aws-us-gov\"]",
            ),
        ],
        constants: &["SYSTEM_TAG"],
    };

    fn release_context() -> Map<String, Value> {
        json!({
            "@aws-cdk/aws-s3:createDefaultLoggingPolicy": true,
            "@aws-cdk/aws-iam:minimizePolicies": true,
            "@aws-cdk/core:target-partitions": ["aws", "aws-us-gov"],
            "availability-zones:account=1:region=us-east-1": ["a"],
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn release_checkout() -> Checkout {
        Checkout {
            is_typescript: true,
            version: Some("1.6.10".into()),
            typescript_files: [("bin/app.ts", "d1"), ("lib/stacks/kms.ts", "d2")]
                .into_iter()
                .map(|(p, d)| (p.to_owned(), d.to_owned()))
                .collect(),
        }
    }

    #[test]
    fn the_release_itself_has_no_difference() {
        let exports = [Export {
            name: "SYSTEM_TAG".into(),
            line: 3,
        }];
        assert_eq!(
            differences(&RELEASE, &release_checkout(), &release_context(), &exports),
            []
        );
    }

    #[test]
    fn every_kind_of_difference_is_listed_in_order() {
        let mut checkout = release_checkout();
        checkout.version = Some("1.7.0".into());
        checkout.typescript_files.remove("bin/app.ts");
        checkout
            .typescript_files
            .insert("lib/stacks/kms.ts".into(), "other".into());
        checkout
            .typescript_files
            .insert("lib/stacks/new.ts".into(), "d3".into());
        let mut context = release_context();
        context.insert(
            "@aws-cdk/aws-s3:createDefaultLoggingPolicy".into(),
            json!(false),
        );
        context.remove("@aws-cdk/core:target-partitions");
        context.insert("@aws-cdk/aws-lambda:newFlag".into(), json!(true));
        // Honoured flags may take any value.
        context.insert("@aws-cdk/aws-iam:minimizePolicies".into(), json!(false));
        let exports = [Export {
            name: "EXTRA".into(),
            line: 9,
        }];
        let found: Vec<String> = differences(&RELEASE, &checkout, &context, &exports)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "frontend/package.json: version 1.7.0 (not 1.6.10)",
                "lib/stacks/kms.ts: changed",
                "lib/stacks/new.ts: added",
                "bin/app.ts: deleted",
                "context flag @aws-cdk/aws-lambda:newFlag: true (1.6.10: unset)",
                "context flag @aws-cdk/aws-s3:createDefaultLoggingPolicy: false (1.6.10: true)",
                "context flag @aws-cdk/core:target-partitions: unset (1.6.10: [\"aws\",\"aws-us-gov\"])",
                "lib/constants.ts:9: export EXTRA is not one of MLSpace 1.6.10's constants, so no stack would read it",
            ]
        );
    }

    #[test]
    fn a_tree_without_typescript_is_checked_only_for_flags_it_sets() {
        let checkout = Checkout::default();
        let mut context = Map::new();
        context.insert(
            "@aws-cdk/aws-s3:createDefaultLoggingPolicy".into(),
            json!(true),
        );
        assert_eq!(differences(&RELEASE, &checkout, &context, &[]), []);
        context.insert(
            "@aws-cdk/aws-s3:createDefaultLoggingPolicy".into(),
            json!(false),
        );
        assert_eq!(differences(&RELEASE, &checkout, &context, &[]).len(), 1);
    }

    #[test]
    fn token_digests_ignore_comments_and_whitespace_only() {
        let base = token_digest("const a = 'x y';\nexport default a;\n");
        assert_eq!(
            base,
            token_digest("// note\nconst  a =\n  'x y'; /* more */\nexport default a;")
        );
        assert_ne!(base, token_digest("const a = 'x  y';\nexport default a;\n"));
        assert_ne!(base, token_digest("const a = 'x y';\nexport default b;\n"));
        assert_ne!(base, token_digest("const a = `x y`;\nexport default a;\n"));
        assert_ne!(base, token_digest("const a = 'x y'\nexport default a;\n"));
    }

    #[test]
    fn messages_list_every_difference_and_say_what_to_do() {
        let error = Unsupported {
            differences: vec![
                Difference::FileChanged("lib/stacks/kms.ts".into()),
                Difference::Constant {
                    name: "EXTRA".into(),
                    line: 9,
                },
            ],
        };
        let text = error.to_string();
        for part in [
            "does not run TypeScript",
            "\n  - lib/stacks/kms.ts: changed\n  - lib/constants.ts:9: export EXTRA",
            "move configuration values into lib/config.json",
            "--allow-unsupported",
            "MLSPACE_ALLOW_UNSUPPORTED=1",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        assert!(error.warning().contains("NOT in the synthesized stacks"));
    }
}
