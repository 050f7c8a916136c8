//! Checks on the merged configuration, run before anything is synthesized or written.
//!
//! The building blocks (`is_account_id`, `is_region`, `check_arn`, ...) are public so the
//! wizard can check each answer as it is typed.

use serde_json::{Map, Value};

use super::arn::Arn;
use super::error::ConfigError;

/// Properties without which MLSpace cannot be deployed, in the order they are reported.
const REQUIRED: [&str; 4] = ["AWS_ACCOUNT", "AWS_REGION", "OIDC_URL", "OIDC_CLIENT_NAME"];

/// An existing VPC is described by these three together.
pub const VPC_KEYS: [&str; 3] = [
    "EXISTING_VPC_NAME",
    "EXISTING_VPC_ID",
    "EXISTING_VPC_DEFAULT_SECURITY_GROUP",
];

/// Run every check on the merged object; the first failure is returned.
pub fn validate(merged: &Map<String, Value>, origin: &str) -> Result<(), ConfigError> {
    check_required(merged, origin)?;
    check_account_region_and_arns(merged, origin)?;
    check_vpc_and_lambda_environment(merged, origin)?;
    check_bucket_names(merged, origin)?;
    check_lambda_platform(merged, origin)
}

/// A string property's value, `""` when absent or not a string.
fn text_of<'a>(merged: &'a Map<String, Value>, key: &str) -> &'a str {
    merged.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Every required property is set (the key manager role unless an existing key is given).
fn check_required(merged: &Map<String, Value>, origin: &str) -> Result<(), ConfigError> {
    let text = |key: &str| text_of(merged, key);
    let origin = origin.to_owned();
    let mut missing: Vec<&'static str> = REQUIRED
        .into_iter()
        .filter(|k| text(k).is_empty())
        .collect();
    if text("EXISTING_KMS_MASTER_KEY_ARN").is_empty() && text("KEY_MANAGER_ROLE_NAME").is_empty() {
        missing.push("KEY_MANAGER_ROLE_NAME");
    }
    if !missing.is_empty() {
        return Err(ConfigError::MissingRequired {
            origin,
            keys: missing,
            misspelled: Vec::new(),
        });
    }
    Ok(())
}

/// AWS_ACCOUNT and AWS_REGION are well formed and every `*_ARN` that is set is an ARN of the
/// region's partition.
fn check_account_region_and_arns(
    merged: &Map<String, Value>,
    origin: &str,
) -> Result<(), ConfigError> {
    let text = |key: &str| text_of(merged, key);
    let origin = origin.to_owned();
    let account = text("AWS_ACCOUNT");
    if !is_account_id(account) {
        return Err(ConfigError::AccountId {
            origin,
            value: account.to_owned(),
        });
    }
    let region = text("AWS_REGION");
    if !is_region(region) {
        return Err(ConfigError::Region {
            origin,
            value: region.to_owned(),
        });
    }

    for (key, value) in merged {
        let Some(arn) = value.as_str() else { continue };
        if key.ends_with("_ARN") && !arn.is_empty() {
            check_arn(arn, region)
                .map_err(|problem| problem.into_error(&origin, key, arn, region))?;
        }
    }
    Ok(())
}

/// The EXISTING_VPC_* properties are all set or none; the extra Lambda environment variables
/// have valid names.
fn check_vpc_and_lambda_environment(
    merged: &Map<String, Value>,
    origin: &str,
) -> Result<(), ConfigError> {
    let text = |key: &str| text_of(merged, key);
    let origin = origin.to_owned();
    let (set, missing): (Vec<&'static str>, Vec<&'static str>) =
        VPC_KEYS.into_iter().partition(|k| !text(k).is_empty());
    if !set.is_empty() && !missing.is_empty() {
        return Err(ConfigError::IncompleteVpc {
            origin,
            set,
            missing,
        });
    }

    if let Some(Value::Object(vars)) = merged.get("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS") {
        for name in vars.keys() {
            if let Some(problem) = lambda_env_name_problem(name) {
                return Err(ConfigError::LambdaEnvName {
                    origin,
                    name: name.clone(),
                    problem,
                });
            }
        }
    }
    Ok(())
}

/// Every bucket name, with the account id appended, is a valid S3 bucket name.
fn check_bucket_names(merged: &Map<String, Value>, origin: &str) -> Result<(), ConfigError> {
    let text = |key: &str| text_of(merged, key);
    let origin = origin.to_owned();
    let account = text("AWS_ACCOUNT");
    for key in BUCKET_KEYS {
        // The stacks name each bucket `<name>-<account>`.
        let bucket = format!("{}-{account}", text(key));
        if let Some(problem) = bucket_name_problem(&bucket) {
            return Err(ConfigError::BucketName {
                origin,
                key,
                value: text(key).to_owned(),
                bucket,
                problem,
            });
        }
    }
    Ok(())
}

/// LAMBDA_ARCHITECTURE and LAMBDA_RUNTIME name an architecture and a Python 3 runtime.
fn check_lambda_platform(merged: &Map<String, Value>, origin: &str) -> Result<(), ConfigError> {
    let text = |key: &str| text_of(merged, key);
    let origin = origin.to_owned();
    let architecture = text("LAMBDA_ARCHITECTURE");
    if super::Architecture::from_name(architecture).is_none() {
        return Err(ConfigError::Architecture {
            origin,
            value: architecture.to_owned(),
        });
    }
    let runtime = text("LAMBDA_RUNTIME");
    if !is_python_runtime(runtime) {
        return Err(ConfigError::Runtime {
            origin,
            value: runtime.to_owned(),
            known: python_runtimes()
                .map(|(_, name)| name)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

/// Properties that name an S3 bucket (with the account id appended).
pub const BUCKET_KEYS: [&str; 5] = [
    "CONFIG_BUCKET_NAME",
    "DATA_BUCKET_NAME",
    "LOGS_BUCKET_NAME",
    "ACCESS_LOGS_BUCKET_NAME",
    "WEBSITE_BUCKET_NAME",
];

/// Names the Lambda runtime reserves (aws-cdk-lib refuses them at synthesis).
const RESERVED_LAMBDA_ENV: [&str; 18] = [
    "_HANDLER",
    "_X_AMZN_TRACE_ID",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE",
    "AWS_LAMBDA_LOG_GROUP_NAME",
    "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API",
    "LAMBDA_TASK_ROOT",
    "LAMBDA_RUNTIME_DIR",
];

/// Why Lambda would refuse `name` as an environment variable name, if it would: the name must
/// match `[a-zA-Z][a-zA-Z0-9_]+` and not be one the runtime reserves.
pub fn lambda_env_name_problem(name: &str) -> Option<&'static str> {
    let mut bytes = name.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    if !first_ok || name.len() < 2 || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Some(
            "is not a name Lambda accepts (a letter, then at least one letter, digit or _)",
        );
    }
    if RESERVED_LAMBDA_ENV.contains(&name) {
        return Some("is reserved by the Lambda runtime and cannot be set");
    }
    None
}

/// Why S3 (and aws-cdk-lib, which checks literal names) would refuse `name`, if it would.
pub fn bucket_name_problem(name: &str) -> Option<&'static str> {
    if !(3..=63).contains(&name.len()) {
        return Some("a bucket name has 3 to 63 characters");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Some("a bucket name has only lowercase letters, digits, dots and hyphens");
    }
    let edge = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !edge(name.bytes().next()) || !edge(name.bytes().last()) {
        return Some("a bucket name starts and ends with a letter or digit");
    }
    if name.contains("..") || name.contains(".-") || name.contains("-.") {
        return Some("a bucket name has no two adjacent dots, and no dot next to a hyphen");
    }
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() == 4 && parts.iter().all(|p| p.parse::<u8>().is_ok()) {
        return Some("a bucket name is not formatted as an IP address");
    }
    None
}

/// Exactly 12 ASCII digits.
pub fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// A region name: a lowercase area prefix, one or more lowercase words, a number
/// (`us-east-1`, `us-gov-west-1`, `us-isob-east-1`, `ap-southeast-2`, `eusc-de-east-1`).
pub fn is_region(value: &str) -> bool {
    let parts: Vec<&str> = value.split('-').collect();
    let Some((number, words)) = parts.split_last() else {
        return false;
    };
    let lowercase_word = |w: &&str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase());
    words.len() >= 2
        && (2..=4).contains(&words[0].len())
        && words.iter().all(lowercase_word)
        && (1..=2).contains(&number.len())
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The partition a region belongs to, by aws-cdk-lib's region facts (for a region they do not
/// list, its prefix rule).
pub fn partition_for_region(region: &str) -> &'static str {
    crate::cdk::region_info::partition(region)
}

/// Why a value is not an acceptable ARN.
#[derive(Debug, Clone, PartialEq)]
pub enum ArnProblem {
    /// The text is not shaped like an ARN; the message completes "but VALUE ...".
    Shape(&'static str),
    /// A well-formed ARN from another partition than the region's.
    Partition {
        found: String,
        expected: &'static str,
    },
}

impl ArnProblem {
    fn into_error(self, origin: &str, key: &str, value: &str, region: &str) -> ConfigError {
        match self {
            ArnProblem::Shape(problem) => ConfigError::Arn {
                origin: origin.to_owned(),
                key: key.to_owned(),
                value: value.to_owned(),
                problem,
            },
            ArnProblem::Partition { found, expected } => ConfigError::Partition {
                origin: origin.to_owned(),
                key: key.to_owned(),
                found,
                region: region.to_owned(),
                expected,
            },
        }
    }

    /// One line for the wizard to show before asking again.
    pub fn describe(&self, region: &str) -> String {
        match self {
            ArnProblem::Shape(problem) => format!("not an ARN: it {problem}"),
            ArnProblem::Partition { found, expected } => {
                format!(
                    "this ARN is in partition {found:?}, but region {region} is in {expected:?}"
                )
            }
        }
    }
}

/// Check that `value` is an ARN (`arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, the shape
/// [`Arn::parse`] checks) in the partition of `region`.
pub fn check_arn(value: &str, region: &str) -> Result<(), ArnProblem> {
    let arn = Arn::parse(value).map_err(|e| ArnProblem::Shape(e.problem()))?;
    let expected = partition_for_region(region);
    if arn.partition() != expected {
        return Err(ArnProblem::Partition {
            found: arn.partition().to_owned(),
            expected,
        });
    }
    Ok(())
}

/// aws-cdk-lib's Python 3 runtimes (generated from the package: `crate::cdk::lambda_runtimes`),
/// as `(member of Runtime, runtime name)`. The one list for both sources: lib/config.json's
/// LAMBDA_RUNTIME names one, lib/constants.ts's `Runtime.PYTHON_3_x` must be one of the members
/// (TypeScript would not compile another). Python 2 is left out: the functions and layers are
/// Python 3.
pub fn python_runtimes() -> impl Iterator<Item = (&'static str, &'static str)> {
    crate::cdk::lambda_runtimes::python_runtimes()
        .iter()
        .filter(|r| r.name.starts_with("python3."))
        .map(|r| (r.member.as_str(), r.name.as_str()))
}

/// One of aws-cdk-lib's Python 3 runtimes ([`python_runtimes`]).
pub fn is_python_runtime(value: &str) -> bool {
    python_runtimes().any(|(_, name)| name == value)
}

/// The runtime name of `Runtime.<member>`, when it is one of [`python_runtimes`].
pub fn python_runtime_of_member(member: &str) -> Option<&'static str> {
    python_runtimes()
        .find(|(m, _)| *m == member)
        .map(|(_, name)| name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::merge::defaults_object;
    use serde_json::json;

    fn basic() -> Map<String, Value> {
        let mut merged = defaults_object();
        for (key, value) in [
            ("AWS_ACCOUNT", "123456789012"),
            ("AWS_REGION", "us-east-1"),
            ("OIDC_URL", "https://idp.example.com"),
            ("OIDC_CLIENT_NAME", "web"),
            ("KEY_MANAGER_ROLE_NAME", "Admin"),
        ] {
            merged.insert(key.into(), json!(value));
        }
        merged
    }

    fn with(pairs: &[(&str, Value)]) -> Result<(), ConfigError> {
        let mut merged = basic();
        for (key, value) in pairs {
            merged.insert((*key).into(), value.clone());
        }
        validate(&merged, "lib/config.json")
    }

    #[test]
    fn a_basic_configuration_passes() {
        with(&[]).unwrap();
    }

    #[test]
    fn required_properties_are_named_with_the_wizard_hint() {
        let err = validate(&defaults_object(), "lib/config.json").unwrap_err();
        let text = err.to_string();
        assert!(matches!(&err, ConfigError::MissingRequired { keys, .. }
            if keys == &["AWS_ACCOUNT", "AWS_REGION", "OIDC_URL", "OIDC_CLIENT_NAME", "KEY_MANAGER_ROLE_NAME"]));
        assert!(
            text.contains("npm run config") && text.contains("Basic Config"),
            "{text}"
        );

        let err = with(&[("OIDC_CLIENT_NAME", json!(""))]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("lib/config.json: OIDC_CLIENT_NAME is required but not set; {}, which asks for every required property",
                crate::config::error::RUN_THE_WIZARD)
        );
    }

    #[test]
    fn an_existing_kms_key_makes_the_key_manager_role_optional() {
        let key = json!("arn:aws:kms:us-east-1:123456789012:key/abcd");
        with(&[
            ("KEY_MANAGER_ROLE_NAME", json!("")),
            ("EXISTING_KMS_MASTER_KEY_ARN", key),
        ])
        .unwrap();
    }

    #[test]
    fn account_ids_have_twelve_digits() {
        assert!(is_account_id("000000000000"));
        for bad in [
            "12345678901",
            "1234567890123",
            "12345678901a",
            " 123456789012",
            "",
        ] {
            assert!(!is_account_id(bad), "{bad:?}");
        }
        let err = with(&[("AWS_ACCOUNT", json!("1234"))]).unwrap_err();
        assert!(matches!(err, ConfigError::AccountId { .. }), "{err}");
        assert!(err.to_string().contains("12-digit"));
    }

    #[test]
    fn regions_are_region_names() {
        for good in [
            "us-east-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "cn-northwest-1",
            "ap-southeast-2",
            "eusc-de-east-1",
            "il-central-1",
        ] {
            assert!(is_region(good), "{good}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "us--1",
            "east-1",
            "us-east-100",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
        assert!(matches!(
            with(&[("AWS_REGION", json!("Virginia"))]).unwrap_err(),
            ConfigError::Region { .. }
        ));
    }

    #[test]
    fn partitions_follow_the_region() {
        assert_eq!(partition_for_region("us-east-1"), "aws");
        assert_eq!(partition_for_region("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition_for_region("us-iso-east-1"), "aws-iso");
        assert_eq!(partition_for_region("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition_for_region("cn-north-1"), "aws-cn");
        assert_eq!(partition_for_region("eu-west-1"), "aws");
        assert_eq!(partition_for_region("eu-isoe-west-1"), "aws-iso-e");
        assert_eq!(partition_for_region("us-isof-south-1"), "aws-iso-f");
        assert_eq!(partition_for_region("eusc-de-east-1"), "aws-eusc");
    }

    #[test]
    fn arns_are_checked_for_shape() {
        check_arn("arn:aws:iam::123456789012:role/x", "us-east-1").unwrap();
        check_arn(
            "arn:aws:iam::123456789012:role/path/with:colon",
            "us-east-1",
        )
        .unwrap();
        for bad in [
            "role/x",
            "arn:aws:iam::123456789012",
            "arn::iam::1:role/x",
            "arn:aws:::1:x",
            "arn:aws:iam::1:",
            "ARN:aws:iam::1:role/x",
        ] {
            assert!(
                matches!(check_arn(bad, "us-east-1"), Err(ArnProblem::Shape(_))),
                "{bad}"
            );
        }
        let err = with(&[("NOTEBOOK_ROLE_ARN", json!("my-notebook-role"))]).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Arn { key, .. } if key == "NOTEBOOK_ROLE_ARN"),
            "{err}"
        );
        assert!(
            err.to_string()
                .contains("\"my-notebook-role\" does not start with \"arn:\""),
            "{err}"
        );
    }

    #[test]
    fn arns_must_be_in_the_region_partition() {
        let gov_role = json!("arn:aws-us-gov:iam::123456789012:role/x");
        let err = with(&[("APP_ROLE_ARN", gov_role.clone())]).unwrap_err();
        assert!(
            matches!(&err, ConfigError::Partition { key, expected: "aws", .. } if key == "APP_ROLE_ARN"),
            "{err}"
        );
        with(&[
            ("APP_ROLE_ARN", gov_role),
            ("AWS_REGION", json!("us-gov-west-1")),
        ])
        .unwrap();
        let err = with(&[
            ("AWS_REGION", json!("us-isob-east-1")),
            (
                "EXISTING_KMS_MASTER_KEY_ARN",
                json!("arn:aws-iso:kms:us-isob-east-1:123456789012:key/k"),
            ),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("\"aws-iso-b\""), "{err}");
        assert!(err.to_string().contains("us-isob-east-1"), "{err}");
    }

    #[test]
    fn an_existing_vpc_needs_all_three_properties() {
        with(&[
            ("EXISTING_VPC_NAME", json!("v")),
            ("EXISTING_VPC_ID", json!("vpc-1")),
            ("EXISTING_VPC_DEFAULT_SECURITY_GROUP", json!("sg-1")),
        ])
        .unwrap();
        let err = with(&[("EXISTING_VPC_ID", json!("vpc-1"))]).unwrap_err();
        match &err {
            ConfigError::IncompleteVpc { set, missing, .. } => {
                assert_eq!(set, &["EXISTING_VPC_ID"]);
                assert_eq!(
                    missing,
                    &["EXISTING_VPC_NAME", "EXISTING_VPC_DEFAULT_SECURITY_GROUP"]
                );
            }
            other => panic!("expected IncompleteVpc, got {other:?}"),
        }
    }

    #[test]
    fn lambda_environment_names_follow_lambdas_rules() {
        let vars =
            |name: &str| with(&[("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS", json!({ name: "v" }))]);
        vars("HTTP_PROXY").unwrap();
        for bad in ["AWS_REGION", "_HANDLER", "1ABC", "A-B", "X", ""] {
            let err = vars(bad).unwrap_err();
            assert!(
                matches!(&err, ConfigError::LambdaEnvName { name, .. } if name == bad),
                "{bad}: {err}"
            );
        }
        assert!(vars("AWS_REGION")
            .unwrap_err()
            .to_string()
            .contains("reserved"));
    }

    #[test]
    fn bucket_names_follow_s3s_rules() {
        with(&[("DATA_BUCKET_NAME", json!("my.data-bucket"))]).unwrap();
        for bad in ["My_Data", "data..x", "data.-x", "-data", &"x".repeat(60)] {
            let err = with(&[("DATA_BUCKET_NAME", json!(bad))]).unwrap_err();
            assert!(
                matches!(
                    &err,
                    ConfigError::BucketName {
                        key: "DATA_BUCKET_NAME",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
        assert!(bucket_name_problem("192.168.5.4").is_some());
        assert!(bucket_name_problem("ab").is_some());
    }

    #[test]
    fn lambda_platform_values_are_checked() {
        with(&[
            ("LAMBDA_ARCHITECTURE", json!("arm64")),
            ("LAMBDA_RUNTIME", json!("python3.12")),
        ])
        .unwrap();
        assert!(matches!(
            with(&[("LAMBDA_ARCHITECTURE", json!("ARM_64"))]).unwrap_err(),
            ConfigError::Architecture { .. }
        ));
        assert!(matches!(
            with(&[("LAMBDA_RUNTIME", json!("nodejs20.x"))]).unwrap_err(),
            ConfigError::Runtime { .. }
        ));
        assert!(!is_python_runtime("python3."));
        // aws-cdk-lib 2.212.0 has no such runtime.
        assert!(!is_python_runtime("python3.14") && !is_python_runtime("python3.011"));
        assert!(is_python_runtime("python3.13") && is_python_runtime("python3.6"));
        assert_eq!(python_runtime_of_member("PYTHON_3_12"), Some("python3.12"));
        assert_eq!(python_runtime_of_member("PYTHON_3_011"), None);
    }
}
