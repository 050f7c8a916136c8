//! Option 1 and Option 2 together: the release defaults < lib/constants.ts < lib/config.json <
//! cluster-config.json's ec2-key, the origin of every value (`config show`, text and JSON), and
//! messages naming the file a bad value came from. Trees are built from our own small files.
mod common;
use common::*;

use std::path::Path;
use std::process::Command;

use mlspace_cdk::config::load;
use serde_json::json;

/// Our own constants.ts in MLSpace's shape: the required values, a few customizations.
const CONSTANTS: &str = "import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';\n\
// Option 2\n\
export const AWS_ACCOUNT = '111122223333';\n\
export const AWS_REGION = 'eu-west-1';\n\
export const OIDC_URL = 'https://idp.example.com';\n\
export const OIDC_CLIENT_NAME = 'web';\n\
export const KEY_MANAGER_ROLE_NAME = 'Admin';\n\
export const SYSTEM_TAG = \"Acme\";\n\
export const DATA_BUCKET_NAME = `const-data`;\n\
export const EMR_EC2_SSH_KEY = 'const-key';\n\
export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;\n\
export const LAMBDA_RUNTIME = Runtime.PYTHON_3_12;\n\
export const ENABLE_ACCESS_LOGGING = false;\n\
export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS: { [key: string]: string } = {\n\
    'HTTP_PROXY': 'proxy:3128',\n\
    NO_PROXY: 'localhost', // replaced by config.json\n\
};\n";

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A tree with constants.ts, a config.json over it and a cluster config.
fn mixed_tree() -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "lib/constants.ts", CONSTANTS);
    write(
        root.path(),
        "lib/config.json",
        &json!({
            "AWS_REGION": "us-east-2",
            "DATA_BUCKET_NAME": "json-data",
            "EMR_EC2_SSH_KEY": "json-key",
            "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"NO_PROXY": "localhost,169.254.169.254", "EXTRA": "1"}
        })
        .to_string(),
    );
    write(
        root.path(),
        "lib/resources/config/cluster-config.json",
        r#"{"ec2-key": "cluster-key"}"#,
    );
    root
}

#[test]
fn each_layer_overrides_the_one_below() {
    let root = mixed_tree();
    let config = load(root.path()).unwrap().config;
    // default
    assert_eq!(config.logs_bucket_name, "mlspace-logs");
    // constants.ts over the default
    assert_eq!(config.system_tag, "Acme");
    assert_eq!(config.lambda_architecture.name(), "arm64");
    assert_eq!(config.lambda_runtime.name(), "python3.12");
    assert!(!config.enable_access_logging);
    // config.json over constants.ts
    assert_eq!(config.aws_region, "us-east-2");
    assert_eq!(config.data_bucket_name, "json-data");
    // objects merge key by key, constants.ts first
    let vars: Vec<(&str, &str)> = config
        .additional_lambda_environment_vars
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        vars,
        [
            ("HTTP_PROXY", "proxy:3128"),
            ("NO_PROXY", "localhost,169.254.169.254"),
            ("EXTRA", "1")
        ]
    );
    // cluster-config.json over everything
    assert_eq!(config.emr_ec2_ssh_key, "cluster-key");
}

#[test]
fn an_empty_answer_in_config_json_replaces_the_constants_ts_value_as_lodash_merge_does() {
    // MLSpace's wizard writes "" for an optional question left empty; the TS app's `_.merge`
    // lays it over lib/constants.ts, so the existing role is not used.
    let root = tempfile::tempdir().unwrap();
    let constants = CONSTANTS.to_owned()
        + "export const NOTEBOOK_ROLE_ARN = 'arn:aws:iam::111122223333:role/nb';\n";
    write(root.path(), "lib/constants.ts", &constants);
    write(
        root.path(),
        "lib/config.json",
        r#"{"NOTEBOOK_ROLE_ARN": ""}"#,
    );
    let loaded = load(root.path()).unwrap();
    assert_eq!(loaded.config.notebook_role_arn, None);
    let shown = loaded
        .shown
        .iter()
        .find(|s| s.path == "NOTEBOOK_ROLE_ARN")
        .unwrap();
    assert_eq!(
        shown.origin,
        mlspace_cdk::config::origin::Origin::ConfigJson
    );

    // Where an empty value would be taken as a name, it stops instead.
    write(root.path(), "lib/config.json", r#"{"SYSTEM_TAG": ""}"#);
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/config.json") && err.contains("SYSTEM_TAG") && err.contains("\"Acme\""),
        "{err}"
    );
}

#[test]
fn constants_ts_alone_is_a_complete_configuration() {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "lib/constants.ts", CONSTANTS);
    let config = load(root.path()).unwrap().config;
    assert_eq!(
        (config.aws_account.as_str(), config.aws_region.as_str()),
        ("111122223333", "eu-west-1")
    );
    assert_eq!(config.emr_ec2_ssh_key, "const-key");
}

#[test]
fn no_files_at_all_still_asks_for_the_required_values() {
    let root = tempfile::tempdir().unwrap();
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/config.json (file not found)") && err.contains("AWS_ACCOUNT"),
        "{err}"
    );
}

#[test]
fn a_missing_required_value_names_both_files() {
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "lib/constants.ts",
        &CONSTANTS.replace("export const OIDC_URL = 'https://idp.example.com';\n", ""),
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/constants.ts and ")
            && err.contains("lib/config.json (file not found)")
            && err.contains("OIDC_URL is required"),
        "{err}"
    );
}

#[test]
fn a_bad_value_is_reported_against_the_file_it_came_from() {
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "lib/constants.ts",
        &CONSTANTS.replace("'111122223333'", "'1111'"),
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/constants.ts:3: AWS_ACCOUNT must be a 12-digit AWS account id"),
        "{err}"
    );

    write(root.path(), "lib/config.json", r#"{"AWS_ACCOUNT": "2222"}"#);
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/config.json: AWS_ACCOUNT must be a 12-digit"),
        "{err}"
    );

    write(
        root.path(),
        "lib/config.json",
        r#"{"AWS_ACCOUNT": "222233334444", "NOTEBOOK_ROLE_ARN": "arn:aws-us-gov:iam::222233334444:role/x"}"#,
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/config.json: NOTEBOOK_ROLE_ARN is in partition"),
        "{err}"
    );

    // An environment variable or bucket name set only in config.json is blamed on config.json.
    write(
        root.path(),
        "lib/config.json",
        r#"{"AWS_ACCOUNT": "222233334444", "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"AWS_REGION": "x"}}"#,
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/config.json: ADDITIONAL_LAMBDA_ENVIRONMENT_VARS: \"AWS_REGION\""),
        "{err}"
    );
    write(
        root.path(),
        "lib/config.json",
        r#"{"AWS_ACCOUNT": "222233334444", "DATA_BUCKET_NAME": "Bad_Name"}"#,
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(err.contains("lib/config.json: DATA_BUCKET_NAME"), "{err}");
}

#[test]
fn an_initializer_that_needs_typescript_stops_with_its_position() {
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "lib/constants.ts",
        &CONSTANTS.replace("'eu-west-1'", "process.env.AWS_REGION"),
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(
        err.contains("lib/constants.ts:4:27: AWS_REGION is set to a member expression")
            && err.contains("set AWS_REGION in lib/config.json"),
        "{err}"
    );
}

fn config_show(root: &Path, json: bool) -> String {
    let mut cmd = Command::new(binary());
    cmd.args(["config", "show"]).current_dir(root);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.env_remove("MLSPACE_SOURCE_ROOT").output().unwrap();
    assert!(
        out.status.success(),
        "config show failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn config_show_gives_every_value_with_its_origin() {
    let root = mixed_tree();
    let text = config_show(root.path(), false);
    let line = |key: &str| {
        text.lines()
            .find(|l| l.split_whitespace().next() == Some(key))
            .unwrap_or_else(|| panic!("no line for {key} in:\n{text}"))
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(line("LOGS_BUCKET_NAME"), "default \"mlspace-logs\"");
    assert_eq!(line("SYSTEM_TAG"), "lib/constants.ts:8 \"Acme\"");
    assert_eq!(line("LAMBDA_ARCHITECTURE"), "lib/constants.ts:11 \"arm64\"");
    assert_eq!(line("AWS_REGION"), "lib/config.json \"us-east-2\"");
    assert_eq!(
        line("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.HTTP_PROXY"),
        "lib/constants.ts:14 \"proxy:3128\""
    );
    assert_eq!(
        line("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.NO_PROXY"),
        "lib/config.json \"localhost,169.254.169.254\""
    );
    assert_eq!(
        line("EMR_EC2_SSH_KEY"),
        "lib/resources/config/cluster-config.json \"cluster-key\""
    );
    assert_eq!(line("COMMON_LAYER_PATH"), "default (not set)");
    // One line per property (an object: one per entry), in the table's order.
    assert_eq!(text.lines().count(), 67, "{text}");
    assert!(text.starts_with("DATASETS_TABLE_NAME "), "{text}");

    let json: serde_json::Value = serde_json::from_str(&config_show(root.path(), true)).unwrap();
    assert_eq!(
        json["SYSTEM_TAG"],
        json!({"value": "Acme", "origin": "lib/constants.ts", "line": 8})
    );
    assert_eq!(
        json["AWS_REGION"],
        json!({"value": "us-east-2", "origin": "lib/config.json"})
    );
    assert_eq!(
        json["LOGS_BUCKET_NAME"],
        json!({"value": "mlspace-logs", "origin": "default"})
    );
    assert_eq!(
        json["EMR_EC2_SSH_KEY"]["origin"],
        "lib/resources/config/cluster-config.json"
    );
    assert_eq!(
        json["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.EXTRA"],
        json!({"value": "1", "origin": "lib/config.json"})
    );
    assert_eq!(json["JWT_LAYER_PATH"]["value"], serde_json::Value::Null);
    assert_eq!(json.as_object().unwrap().len(), 67);
}

#[test]
fn config_show_fails_like_a_synth_on_a_bad_configuration() {
    let root = tempfile::tempdir().unwrap();
    write(
        root.path(),
        "lib/constants.ts",
        "export const AWS_ACCOUNT = 1 + 1;\n",
    );
    let out = Command::new(binary())
        .args(["config", "show"])
        .current_dir(root.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lib/constants.ts:1:28"), "{stderr}");
}

/// `config show` on a tree whose constants.ts is `text`: it fails (an exit code, not a signal)
/// with one message that starts as `expected` does.
fn assert_refused(text: &str, expected: &str) {
    let root = tempfile::tempdir().unwrap();
    write(root.path(), "lib/constants.ts", text);
    let out = Command::new(binary())
        .args(["config", "show"])
        .current_dir(root.path())
        .env_remove("MLSPACE_SOURCE_ROOT")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{expected}:\n{stderr}");
    assert_eq!(stderr.matches("mlspace-cdk: error:").count(), 1, "{stderr}");
    assert!(stderr.contains(expected), "{expected}:\n{stderr}");
}

#[test]
fn code_that_runs_when_the_file_loads_is_refused() {
    assert_refused(
        &format!(
            "{CONSTANTS}class Injector {{ static {{ (ADDITIONAL_LAMBDA_ENVIRONMENT_VARS as any).INJECTED = 'yes'; }} }}\n"
        ),
        "lib/constants.ts:18:1: a class (its static blocks and initializers run when the file loads) is not allowed in lib/constants.ts",
    );
    assert_refused(
        &format!("{CONSTANTS}export enum E {{ A = Date.now() }}\n"),
        "lib/constants.ts:18:1: an exported enum is not allowed",
    );
}

#[test]
fn deep_nesting_is_one_error_not_a_crash() {
    let n = 10_000;
    assert_refused(
        &format!(
            "export const SYSTEM_TAG = {}'Acme'{};\n",
            "(".repeat(n),
            ")".repeat(n)
        ),
        "lib/constants.ts:1:282: the text is nested more than 256 levels deep",
    );
    assert_refused(
        &format!(
            "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = {}{};\n",
            "{ a: ".repeat(n),
            "}".repeat(n)
        ),
        "the text is nested more than 256 levels deep",
    );
}

#[test]
fn what_typescript_would_not_compile_is_refused() {
    assert_refused(
        &format!("{CONSTANTS}export const SYSTEM_TAG = 'Other';\n"),
        "lib/constants.ts:18:14: SYSTEM_TAG is declared a second time (first on line 8)",
    );
    for member in ["PYTHON_3_14", "PYTHON_3_011"] {
        assert_refused(
            &CONSTANTS.replace("PYTHON_3_12", member),
            &format!("lib/constants.ts:12:31: LAMBDA_RUNTIME must be a Python runtime such as Runtime.PYTHON_3_11, but it is Runtime.{member}"),
        );
    }
}

#[test]
fn positions_count_cr_only_line_breaks() {
    let text = CONSTANTS
        .replace('\n', "\r")
        .replace("'eu-west-1'", "process.env.AWS_REGION");
    assert_refused(
        &text,
        "lib/constants.ts:4:27: AWS_REGION is set to a member expression",
    );
}

#[test]
fn config_undefined_json_is_a_layer_between_constants_ts_and_config_json() {
    // MLSpace 1.6.10's generateConfig() runs without an account id and merges
    // lib/config.${accountId}.json = lib/config.undefined.json before lib/config.json.
    let root = mixed_tree();
    write(
        root.path(),
        "lib/config.undefined.json",
        &json!({
            "DATA_BUCKET_NAME": "acct-data",
            "LOGS_BUCKET_NAME": "acct-logs",
            "SYSTEM_TAG": "AcctTag",
            "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"ACCT": "1", "NO_PROXY": "acct"}
        })
        .to_string(),
    );
    let config = load(root.path()).unwrap().config;
    assert_eq!(config.logs_bucket_name, "acct-logs");
    assert_eq!(config.system_tag, "AcctTag");
    // config.json still wins.
    assert_eq!(config.data_bucket_name, "json-data");
    let vars: Vec<(&str, &str)> = config
        .additional_lambda_environment_vars
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        vars,
        [
            ("HTTP_PROXY", "proxy:3128"),
            ("NO_PROXY", "localhost,169.254.169.254"),
            ("ACCT", "1"),
            ("EXTRA", "1")
        ]
    );

    let json: serde_json::Value = serde_json::from_str(&config_show(root.path(), true)).unwrap();
    assert_eq!(
        json["LOGS_BUCKET_NAME"],
        json!({"value": "acct-logs", "origin": "lib/config.undefined.json"})
    );
    assert_eq!(json["DATA_BUCKET_NAME"]["origin"], "lib/config.json");
    assert_eq!(
        json["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.ACCT"]["origin"],
        "lib/config.undefined.json"
    );
    let text = config_show(root.path(), false);
    assert!(
        text.lines()
            .any(|l| l.starts_with("SYSTEM_TAG ") && l.contains("lib/config.undefined.json")),
        "{text}"
    );

    // A bad value there is reported against that file.
    write(
        root.path(),
        "lib/config.undefined.json",
        r#"{"LAMBDA_ARCHITECTURE": "ARM"}"#,
    );
    let err = load(root.path()).unwrap_err().to_string();
    assert!(err.contains("lib/config.undefined.json"), "{err}");
}
