//! The Config Wizard on a real pseudo-terminal: the built binary is driven by
//! tests/fixtures/config/pty_driver.py (Python's pty module), so nothing depends on the test
//! runner's own stdin. Skipped with a message when python3 is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

const BINARY: &str = env!("CARGO_BIN_EXE_mlspace-cdk");

enum Step<'a> {
    Expect(&'a str),
    Send(&'a str),
    Interrupt,
    EndOfInput,
}
use Step::*;

/// Expect the prompt, then type the answer and Enter.
fn answer<'a>(prompt: &'a str, text: &'a str) -> [Step<'a>; 2] {
    [Expect(prompt), Send(text)]
}

struct Run {
    code: i32,
    transcript: String,
}

/// Run `mlspace-cdk config` in `workdir` on a pty; `None` when python3 is missing.
fn run_on_pty(workdir: &Path, steps: &[Step]) -> Option<Run> {
    let steps: Vec<Value> = steps
        .iter()
        .map(|step| match step {
            Expect(text) => json!({"expect": text}),
            Send(text) => json!({"send": format!("{text}\n")}),
            Interrupt => json!({"interrupt": true}),
            EndOfInput => json!({"eof": true}),
        })
        .collect();
    let steps_file = workdir.join("steps.json");
    std::fs::write(&steps_file, Value::from(steps).to_string()).unwrap();
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/pty_driver.py");
    let output = match Command::new("python3")
        .arg(driver)
        .arg(&steps_file)
        .arg(workdir)
        .arg(BINARY)
        .arg("config")
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            eprintln!("skipping: cannot run python3 to drive a pseudo-terminal ({e})");
            return None;
        }
    };
    let transcript = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("ModuleNotFoundError") {
        eprintln!("skipping: python3 has no pty module ({stderr})");
        return None;
    }
    let code = output.status.code().unwrap_or(-1);
    assert_ne!(
        code, 90,
        "the wizard did not answer as expected:\n{transcript}\n{stderr}"
    );
    Some(Run { code, transcript })
}

fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lib/config.json");
    (dir, config)
}

fn basic_answers() -> Vec<Step<'static>> {
    let mut steps = vec![];
    steps.extend(answer("AWS account ID: ", "1234"));
    steps.push(Expect("not a 12-digit account ID; please try again."));
    steps.extend(answer("AWS account ID: ", "123456789012"));
    steps.extend(answer("AWS region: ", "us-east-1"));
    steps.extend(answer(
        "OIDC URL: ",
        "https://idp.example.com/realms/mlspace",
    ));
    steps.extend(answer("OIDC client name: ", "web-client"));
    steps.extend(answer("Key manager role name: ", "Admin"));
    steps
}

#[test]
fn basic_config_on_a_terminal() {
    let (dir, config) = workdir();
    let mut steps = vec![];
    steps.extend(answer("Choose 1-2 [1]: ", "1"));
    steps.extend(basic_answers());
    steps.push(Expect("Wrote lib/config.json"));
    let Some(run) = run_on_pty(dir.path(), &steps) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.transcript);
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&config).unwrap()).unwrap();
    assert_eq!(
        written,
        json!({"AWS_ACCOUNT": "123456789012", "AWS_REGION": "us-east-1", "OIDC_URL": "https://idp.example.com/realms/mlspace",
               "OIDC_CLIENT_NAME": "web-client", "KEY_MANAGER_ROLE_NAME": "Admin"})
    );
    mlspace_cdk::config::load(dir.path()).unwrap();
}

#[test]
fn advanced_config_on_a_terminal() {
    let (dir, config) = workdir();
    let mut steps = vec![];
    steps.extend(answer("Choose 1-2 [1]: ", "2"));
    steps.extend(basic_answers());
    steps.extend(answer("Do you want to use existing VPC? (y/N): ", "y"));
    steps.extend(answer("VPC name: ", "shared-ml-vpc"));
    steps.extend(answer("VPC ID: ", "vpc-0a1b2c3d4e5f60718"));
    steps.extend(answer(
        "VPC default security group: ",
        "sg-0123456789abcdef0",
    ));
    steps.extend(answer(
        "Do you want to use existing IAM Roles? (y/N): ",
        "yes",
    ));
    steps.extend(answer("S3 reader role ARN: ", "mls-website-reader"));
    steps.push(Expect("not an ARN"));
    steps.extend(answer(
        "S3 reader role ARN: ",
        "arn:aws:iam::123456789012:role/mls-website-reader",
    ));
    steps.extend(answer("Bucket deployment role ARN: ", ""));
    steps.extend(answer(
        "Notebook role ARN: ",
        "arn:aws:iam::123456789012:role/mls-notebook",
    ));
    steps.extend(answer(
        "Endpoint config instance-constraint policy ARN: ",
        "",
    ));
    steps.extend(answer("Job instance-constraint policy ARN: ", ""));
    steps.extend(answer(
        "App role ARN: ",
        "arn:aws:iam::123456789012:role/mls-app",
    ));
    steps.extend(answer("System role ARN: ", ""));
    steps.extend(answer("EMR default role ARN: ", ""));
    steps.extend(answer("EMR EC2 instance role ARN: ", ""));
    steps.extend(answer("Should new users start out suspended? (y/N): ", "y"));
    steps.push(Expect("Wrote lib/config.json"));
    let Some(run) = run_on_pty(dir.path(), &steps) else {
        return;
    };
    assert_eq!(run.code, 0, "{}", run.transcript);

    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.starts_with("{\n    \"AWS_ACCOUNT\""),
        "4-space indented JSON: {text}"
    );
    let written: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        written,
        json!({
            "AWS_ACCOUNT": "123456789012", "AWS_REGION": "us-east-1",
            "OIDC_URL": "https://idp.example.com/realms/mlspace", "OIDC_CLIENT_NAME": "web-client",
            "KEY_MANAGER_ROLE_NAME": "Admin",
            "EXISTING_VPC_NAME": "shared-ml-vpc", "EXISTING_VPC_ID": "vpc-0a1b2c3d4e5f60718",
            "EXISTING_VPC_DEFAULT_SECURITY_GROUP": "sg-0123456789abcdef0",
            "S3_READER_ROLE_ARN": "arn:aws:iam::123456789012:role/mls-website-reader",
            "NOTEBOOK_ROLE_ARN": "arn:aws:iam::123456789012:role/mls-notebook",
            "APP_ROLE_ARN": "arn:aws:iam::123456789012:role/mls-app",
            "NEW_USERS_SUSPENDED": true
        })
    );
    let loaded = mlspace_cdk::config::load(dir.path()).unwrap();
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

const OLD: &str = "{\n    \"AWS_ACCOUNT\": \"210987654321\"\n}";

fn assert_untouched(dir: &Path, config: &Path) {
    assert_eq!(std::fs::read_to_string(config).unwrap(), OLD);
    let entries: Vec<String> = std::fs::read_dir(dir.join("lib"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, ["config.json"], "no temporary file is left behind");
}

#[test]
fn ctrl_c_leaves_the_old_file_untouched() {
    let (dir, config) = workdir();
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, OLD).unwrap();
    let mut steps = vec![];
    steps.extend(answer("Choose 1-2 [1]: ", "2"));
    steps.extend(answer("AWS account ID [210987654321]: ", "123456789012"));
    steps.push(Expect("AWS region: "));
    steps.push(Interrupt);
    let Some(run) = run_on_pty(dir.path(), &steps) else {
        return;
    };
    assert_eq!(run.code, 128 + 2, "ended by SIGINT:\n{}", run.transcript);
    assert_untouched(dir.path(), &config);
}

#[test]
fn end_of_input_leaves_the_old_file_untouched() {
    let (dir, config) = workdir();
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, OLD).unwrap();
    let mut steps = vec![];
    steps.extend(answer("Choose 1-2 [1]: ", ""));
    steps.push(Expect("AWS account ID [210987654321]: "));
    steps.push(EndOfInput);
    steps.push(Expect("was not changed"));
    let Some(run) = run_on_pty(dir.path(), &steps) else {
        return;
    };
    assert_eq!(run.code, 1, "{}", run.transcript);
    assert_untouched(dir.path(), &config);
}
