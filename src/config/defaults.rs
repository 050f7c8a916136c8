//! Every MLSpace configuration property, its default and the kind of value it takes.
//!
//! This table is the one place to change a default. It follows the order of MLSpace's
//! `lib/constants.ts`; the two properties that file does not define (prebuilt layer paths) come
//! last. `lib/config.json` is merged over these values (see `merge.rs`).

/// The default of one property, which also fixes the JSON type `lib/config.json` must use for it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// A string; `""` means "not set".
    Text(&'static str),
    /// A string with no default at all (the TS app leaves it `undefined`).
    Unset,
    /// `true` or `false`.
    Flag(bool),
    /// A whole number of minutes, 1 or more (it becomes a schedule rate).
    WholeMinutes(u64),
    /// A number of minutes (0 or more) that is passed on verbatim, fractions included.
    Minutes(u64),
    /// An object of string values, merged key by key. Empty by default.
    TextMap,
}

use self::DefaultValue::*;

/// `(property, default)` in the order of `lib/constants.ts`.
pub const DEFAULTS: &[(&str, DefaultValue)] = &[
    // DynamoDB tables. The app role policy expects every table name to start with "mlspace-".
    ("DATASETS_TABLE_NAME", Text("mlspace-datasets")),
    ("PROJECTS_TABLE_NAME", Text("mlspace-projects")),
    ("PROJECT_USERS_TABLE_NAME", Text("mlspace-project-users")),
    ("PROJECT_GROUPS_TABLE_NAME", Text("mlspace-project-groups")),
    ("USERS_TABLE_NAME", Text("mlspace-users")),
    (
        "RESOURCE_SCHEDULE_TABLE_NAME",
        Text("mlspace-resource-schedule"),
    ),
    (
        "RESOURCE_METADATA_TABLE_NAME",
        Text("mlspace-resource-metadata"),
    ),
    (
        "APP_CONFIGURATION_TABLE_NAME",
        Text("mlspace-app-configuration"),
    ),
    ("GROUPS_TABLE_NAME", Text("mlspace-groups")),
    (
        "GROUPS_MEMBERSHIP_HISTORY_TABLE_NAME",
        Text("mlspace-group-membership-history"),
    ),
    ("GROUP_DATASETS_TABLE_NAME", Text("mlspace-group-datasets")),
    ("GROUP_USERS_TABLE_NAME", Text("mlspace-group-users")),
    // S3 buckets (the account id is appended to make them unique).
    ("CONFIG_BUCKET_NAME", Text("mlspace-config")),
    ("DATA_BUCKET_NAME", Text("mlspace-data")),
    ("LOGS_BUCKET_NAME", Text("mlspace-logs")),
    ("ACCESS_LOGS_BUCKET_NAME", Text("mlspace-access-logs")),
    ("WEBSITE_BUCKET_NAME", Text("mlspace-website")),
    // Notebooks
    (
        "MLSPACE_LIFECYCLE_CONFIG_NAME",
        Text("mlspace-notebook-lifecycle-config"),
    ),
    (
        "NOTEBOOK_PARAMETERS_FILE_NAME",
        Text("notebook-params.json"),
    ),
    ("PERMISSIONS_BOUNDARY_POLICY_NAME", Text("")),
    // Required unless EXISTING_KMS_MASTER_KEY_ARN is set.
    ("KEY_MANAGER_ROLE_NAME", Text("")),
    // Required.
    ("AWS_ACCOUNT", Text("")),
    ("AWS_REGION", Text("")),
    ("SYSTEM_TAG", Text("MLSpace")),
    ("IAM_RESOURCE_PREFIX", Text("MLSpace")),
    ("MANAGE_IAM_ROLES", Flag(true)),
    // Optional settings and existing resources.
    ("NOTIFICATION_DISTRO", Text("")),
    ("EXISTING_VPC_NAME", Text("")),
    ("EXISTING_VPC_ID", Text("")),
    ("EXISTING_VPC_DEFAULT_SECURITY_GROUP", Text("")),
    ("EXISTING_KMS_MASTER_KEY_ARN", Text("")),
    ("KMS_INSTANCE_CONDITIONS_POLICY_ARN", Text("")),
    ("S3_READER_ROLE_ARN", Text("")),
    ("BUCKET_DEPLOYMENT_ROLE_ARN", Text("")),
    ("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS", TextMap),
    ("NOTEBOOK_ROLE_ARN", Text("")),
    ("APP_ROLE_ARN", Text("")),
    ("SYSTEM_ROLE_ARN", Text("")),
    // EMR
    ("EMR_DEFAULT_ROLE_ARN", Text("")),
    ("EMR_EC2_INSTANCE_ROLE_ARN", Text("")),
    (
        "EMR_SECURITY_CONFIG_NAME",
        Text("MLSpace-EMR-SecurityConfig"),
    ),
    ("EMR_EC2_SSH_KEY", Text("")),
    // Logging and auditing
    ("ENABLE_ACCESS_LOGGING", Flag(true)),
    ("APIGATEWAY_CLOUDWATCH_ROLE_ARN", Text("")),
    ("CREATE_MLSPACE_CLOUDTRAIL_TRAIL", Flag(true)),
    // SSM parameter holding the common layer's ARN
    (
        "COMMON_LAYER_ARN_PARAM",
        Text("/mlspace/common-lambda-layer"),
    ),
    ("APPLICATION_NAME", Text("MLSpace")),
    // Policies attached to the notebook role that limit instance types
    ("ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN", Text("")),
    ("JOB_INSTANCE_CONSTRAINT_POLICY_ARN", Text("")),
    // Web app and identity provider
    ("IDP_ENDPOINT_SSM_PARAM", Text("")),
    ("OIDC_URL", Text("")),
    ("INTERNAL_OIDC_URL", Text("")),
    ("OIDC_CLIENT_NAME", Text("")),
    ("OIDC_VERIFY_SSL", Flag(true)),
    ("OIDC_VERIFY_SIGNATURE", Flag(true)),
    ("OIDC_REDIRECT_URI", Text("")),
    ("RESOURCE_TERMINATION_INTERVAL", WholeMinutes(60)),
    ("BACKGROUND_REFRESH_INTERVAL", Minutes(60)),
    ("NEW_USERS_SUSPENDED", Flag(false)),
    // Lambda platform. Unlike the TS app, both can be set in lib/config.json.
    ("LAMBDA_ARCHITECTURE", Text("x86_64")),
    ("LAMBDA_RUNTIME", Text("python3.11")),
    ("SHOW_MIGRATION_OPTIONS", Flag(false)),
    ("ENABLE_DDB_KMS_CMK_ENCRYPTION", Flag(true)),
    // Not in constants.ts: prebuilt layer zips, used instead of building the layers.
    ("COMMON_LAYER_PATH", Unset),
    ("JWT_LAYER_PATH", Unset),
];

/// The default of `key`, or `None` when `key` is not a configuration property.
pub fn default_of(key: &str) -> Option<DefaultValue> {
    DEFAULTS.iter().find(|(k, _)| *k == key).map(|(_, d)| *d)
}

/// The known property closest in spelling to `key` (for "did you mean" hints).
pub fn closest_key(key: &str) -> &'static str {
    let wanted = key.to_ascii_uppercase();
    DEFAULTS
        .iter()
        .map(|(k, _)| (edit_distance(&wanted, k), *k))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
        .unwrap_or("AWS_ACCOUNT")
}

/// Levenshtein distance over bytes (keys are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_screaming_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for (key, _) in DEFAULTS {
            assert!(seen.insert(*key), "{key} is listed twice");
            assert!(key
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
        }
    }

    #[test]
    fn closest_key_finds_typos() {
        assert_eq!(closest_key("AWS_ACCUONT"), "AWS_ACCOUNT");
        assert_eq!(closest_key("oidc_url"), "OIDC_URL");
        assert_eq!(closest_key("NEW_USER_SUSPENDED"), "NEW_USERS_SUSPENDED");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
