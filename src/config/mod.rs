//! MLSpace's configuration: defaults in code, `lib/constants.ts` (Option 2) and
//! `lib/config.json` (Option 1) laid over them, validation, the Config Wizard that writes the
//! file, and the release guard (what in a checkout mlspace-cdk cannot honour).
//!
//! ```text
//! defaults.rs (table) ──┐
//! lib/constants.ts ─────┤  constants_ts.rs (parsed with oxc, literals only; ts_source.rs: depth)
//! config.undefined.json ┤  (1.6.10's generateConfig() reads it: no account id)
//! lib/config.json ──────┼─ merge.rs ─ validate.rs ─ Config   (origin.rs: where each value came from)
//! cluster-config.json ──┘   (ec2-key sets EMR_EC2_SSH_KEY)
//!                           Config's fields: fields.rs ("" is None), arn.rs (Arn)
//! checkout vs 1.6.10 ─── release_guard.rs + release_table.rs (generated)
//! ```
//!
//! ```no_run
//! let loaded = mlspace_cdk::config::load(std::path::Path::new("."))?;
//! for warning in &loaded.warnings { eprintln!("warning: {warning}"); }
//! println!("deploying to {}", loaded.config.aws_region);
//! # Ok::<(), mlspace_cdk::config::ConfigError>(())
//! ```

mod arn;
pub mod constants_ts;
pub mod defaults;
mod error;
mod fields;
pub mod merge;
pub mod origin;
pub mod release_guard;
pub mod ts_source;
#[rustfmt::skip]
mod release_table;
mod prompt;
pub mod validate;
pub mod wizard;

use std::path::Path;

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::cdk::lambda_runtimes::LambdaRuntime;

pub use arn::{Arn, ArnShapeError};
pub use error::{ConfigError, RUN_THE_WIZARD};
pub use fields::ExistingVpc;
pub use release_table::RELEASE;
pub use validate::partition_for_region;

/// `lib/config.json`, relative to the source root.
pub const CONFIG_FILE: &str = "lib/config.json";
/// MLSpace 1.6.10's bin/mlspace-cdk.ts calls `generateConfig()` without an account id, and
/// generateConfig (lib/utils/configTypes.ts) `_.merge`s `lib/config.${accountId}.json` before
/// lib/config.json: this file, when it exists, is a layer between constants.ts and config.json.
pub const ACCOUNT_CONFIG_FILE: &str = "lib/config.undefined.json";
/// MLSpace's EMR cluster configuration, relative to the source root.
pub const CLUSTER_CONFIG_FILE: &str = "lib/resources/config/cluster-config.json";
/// The placeholder `ec2-key` of the shipped cluster-config.json; it means "no key".
const EC2_KEY_PLACEHOLDER: &str = "EC2_KEY";

/// Every MLSpace configuration property, named after its TS key in snake_case.
///
/// A property that may be left unset is an `Option`: the TS app's `""` ("not set", the default
/// of every such property) becomes `None` here, each `*_ARN` that is set is an [`Arn`], and the
/// three EXISTING_VPC_* properties are one [`ExistingVpc`]. A `String` is used as it is: a
/// name with a default, a value validation requires (KEY_MANAGER_ROLE_NAME unless an existing
/// key is given), or a value whose `""` the TS app passes on or tests itself (EMR_EC2_SSH_KEY,
/// IAM_RESOURCE_PREFIX). Defaults live in [`defaults::DEFAULTS`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Config {
    // DynamoDB tables
    pub datasets_table_name: String,
    pub projects_table_name: String,
    pub project_users_table_name: String,
    pub project_groups_table_name: String,
    pub users_table_name: String,
    pub resource_schedule_table_name: String,
    pub resource_metadata_table_name: String,
    pub app_configuration_table_name: String,
    pub groups_table_name: String,
    pub groups_membership_history_table_name: String,
    pub group_datasets_table_name: String,
    pub group_users_table_name: String,
    // S3 buckets
    pub config_bucket_name: String,
    pub data_bucket_name: String,
    pub logs_bucket_name: String,
    pub access_logs_bucket_name: String,
    pub website_bucket_name: String,
    // Notebooks
    pub mlspace_lifecycle_config_name: String,
    pub notebook_parameters_file_name: String,
    /// An existing boundary policy, by name, put on every role (with IAM_RESOURCE_PREFIX).
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub permissions_boundary_policy_name: Option<String>,
    pub key_manager_role_name: String,
    pub aws_account: String,
    pub aws_region: String,
    pub system_tag: String,
    pub iam_resource_prefix: String,
    pub manage_iam_roles: bool,
    /// The address the notification topic mails.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub notification_distro: Option<String>,
    /// EXISTING_VPC_NAME, EXISTING_VPC_ID and EXISTING_VPC_DEFAULT_SECURITY_GROUP.
    #[serde(flatten, deserialize_with = "fields::existing_vpc")]
    pub existing_vpc: Option<ExistingVpc>,
    /// The key to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub existing_kms_master_key_arn: Option<Arn>,
    /// The policy to use instead of creating the KMS instance constraint.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub kms_instance_conditions_policy_arn: Option<Arn>,
    /// The website reader role to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub s3_reader_role_arn: Option<Arn>,
    /// The role bucket deployments run as.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub bucket_deployment_role_arn: Option<Arn>,
    /// Added to the environment of every MLSpace Lambda function; defaults first, then the
    /// file's entries in file order.
    #[serde(deserialize_with = "fields::string_map")]
    pub additional_lambda_environment_vars: IndexMap<String, String>,
    /// The notebook role to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub notebook_role_arn: Option<Arn>,
    /// The application role to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub app_role_arn: Option<Arn>,
    /// The system role to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub system_role_arn: Option<Arn>,
    // EMR
    /// The EMR service role to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub emr_default_role_arn: Option<Arn>,
    /// The EMR instance role to use instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub emr_ec2_instance_role_arn: Option<Arn>,
    pub emr_security_config_name: String,
    /// From lib/config.json, overridden by `ec2-key` of cluster-config.json when that is set.
    /// `""` is "no key", kept as it is: the TS app passes it on, empty, to the Lambda functions.
    pub emr_ec2_ssh_key: String,
    // Logging and auditing
    pub enable_access_logging: bool,
    /// API Gateway's logging role, instead of creating one.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub apigateway_cloudwatch_role_arn: Option<Arn>,
    pub create_mlspace_cloudtrail_trail: bool,
    pub common_layer_arn_param: String,
    pub application_name: String,
    /// The policy to use instead of creating the endpoint config instance constraint.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub endpoint_config_instance_constraint_policy_arn: Option<Arn>,
    /// The policy to use instead of creating the job instance constraint.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub job_instance_constraint_policy_arn: Option<Arn>,
    // Web app and identity provider
    /// The SSM parameter that holds the OIDC URL.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub idp_endpoint_ssm_param: Option<String>,
    pub oidc_url: String,
    /// The OIDC URL the authorizer uses inside the VPC.
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub internal_oidc_url: Option<String>,
    pub oidc_client_name: String,
    pub oidc_verify_ssl: bool,
    pub oidc_verify_signature: bool,
    /// The web app's redirect URI (else the API's URL).
    #[serde(deserialize_with = "fields::empty_is_none")]
    pub oidc_redirect_uri: Option<String>,
    /// Minutes between runs of the resource termination Lambda (a whole number: it becomes
    /// a schedule rate).
    pub resource_termination_interval: u64,
    /// Minutes between background refreshes in the web app. Kept as a JSON number because the
    /// TS app passes it on verbatim, fractions included.
    pub background_refresh_interval: serde_json::Number,
    pub new_users_suspended: bool,
    pub lambda_architecture: Architecture,
    /// A Python 3 Lambda runtime such as `python3.11` (validation names the known ones).
    pub lambda_runtime: LambdaRuntime,
    pub show_migration_options: bool,
    pub enable_ddb_kms_cmk_encryption: bool,
    /// A prebuilt common layer zip to use instead of building the layer.
    #[serde(default)]
    pub common_layer_path: Option<String>,
    /// A prebuilt JWT layer zip to use instead of building the layer.
    #[serde(default)]
    pub jwt_layer_path: Option<String>,
}

/// The CPU architecture of the Lambda functions and layers: the one type, from the Lambda
/// construct, read from the configuration by its Lambda name.
pub use crate::constructs::lambda::Architecture;

impl std::fmt::Display for Architecture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Config {
    /// The partition of `aws_region` (`aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, ...).
    pub fn partition(&self) -> &'static str {
        partition_for_region(&self.aws_region)
    }

    /// The two isolated regions the TS app treats specially (fewer VPC endpoints, a CA bundle).
    pub fn is_iso(&self) -> bool {
        // compat: the TS app tests exactly these two names, not every iso partition.
        matches!(self.aws_region.as_str(), "us-iso-east-1" | "us-isob-east-1")
    }

    /// Whether MLSpace offers Translate (its API stack, VPC endpoint, role trust) here.
    pub fn translate_enabled(&self) -> bool {
        // compat: the TS app leaves Translate out in us-isob-east-1 only, by name (the service
        // is not offered there), whatever other regions offer.
        self.aws_region != "us-isob-east-1"
    }
}

/// A valid configuration and the warnings met while reading it (unknown keys).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
    /// Every property's effective value and where it comes from (`config show`).
    pub shown: Vec<origin::Shown>,
    /// The names `lib/constants.ts` exports (the release guard checks them).
    pub constants_exports: Vec<constants_ts::Export>,
}

/// Read `<source_root>/lib/constants.ts` and `<source_root>/lib/config.json` (missing files
/// mean "the defaults") and `<source_root>/lib/resources/config/cluster-config.json`, lay them
/// over the defaults in that order, validate.
pub fn load(source_root: &Path) -> Result<Loaded, ConfigError> {
    let constants_path = source_root.join(constants_ts::CONSTANTS_FILE);
    let constants = match read_optional(&constants_path)? {
        Some(text) => constants_ts::parse(&text, &constants_path.display().to_string(), |name| {
            RELEASE.has_constant(name)
        })?,
        None => constants_ts::ConstantsTs::default(),
    };
    let config_path = source_root.join(CONFIG_FILE);
    let text = read_optional(&config_path)?;
    if text.is_none() {
        check_at_root(source_root)?;
    }
    let (file, origin) = match text {
        Some(text) => {
            let origin = config_path.display().to_string();
            (merge::parse_object(&text, &origin)?, origin)
        }
        None => (
            Map::new(),
            format!("{} (file not found)", config_path.display()),
        ),
    };
    let mut merged = merge::defaults_object();
    let mut origins = origin::Origins::default();
    origins.apply_constants(&mut merged, &constants);
    let account_path = source_root.join(ACCOUNT_CONFIG_FILE);
    let mut warnings = Vec::new();
    let mut account_file = Map::new();
    let mut consulted_files = Vec::new();
    if let Some(text) = read_optional(&account_path)? {
        let account_origin = account_path.display().to_string();
        account_file = merge::parse_object(&text, &account_origin)?;
        warnings.extend(merge::merge_file(
            &mut merged,
            &account_file,
            &account_origin,
        )?);
        origins.note_json_file(&account_file, origin::Origin::AccountConfigJson);
        consulted_files.push(account_origin);
    }
    warnings.extend(merge::merge_file(&mut merged, &file, &origin)?);
    origins.note_config_json(&file);

    let cluster_path = source_root.join(CLUSTER_CONFIG_FILE);
    if let Some(text) = read_optional(&cluster_path)? {
        if apply_cluster_config(&mut merged, &text, &cluster_path.display().to_string())? {
            origins.note_cluster_config();
        }
    }
    // A missing property is reported against every file that could have set it; a bad value
    // against the file it came from.
    if !constants.values.is_empty() {
        consulted_files.insert(0, constants_path.display().to_string());
    }
    consulted_files.push(origin);
    let consulted = match consulted_files.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => String::new(),
    };
    let describe = |o: origin::Origin| match o {
        origin::Origin::ConstantsTs { line } => format!("{}:{line}", constants_path.display()),
        o => source_root
            .join(o.file().unwrap_or(CONFIG_FILE))
            .display()
            .to_string(),
    };
    // A key in the wrong case is looked for in both JSON layers.
    let mut written = account_file;
    written.extend(file);
    let mut loaded = finish(merged, &written, warnings, &consulted, &origins, &describe)?;
    loaded.constants_exports = constants.exports;
    Ok(loaded)
}

/// Merge and validate configuration text without touching the file system (no cluster
/// config). `origin` names the text in messages.
pub fn from_json_str(text: &str, origin: &str) -> Result<Loaded, ConfigError> {
    let file = merge::parse_object(text, origin)?;
    let mut merged = merge::defaults_object();
    let warnings = merge::merge_file(&mut merged, &file, origin)?;
    finish(
        merged,
        &file,
        warnings,
        origin,
        &origin::Origins::default(),
        &|_| origin.to_owned(),
    )
}

/// Validate (an error names the file its value came from: `describe` names an origin's file),
/// then type the merged object.
fn finish(
    merged: Map<String, Value>,
    file: &Map<String, Value>,
    warnings: Vec<String>,
    origin: &str,
    origins: &origin::Origins,
    describe: &dyn Fn(origin::Origin) -> String,
) -> Result<Loaded, ConfigError> {
    validate::validate(&merged, origin)
        .map_err(|e| match e {
            // The unknown-key warnings are not printed when the run fails: name a key written in
            // the wrong case in the error itself.
            ConfigError::MissingRequired { origin, keys, .. } => {
                let misspelled = file
                    .keys()
                    .filter_map(|found| {
                        keys.iter()
                            .find(|k| found != *k && found.eq_ignore_ascii_case(k))
                            .map(|k| (found.clone(), *k))
                    })
                    .collect();
                ConfigError::MissingRequired {
                    origin,
                    keys,
                    misspelled,
                }
            }
            other => other,
        })
        .map_err(|e| origins.attribute(e, describe))?;
    let shown = origin::shown(&merged, origins);
    let config: Config =
        serde_json::from_value(Value::Object(merged)).map_err(|e| ConfigError::WrongType {
            // Not reachable after merge and validate have passed; kept as an error rather than a panic.
            origin: origin.to_owned(),
            key: "(configuration)".to_owned(),
            expected: "values of the documented types",
            found: e.to_string(),
        })?;
    Ok(Loaded {
        config,
        warnings,
        shown,
        constants_exports: Vec::new(),
    })
}

/// The EMR key pair of cluster-config.json sets EMR_EC2_SSH_KEY, unless it is absent, empty or
/// the shipped placeholder. Returns whether it did.
fn apply_cluster_config(
    merged: &mut Map<String, Value>,
    text: &str,
    origin: &str,
) -> Result<bool, ConfigError> {
    let cluster = merge::parse_object_or(text, origin, CLUSTER_CONFIG_HINT)?;
    match cluster.get("ec2-key") {
        None | Some(Value::Null) => Ok(false),
        Some(Value::String(key)) if key.is_empty() || key == EC2_KEY_PLACEHOLDER => Ok(false),
        Some(Value::String(key)) => {
            merged.insert("EMR_EC2_SSH_KEY".to_owned(), Value::from(key.as_str()));
            Ok(true)
        }
        Some(other) => Err(ConfigError::WrongType {
            origin: origin.to_owned(),
            key: "ec2-key".to_owned(),
            expected: "the name of an EC2 key pair (a string)",
            found: merge::describe(other),
        }),
    }
}

/// What to do about a broken cluster-config.json (the Config Wizard does not write it).
pub const CLUSTER_CONFIG_HINT: &str =
    "fix the file (MLSpace's EMR cluster types), or remove it to use the default cluster types";

/// The file's text (a bounded read of a regular file), or `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, ConfigError> {
    Ok(crate::cdk::input::read_optional_text(
        path,
        crate::cdk::input::SMALL_INPUT,
    )?)
}

/// Without lib/config.json here, a folder above that has one means the run started in a
/// subfolder of the checkout: say so rather than report `lib/lib/config.json` missing.
fn check_at_root(source_root: &Path) -> Result<(), ConfigError> {
    // A folder with a lib/ of its own is a checkout root (its lib/config.json may be optional).
    if source_root.join("lib").is_dir() {
        return Ok(());
    }
    let Ok(dir) = std::fs::canonicalize(source_root) else {
        return Ok(());
    };
    if let Some(root) = dir
        .ancestors()
        .skip(1)
        .find(|a| a.join(CONFIG_FILE).is_file())
    {
        return Err(ConfigError::NotAtRoot {
            dir: dir.clone(),
            root: root.to_path_buf(),
            config_file: CONFIG_FILE,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASIC: &str = r#"{
        "AWS_ACCOUNT": "123456789012",
        "AWS_REGION": "us-east-1",
        "OIDC_URL": "https://idp.example.com",
        "OIDC_CLIENT_NAME": "web",
        "KEY_MANAGER_ROLE_NAME": "Admin"
    }"#;

    #[test]
    fn defaults_fill_every_field() {
        let config = from_json_str(BASIC, "basic").unwrap().config;
        assert_eq!(config.datasets_table_name, "mlspace-datasets");
        assert_eq!(config.group_users_table_name, "mlspace-group-users");
        assert_eq!(config.website_bucket_name, "mlspace-website");
        assert_eq!(
            config.mlspace_lifecycle_config_name,
            "mlspace-notebook-lifecycle-config"
        );
        assert_eq!(config.notebook_parameters_file_name, "notebook-params.json");
        assert_eq!(
            config.emr_security_config_name,
            "MLSpace-EMR-SecurityConfig"
        );
        assert_eq!(
            config.common_layer_arn_param,
            "/mlspace/common-lambda-layer"
        );
        assert_eq!(
            (
                config.system_tag.as_str(),
                config.iam_resource_prefix.as_str()
            ),
            ("MLSpace", "MLSpace")
        );
        assert!(
            config.manage_iam_roles
                && config.enable_access_logging
                && config.create_mlspace_cloudtrail_trail
        );
        assert!(
            config.enable_ddb_kms_cmk_encryption
                && config.oidc_verify_ssl
                && config.oidc_verify_signature
        );
        assert!(!config.new_users_suspended && !config.show_migration_options);
        assert_eq!(config.resource_termination_interval, 60);
        assert_eq!(config.background_refresh_interval.to_string(), "60");
        assert_eq!(config.lambda_architecture, Architecture::X86_64);
        assert_eq!(config.lambda_runtime.name(), "python3.11");
        assert!(config.additional_lambda_environment_vars.is_empty());
        assert_eq!(
            (&config.common_layer_path, &config.jwt_layer_path),
            (&None, &None)
        );
        assert_eq!(config.existing_kms_master_key_arn, None);
        assert_eq!(config.application_name, "MLSpace");
        assert_eq!(config.existing_vpc, None);
        assert_eq!((config.partition(), config.is_iso()), ("aws", false));
    }

    #[test]
    fn file_values_reach_the_typed_fields() {
        let text = BASIC.replace(
            "\"KEY_MANAGER_ROLE_NAME\": \"Admin\"",
            r#""KEY_MANAGER_ROLE_NAME": "Admin", "LAMBDA_ARCHITECTURE": "arm64", "COMMON_LAYER_PATH": "/tmp/common.zip",
               "JWT_LAYER_PATH": "", "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"BB": "2", "AA": "1"},
               "AWS_REGION": "us-isob-east-1""#,
        );
        let config = from_json_str(&text, "test").unwrap().config;
        assert_eq!(config.lambda_architecture.docker_platform(), "linux/arm64");
        assert_eq!(config.common_layer_path.as_deref(), Some("/tmp/common.zip"));
        assert_eq!(config.jwt_layer_path, None);
        let keys: Vec<&String> = config.additional_lambda_environment_vars.keys().collect();
        assert_eq!(keys, ["BB", "AA"]);
        assert_eq!((config.partition(), config.is_iso()), ("aws-iso-b", true));
    }

    #[test]
    fn set_optional_properties_are_some_and_typed() {
        let role = "arn:aws:iam::123456789012:role/nb";
        let text = BASIC.replace(
            "\"KEY_MANAGER_ROLE_NAME\": \"Admin\"",
            &format!(
                r#""KEY_MANAGER_ROLE_NAME": "Admin", "NOTEBOOK_ROLE_ARN": "{role}",
                   "NOTIFICATION_DISTRO": "ops@example.com", "EXISTING_VPC_NAME": "shared",
                   "EXISTING_VPC_ID": "vpc-1", "EXISTING_VPC_DEFAULT_SECURITY_GROUP": "sg-1""#
            ),
        );
        let config = from_json_str(&text, "test").unwrap().config;
        assert_eq!(config.notebook_role_arn, Some(Arn::parse(role).unwrap()));
        assert_eq!((config.app_role_arn, config.system_role_arn), (None, None));
        assert_eq!(
            config.notification_distro.as_deref(),
            Some("ops@example.com")
        );
        assert_eq!(
            config.existing_vpc,
            Some(ExistingVpc {
                name: "shared".into(),
                id: "vpc-1".into(),
                default_security_group: "sg-1".into(),
            })
        );
        let config = from_json_str(BASIC, "basic").unwrap().config;
        assert_eq!(
            (config.notification_distro, config.oidc_redirect_uri),
            (None, None)
        );
    }

    #[test]
    fn banner_keys_are_not_mlspace_1_6_10_properties() {
        // compat: MLSpace 1.6.10 reads no banner from its configuration (the initial app
        // configuration starts with it off); a banner set here would deploy what the TS app
        // does not, so it is ignored with a warning, as any other unknown key.
        let text = BASIC.replace(
            "\"KEY_MANAGER_ROLE_NAME\": \"Admin\"",
            r#""KEY_MANAGER_ROLE_NAME": "Admin", "SYSTEM_BANNER_TEXT": "UNCLASSIFIED""#,
        );
        let loaded = from_json_str(&text, "test").unwrap();
        assert!(
            loaded.warnings.iter().any(|w| w.contains(
                "SYSTEM_BANNER_TEXT is not an MLSpace configuration property and is ignored"
            )),
            "{:?}",
            loaded.warnings
        );
    }

    #[test]
    fn cluster_config_key_sets_the_emr_ssh_key() {
        let mut merged = merge::defaults_object();
        apply_cluster_config(&mut merged, r#"{"ec2-key": "EC2_KEY"}"#, "cc").unwrap();
        assert_eq!(merged["EMR_EC2_SSH_KEY"], "");
        apply_cluster_config(&mut merged, r#"{"Small": {}}"#, "cc").unwrap();
        assert_eq!(merged["EMR_EC2_SSH_KEY"], "");
        apply_cluster_config(&mut merged, r#"{"ec2-key": "my-key"}"#, "cc").unwrap();
        assert_eq!(merged["EMR_EC2_SSH_KEY"], "my-key");
        let err = apply_cluster_config(&mut merged, r#"{"ec2-key": 5}"#, "cc").unwrap_err();
        assert!(err.to_string().contains("cc: ec2-key must be"), "{err}");
    }

    #[test]
    fn load_reads_both_files_under_the_source_root() {
        let root = tempfile::tempdir().unwrap();
        let err = load(root.path()).unwrap_err();
        assert!(
            err.to_string().contains("file not found") && err.to_string().contains("AWS_ACCOUNT"),
            "{err}"
        );

        std::fs::create_dir_all(root.path().join("lib/resources/config")).unwrap();
        std::fs::write(
            root.path().join(CONFIG_FILE),
            BASIC.replace(
                "\"AWS_REGION\"",
                "\"EMR_EC2_SSH_KEY\": \"old\", \"AWS_REGION\"",
            ),
        )
        .unwrap();
        std::fs::write(
            root.path().join(CLUSTER_CONFIG_FILE),
            r#"{"ec2-key": "emr-admins"}"#,
        )
        .unwrap();
        let loaded = load(root.path()).unwrap();
        assert_eq!(loaded.config.emr_ec2_ssh_key, "emr-admins");
        assert!(loaded.warnings.is_empty());

        std::fs::write(root.path().join(CLUSTER_CONFIG_FILE), "{ nope").unwrap();
        let err = load(root.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("cluster-config.json is not valid JSON (line 1, column 3)"),
            "{err}"
        );
    }
}
