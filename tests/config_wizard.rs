//! The Config Wizard run in-process: answers from a byte string, output into a buffer.

use std::path::Path;

use mlspace_cdk::config::wizard::{run_with, WizardArgs, WizardError};
use mlspace_cdk::config::{self, CONFIG_FILE};
use serde_json::{json, Value};

fn args(root: &Path) -> WizardArgs {
    WizardArgs {
        root: root.to_owned(),
        ..WizardArgs::default()
    }
}

/// Run the wizard with `answers` typed one per line; returns the transcript.
fn drive(args: &WizardArgs, answers: &[&str]) -> Result<String, WizardError> {
    let input: String = answers.iter().map(|a| format!("{a}\n")).collect();
    let mut output = Vec::new();
    run_with(args, input.as_bytes(), &mut output)?;
    Ok(String::from_utf8(output).unwrap())
}

fn written(root: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(root.join(CONFIG_FILE)).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

const BASIC: [&str; 6] = [
    "1",
    "123456789012",
    "us-east-1",
    "https://idp.example.com",
    "web",
    "Admin",
];

#[test]
fn basic_config_writes_the_five_required_properties() {
    let root = tempfile::tempdir().unwrap();
    drive(&args(root.path()), &BASIC).unwrap();
    let (text, value) = written(root.path());
    assert_eq!(
        value,
        json!({"AWS_ACCOUNT": "123456789012", "AWS_REGION": "us-east-1", "OIDC_URL": "https://idp.example.com",
               "OIDC_CLIENT_NAME": "web", "KEY_MANAGER_ROLE_NAME": "Admin"})
    );
    assert!(
        text.starts_with("{\n    \"AWS_ACCOUNT\": \"123456789012\",\n    \"AWS_REGION\""),
        "{text}"
    );
    assert!(
        text.ends_with("\"Admin\"\n}"),
        "4-space JSON with no final newline: {text:?}"
    );
    config::load(root.path()).unwrap();
}

#[test]
fn bad_answers_are_asked_again() {
    let root = tempfile::tempdir().unwrap();
    let answers = [
        "1",
        "1234",
        "123456789012",
        "Virginia",
        "us-east-1",
        "https://idp",
        "web",
        "Admin",
    ];
    let transcript = drive(&args(root.path()), &answers).unwrap();
    assert!(
        transcript.contains("\"1234\" is not a 12-digit account ID; please try again."),
        "{transcript}"
    );
    assert!(
        transcript.contains("\"Virginia\" is not a region name"),
        "{transcript}"
    );
    assert_eq!(written(root.path()).1["AWS_REGION"], "us-east-1");
}

#[test]
fn advanced_config_asks_about_vpc_roles_and_new_users() {
    let root = tempfile::tempdir().unwrap();
    let arn = |kind: &str, name: &str| format!("arn:aws-us-gov:iam::123456789012:{kind}/{name}");
    let roles: Vec<String> = vec![
        arn("role", "reader"),
        arn("role", "deploy"),
        arn("role", "notebook"),
        arn("policy", "endpoint-limit"),
        arn("policy", "job-limit"),
        arn("role", "app"),
        arn("role", "system"),
        arn("role", "emr"),
        arn("role", "emr-ec2"),
    ];
    let mut answers = vec![
        "2",
        "123456789012",
        "us-gov-west-1",
        "https://idp",
        "web",
        "Admin",
    ];
    answers.extend(["yes", "shared-vpc", "sg-123", "vpc-0abc", "sg-0def"]);
    answers.push("y");
    answers.push("arn:aws:iam::123456789012:role/wrong-partition");
    answers.extend(roles.iter().map(String::as_str));
    answers.push("y");
    let transcript = drive(&args(root.path()), &answers).unwrap();
    assert!(
        transcript.contains("\"sg-123\" does not start with vpc-"),
        "{transcript}"
    );
    assert!(
        transcript.contains("partition \"aws\", but region us-gov-west-1 is in \"aws-us-gov\""),
        "{transcript}"
    );

    let value = written(root.path()).1;
    let keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "AWS_ACCOUNT",
            "AWS_REGION",
            "OIDC_URL",
            "OIDC_CLIENT_NAME",
            "KEY_MANAGER_ROLE_NAME",
            "EXISTING_VPC_NAME",
            "EXISTING_VPC_ID",
            "EXISTING_VPC_DEFAULT_SECURITY_GROUP",
            "S3_READER_ROLE_ARN",
            "BUCKET_DEPLOYMENT_ROLE_ARN",
            "NOTEBOOK_ROLE_ARN",
            "ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN",
            "JOB_INSTANCE_CONSTRAINT_POLICY_ARN",
            "APP_ROLE_ARN",
            "SYSTEM_ROLE_ARN",
            "EMR_DEFAULT_ROLE_ARN",
            "EMR_EC2_INSTANCE_ROLE_ARN",
            "NEW_USERS_SUSPENDED",
        ]
    );
    assert_eq!(value["EXISTING_VPC_ID"], "vpc-0abc");
    assert_eq!(value["APP_ROLE_ARN"], arn("role", "app"));
    assert_eq!(value["NEW_USERS_SUSPENDED"], true);

    let config = config::load(root.path()).unwrap().config;
    assert_eq!(
        config.existing_vpc.as_ref().unwrap().default_security_group,
        "sg-0def"
    );
}

#[test]
fn existing_values_are_offered_and_other_keys_kept() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("lib")).unwrap();
    let before = json!({
        "AWS_ACCOUNT": "210987654321", "AWS_REGION": "eu-west-1", "OIDC_URL": "https://old", "OIDC_CLIENT_NAME": "old",
        "KEY_MANAGER_ROLE_NAME": "Keys", "EXISTING_VPC_NAME": "v", "EXISTING_VPC_ID": "vpc-1",
        "EXISTING_VPC_DEFAULT_SECURITY_GROUP": "sg-1", "APP_ROLE_ARN": "arn:aws:iam::210987654321:role/app",
        "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"HTTP_PROXY": "proxy:3128"}
    });
    std::fs::write(root.path().join(CONFIG_FILE), before.to_string()).unwrap();

    // Advanced; keep every offered value; say no to the VPC (removes it), keep the roles
    // (Enter on the yes/no takes "yes" because a role is set), clear APP_ROLE_ARN with "-".
    let answers = [
        "advanced", "", "", "", "", "", "n", "", "", "", "", "", "", "-", "", "", "", "n", "",
    ];
    let transcript = drive(&args(root.path()), &answers).unwrap();
    assert!(
        transcript.contains("AWS account ID [210987654321]: "),
        "{transcript}"
    );
    assert!(
        transcript.contains("Do you want to use existing IAM Roles? (Y/n): "),
        "{transcript}"
    );

    let after = written(root.path()).1;
    assert_eq!(after["AWS_ACCOUNT"], "210987654321");
    assert_eq!(
        after["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS"],
        before["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS"]
    );
    assert!(
        after.get("EXISTING_VPC_ID").is_none() && after.get("APP_ROLE_ARN").is_none(),
        "{after}"
    );
    assert_eq!(after["NEW_USERS_SUSPENDED"], false);
}

#[test]
fn end_of_input_leaves_the_old_file_untouched() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("lib")).unwrap();
    std::fs::write(root.path().join(CONFIG_FILE), "{\"AWS_ACCOUNT\": \"old\"}").unwrap();
    let err = drive(&args(root.path()), &["1", "123456789012"]).unwrap_err();
    assert!(matches!(err, WizardError::InputEnded { .. }), "{err}");
    assert!(err.to_string().contains("was not changed"), "{err}");
    let text = std::fs::read_to_string(root.path().join(CONFIG_FILE)).unwrap();
    assert_eq!(text, "{\"AWS_ACCOUNT\": \"old\"}");
    let leftovers: Vec<_> = std::fs::read_dir(root.path().join("lib"))
        .unwrap()
        .collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
}

#[test]
fn a_malformed_existing_file_is_reported_not_overwritten() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("lib")).unwrap();
    std::fs::write(root.path().join(CONFIG_FILE), "{\"AWS_ACCOUNT\": }").unwrap();
    let err = drive(&args(root.path()), &BASIC).unwrap_err();
    assert!(err.to_string().contains("line 1, column 17"), "{err}");
    assert_eq!(
        std::fs::read_to_string(root.path().join(CONFIG_FILE)).unwrap(),
        "{\"AWS_ACCOUNT\": }"
    );
}

#[test]
fn flags_answer_without_prompting() {
    let root = tempfile::tempdir().unwrap();
    let args = WizardArgs {
        basic: true,
        account: Some("123456789012".into()),
        region: Some("cn-north-1".into()),
        oidc_url: Some("https://idp".into()),
        oidc_client_name: Some("web".into()),
        key_manager_role_name: Some("Admin".into()),
        set: vec![
            "NEW_USERS_SUSPENDED=true".into(),
            "RESOURCE_TERMINATION_INTERVAL=15".into(),
            "LAMBDA_ARCHITECTURE=arm64".into(),
        ],
        ..args(root.path())
    };
    let transcript = drive(&args, &[]).unwrap();
    assert!(
        !transcript.contains("AWS account ID"),
        "no prompts: {transcript}"
    );
    let config = config::load(root.path()).unwrap().config;
    assert_eq!(
        (config.partition(), config.resource_termination_interval),
        ("aws-cn", 15)
    );
    assert!(config.new_users_suspended);
    assert_eq!(config.lambda_architecture.name(), "arm64");
}

#[test]
fn an_answers_file_is_validated_before_anything_is_written() {
    let root = tempfile::tempdir().unwrap();
    let answers = root.path().join("answers.json");
    std::fs::write(
        &answers,
        json!({"AWS_ACCOUNT": "123456789012", "AWS_REGION": "us-east-1"}).to_string(),
    )
    .unwrap();
    let args = WizardArgs {
        answers: Some(answers.clone()),
        ..args(root.path())
    };
    let err = drive(&args, &[]).unwrap_err();
    assert!(matches!(err, WizardError::Invalid { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("OIDC_URL, OIDC_CLIENT_NAME, KEY_MANAGER_ROLE_NAME are required"),
        "{err}"
    );
    assert!(!root.path().join(CONFIG_FILE).exists());

    std::fs::write(
        &answers,
        json!({"AWS_ACCOUNT": "123456789012", "AWS_REGION": "us-east-1", "OIDC_URL": "https://idp",
               "OIDC_CLIENT_NAME": "web", "KEY_MANAGER_ROLE_NAME": "Admin", "SYSTEM_TAGG": "x"})
        .to_string(),
    )
    .unwrap();
    let mut output = Vec::new();
    let written = run_with(&args, &b""[..], &mut output).unwrap();
    assert_eq!(written.warnings.len(), 1);
    assert!(
        written.warnings[0].contains("did you mean SYSTEM_TAG?"),
        "{:?}",
        written.warnings
    );
}

#[test]
fn bad_set_flags_are_explained() {
    let root = tempfile::tempdir().unwrap();
    for (flag, expected) in [
        ("AWS_ACOUNT=1", "did you mean AWS_ACCOUNT?"),
        ("MANAGE_IAM_ROLES=no", "takes true or false"),
        ("NOTEBOOK_ROLE_ARN", "expected KEY=VALUE"),
    ] {
        let args = WizardArgs {
            set: vec![flag.into()],
            ..args(root.path())
        };
        let err = drive(&args, &[]).unwrap_err();
        assert!(err.to_string().contains(expected), "{flag}: {err}");
    }
}
