//! The cdk CLI's side of the protocol: where to write and which context to use.
//!
//! Run by the CLI, the app gets `CDK_OUTDIR` and the context in `CDK_CONTEXT_JSON` (or partly in
//! the file `CONTEXT_OVERFLOW_LOCATION_ENV` names, which wins). Run on its own, the app gathers
//! the same context the CLI would: `cdk.context.json`, then `cdk.json`'s `context` block, plus the
//! settings the CLI always adds.
use std::path::{Path, PathBuf};

use super::input::{read_text, InputError};

use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum ToolkitError {
    #[error(
        "CDK_CONTEXT_JSON is not a JSON object: {0}; run the app through the cdk CLI or unset it"
    )]
    ContextEnv(String),
    #[error("{}: {message}", path.display())]
    ContextFile { path: PathBuf, message: String },
    #[error(transparent)]
    Input(#[from] InputError),
}

/// The bound for a context file: lookups of many VPCs make them larger than configuration.
const CONTEXT_INPUT: u64 = 64 << 20;

pub struct Invocation {
    pub outdir: PathBuf,
    pub context: Map<String, Value>,
    /// True when the cdk CLI runs the app.
    pub from_cli: bool,
}

/// Keys the CLI adds to the context of every run.
pub fn cli_settings() -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("aws:cdk:enable-path-metadata".into(), Value::Bool(true));
    m.insert("aws:cdk:enable-asset-metadata".into(), Value::Bool(true));
    m.insert("aws:cdk:version-reporting".into(), Value::Bool(true));
    m.insert(
        "aws:cdk:bundling-stacks".into(),
        Value::Array(vec![Value::String("**".into())]),
    );
    m
}

/// Work out the out dir and context from the environment (`env` is `std::env::var` in production).
pub fn invocation(
    project_dir: &Path,
    outdir_flag: Option<PathBuf>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Invocation, ToolkitError> {
    // An empty variable is an unset one: never the current directory as the out dir.
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    let from_cli = env("CDK_OUTDIR").is_some();
    let outdir = outdir_flag
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| env("CDK_OUTDIR").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cdk.out"));
    let mut context = Map::new();
    if let Some(text) = env("CDK_CONTEXT_JSON") {
        match serde_json::from_str::<Value>(&text) {
            Ok(Value::Object(m)) => context.extend(m),
            Ok(_) => return Err(ToolkitError::ContextEnv("not an object".into())),
            Err(e) => return Err(ToolkitError::ContextEnv(e.to_string())),
        }
        if let Some(path) = env("CONTEXT_OVERFLOW_LOCATION_ENV") {
            context.extend(read_object(Path::new(&path))?);
        }
    } else if !from_cli {
        // On our own: the lower-priority sources first, so the higher ones overwrite.
        let context_file = project_dir.join("cdk.context.json");
        if let Some(m) = read_optional_object(&context_file)? {
            context.extend(m);
        }
        let cdk_json = project_dir.join("cdk.json");
        if let Some(mut m) = read_optional_object(&cdk_json)? {
            match m.remove("context") {
                Some(Value::Object(m)) => context.extend(m),
                None => {}
                Some(other) => {
                    return Err(ToolkitError::ContextFile {
                        path: cdk_json,
                        message: format!(
                            "\"context\" must be an object of context values, but it is {}; fix it or remove it",
                            crate::cdk::lookups::describe(&other)
                        ),
                    })
                }
            }
        }
        context.extend(cli_settings());
    }
    Ok(Invocation {
        outdir,
        context,
        from_cli,
    })
}

fn read_optional_object(path: &Path) -> Result<Option<Map<String, Value>>, ToolkitError> {
    match read_object(path) {
        Err(ToolkitError::Input(e)) if e.is_not_found() => Ok(None),
        other => other.map(Some),
    }
}

fn read_object(path: &Path) -> Result<Map<String, Value>, ToolkitError> {
    let err = |message: String| ToolkitError::ContextFile {
        path: path.to_path_buf(),
        message,
    };
    let text = read_text(path, CONTEXT_INPUT)?;
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(err("expected a JSON object".into())),
        Err(e) => Err(err(format!(
            "line {}, column {}: {e}",
            e.line(),
            e.column()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    use std::fs;

    #[test]
    fn an_empty_outdir_variable_is_unset() {
        let dir = tempfile::tempdir().unwrap();
        let vars: HashMap<&str, String> = HashMap::from([("CDK_OUTDIR", String::new())]);
        let inv = invocation(dir.path(), None, &|k| vars.get(k).cloned()).unwrap();
        assert!(!inv.from_cli);
        assert_eq!(inv.outdir, PathBuf::from("cdk.out"));
        let inv = invocation(dir.path(), Some(PathBuf::new()), &|_| None).unwrap();
        assert_eq!(inv.outdir, PathBuf::from("cdk.out"));
    }

    #[test]
    fn overflow_file_wins_over_env_context() {
        let dir = tempfile::tempdir().unwrap();
        let overflow = dir.path().join("context-overflow.json");
        fs::write(&overflow, r#"{"b": 2, "c": 3}"#).unwrap();
        let vars: HashMap<&str, String> = HashMap::from([
            ("CDK_OUTDIR", "out".to_string()),
            ("CDK_CONTEXT_JSON", r#"{"a": 1, "b": 1}"#.to_string()),
            (
                "CONTEXT_OVERFLOW_LOCATION_ENV",
                overflow.display().to_string(),
            ),
        ]);
        let inv = invocation(dir.path(), None, &|k| vars.get(k).cloned()).unwrap();
        assert!(inv.from_cli);
        assert_eq!(inv.outdir, PathBuf::from("out"));
        assert_eq!(
            Value::Object(inv.context),
            serde_json::json!({"a": 1, "b": 2, "c": 3})
        );
    }

    #[test]
    fn standalone_reads_project_context_like_the_cli() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("cdk.json"),
            r#"{"app": "x", "context": {"k": "json"}}"#,
        )
        .unwrap();
        fs::write(
            dir.path().join("cdk.context.json"),
            r#"{"k": "ctx", "az": [1]}"#,
        )
        .unwrap();
        let inv = invocation(dir.path(), None, &|_| None).unwrap();
        assert!(!inv.from_cli);
        assert_eq!(inv.context["k"], "json");
        assert_eq!(inv.context["az"], serde_json::json!([1]));
        assert_eq!(inv.context["aws:cdk:enable-path-metadata"], true);
        assert_eq!(inv.outdir, PathBuf::from("cdk.out"));
    }
}
