//! What can be wrong with a configuration. Every message names the file and the key, and says
//! what to do about it.

use std::path::PathBuf;

/// How to get a valid `lib/config.json` without editing it by hand.
pub const RUN_THE_WIZARD: &str =
    "run the Config Wizard (`mlspace-cdk config` or `npm run config`) and choose Basic Config";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Input(#[from] crate::cdk::input::InputError),

    #[error("{origin} is not valid JSON (line {line}, column {column}): {message}; {hint}")]
    Syntax {
        origin: String,
        line: usize,
        column: usize,
        message: String,
        hint: String,
    },

    #[error("{} has no {config_file}, but {} has one: run from the MLSpace checkout's root folder ({}), or pass --source-root", dir.display(), root.display(), root.display())]
    NotAtRoot {
        dir: PathBuf,
        root: PathBuf,
        config_file: &'static str,
    },

    #[error("{origin} must hold a JSON object ({{ \"KEY\": value, ... }}), but it holds {found}")]
    NotAnObject { origin: String, found: String },

    #[error("{origin}: {key} must be {expected}, but it is {found}")]
    WrongType {
        origin: String,
        key: String,
        expected: &'static str,
        found: String,
    },

    #[error("{origin}: {} {} required but not set{}; {RUN_THE_WIZARD}, which asks for every required property",
        keys.join(", "), if keys.len() == 1 { "is" } else { "are" },
        misspelled.iter().map(|(found, key)| format!(" (the file has {found}: property names are upper case, write {key})")).collect::<String>())]
    MissingRequired {
        origin: String,
        keys: Vec<&'static str>,
        /// Keys of the file that spell a missing key in another case: (as written, property).
        misspelled: Vec<(String, &'static str)>,
    },

    #[error("{origin}: {key} is {found}, which is not {expected}; write a value, or remove the key to use the default ({default})")]
    Empty {
        origin: String,
        key: String,
        found: &'static str,
        expected: &'static str,
        default: String,
    },

    #[error("{origin}: AWS_ACCOUNT must be a 12-digit AWS account id, but it is {value:?}")]
    AccountId { origin: String, value: String },

    #[error(
        "{origin}: AWS_REGION must be a region name such as \"us-east-1\", but it is {value:?}"
    )]
    Region { origin: String, value: String },

    #[error("{origin}: {key} must be an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE), but {value:?} {problem}")]
    Arn {
        origin: String,
        key: String,
        value: String,
        problem: &'static str,
    },

    #[error("{origin}: {key} is in partition {found:?} but AWS_REGION {region:?} is in {expected:?}; use an ARN from the deployment partition")]
    Partition {
        origin: String,
        key: String,
        found: String,
        region: String,
        expected: &'static str,
    },

    #[error("{origin}: an existing VPC needs EXISTING_VPC_NAME, EXISTING_VPC_ID and EXISTING_VPC_DEFAULT_SECURITY_GROUP together; {} set but {} not (set all three, or none to create a new VPC)",
        set.join(", "), missing.join(", "))]
    IncompleteVpc {
        origin: String,
        set: Vec<&'static str>,
        missing: Vec<&'static str>,
    },

    #[error(
        "{origin}: ADDITIONAL_LAMBDA_ENVIRONMENT_VARS: {name:?} {problem}; rename or remove it"
    )]
    LambdaEnvName {
        origin: String,
        name: String,
        problem: &'static str,
    },

    #[error("{origin}: {key} {value:?} gives the bucket name {bucket:?}, which S3 refuses: {problem}; choose another name")]
    BucketName {
        origin: String,
        key: &'static str,
        value: String,
        bucket: String,
        problem: &'static str,
    },

    #[error("{origin}: LAMBDA_ARCHITECTURE must be \"x86_64\" or \"arm64\", but it is {value:?}")]
    Architecture { origin: String, value: String },

    #[error(transparent)]
    ConstantsTs(#[from] super::constants_ts::ConstantsError),

    #[error("{origin}: LAMBDA_RUNTIME must be one of aws-cdk-lib's Python 3 runtimes ({known}), but it is {value:?}")]
    Runtime {
        origin: String,
        value: String,
        known: String,
    },
}
