//! The state of MLSpace: its buckets, tables and audit trail. Logical ids, names and removal
//! policies are those of the TS app, so an existing deployment keeps its data.
use crate::cdk::RemovalPolicy;
use crate::cdk::{App, NodeId};
use crate::config::Config;
use crate::constructs::cloudtrail::{trail, TrailProps};
use crate::constructs::dynamodb::{Attribute, Projection, Table, TableEncryption};
use crate::constructs::iam::{Principal, Statement};
use crate::constructs::s3::{bucket, Bucket, BucketEncryption, BucketProps, CorsRule};
use crate::map;
use crate::mlspace::app::Ctx;

use super::CoreInputs;

/// What sets one of MLSpace's buckets apart; the rest they share (TLS only, server access
/// logs under a prefix named after the bucket, deleted with the stack).
struct BucketSpec {
    id: &'static str,
    /// The configured base name (the account id is appended).
    base_name: fn(&Config) -> &str,
    versioned: bool,
    /// The methods of its CORS rule (any origin and header); empty: no rule.
    cors_methods: &'static [&'static str],
    cors_exposed_headers: &'static [&'static str],
    /// Served as a static website (with the owner's full-control ACL).
    website: bool,
}

const CONFIG_BUCKET: BucketSpec = BucketSpec {
    id: "mlspace-config-bucket",
    base_name: |cfg| &cfg.config_bucket_name,
    versioned: true,
    cors_methods: &[],
    cors_exposed_headers: &[],
    website: false,
};
const WEBSITE_BUCKET: BucketSpec = BucketSpec {
    id: "mlspace-website-bucket",
    base_name: |cfg| &cfg.website_bucket_name,
    versioned: false,
    cors_methods: &["GET", "POST", "PUT", "DELETE"],
    cors_exposed_headers: &[
        "x-amz-server-side-encryption",
        "x-amz-request-id",
        "x-amz-id-2",
    ],
    website: true,
};
const DATA_BUCKET: BucketSpec = BucketSpec {
    id: "mlspace-data-bucket",
    base_name: |cfg| &cfg.data_bucket_name,
    versioned: true,
    cors_methods: &["GET", "POST"],
    cors_exposed_headers: &["Access-Control-Allow-Origin"],
    website: false,
};
const LOGS_BUCKET: BucketSpec = BucketSpec {
    id: "mlspace-logs-bucket",
    base_name: |cfg| &cfg.logs_bucket_name,
    versioned: false,
    cors_methods: &["POST"],
    cors_exposed_headers: &[],
    website: false,
};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The MLSpace key for buckets when an existing key is configured, else SSE-S3.
/// compat: the TS app encrypts buckets with the key only when it is an existing one.
fn bucket_encryption(ctx: &Ctx, inputs: &CoreInputs) -> BucketEncryption {
    match ctx.cfg.existing_kms_master_key_arn {
        None => BucketEncryption::S3Managed,
        Some(_) => BucketEncryption::Kms(inputs.kms.key_arn.clone()),
    }
}

/// The bucket `spec` describes, logging into `logs` when access logging is on.
fn mlspace_bucket(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    spec: &BucketSpec,
    encryption: BucketEncryption,
    logs: Option<&Bucket>,
) -> Bucket {
    let cors = (!spec.cors_methods.is_empty()).then(|| CorsRule {
        allowed_headers: strings(&["*"]),
        allowed_methods: strings(spec.cors_methods),
        allowed_origins: strings(&["*"]),
        exposed_headers: strings(spec.cors_exposed_headers),
    });
    bucket(
        app,
        scope,
        spec.id,
        BucketProps {
            bucket_name: Some(ctx.bucket_name((spec.base_name)(ctx.cfg))),
            encryption,
            versioned: spec.versioned,
            enforce_ssl: true,
            access_control: spec.website.then(|| "BucketOwnerFullControl".into()),
            cors: cors.into_iter().collect(),
            website: spec
                .website
                .then(|| ("index.html".into(), "index.html".into())),
            server_access_logs: logs.map(|b| (b.clone(), spec.id.to_string())),
            removal_policy: RemovalPolicy::Delete,
            ..Default::default()
        },
    )
}

/// Lets `service` deliver log files into `bucket` under `objects`: it reads the bucket's ACL
/// and puts objects the bucket owner fully controls.
fn allow_log_delivery(app: &mut App, bucket: &Bucket, service: &str, objects: &str) {
    bucket.add_to_resource_policy(
        app,
        Statement::allow(&["s3:GetBucketAcl"])
            .on([bucket.arn()])
            .principal(Principal::service(service)),
    );
    bucket.add_to_resource_policy(
        app,
        Statement::allow(&["s3:PutObject"])
            .on([bucket.arn_for_objects(objects)])
            .principal(Principal::service(service))
            .condition(
                map! { "StringEquals" => map! { "s3:x-amz-acl" => "bucket-owner-full-control" } },
            ),
    );
}

/// `mlspace-access-logs-bucket`, when ENABLE_ACCESS_LOGGING (kept on stack deletion).
pub fn access_logs_bucket(app: &mut App, scope: NodeId, ctx: &Ctx) -> Option<Bucket> {
    ctx.cfg.enable_access_logging.then(|| {
        bucket(
            app,
            scope,
            "mlspace-access-logs-bucket",
            BucketProps {
                bucket_name: Some(ctx.bucket_name(&ctx.cfg.access_logs_bucket_name)),
                encryption: BucketEncryption::S3Managed,
                versioned: true,
                enforce_ssl: true,
                object_ownership: Some("BucketOwnerPreferred".into()),
                ..Default::default()
            },
        )
    })
}

pub fn config_bucket(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    inputs: &CoreInputs,
    logs: Option<&Bucket>,
) -> Bucket {
    let encryption = bucket_encryption(ctx, inputs);
    mlspace_bucket(app, scope, ctx, &CONFIG_BUCKET, encryption, logs)
}

/// The static web app's bucket (always SSE-S3); API Gateway reads it.
pub fn website_bucket(app: &mut App, scope: NodeId, ctx: &Ctx, logs: Option<&Bucket>) -> Bucket {
    let encryption = BucketEncryption::S3Managed;
    let website = mlspace_bucket(app, scope, ctx, &WEBSITE_BUCKET, encryption, logs);
    website.grant_read_to_service(app, "apigateway.amazonaws.com");
    website
}

pub fn data_bucket(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    inputs: &CoreInputs,
    logs: Option<&Bucket>,
) -> Bucket {
    let encryption = bucket_encryption(ctx, inputs);
    mlspace_bucket(app, scope, ctx, &DATA_BUCKET, encryption, logs)
}

/// The CloudWatch Logs export bucket (and the trail's, when there is one).
pub fn logs_bucket(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    inputs: &CoreInputs,
    logs: Option<&Bucket>,
) -> Bucket {
    let encryption = bucket_encryption(ctx, inputs);
    let cwl = mlspace_bucket(app, scope, ctx, &LOGS_BUCKET, encryption, logs);
    allow_log_delivery(app, &cwl, "logs.amazonaws.com", "cloudwatch/*");
    cwl
}

/// `mlspace-cloudtrail`, a multi-region trail into the logs bucket, when
/// CREATE_MLSPACE_CLOUDTRAIL_TRAIL. The trail's bucket statements join the bucket policy.
pub fn cloudtrail(app: &mut App, scope: NodeId, ctx: &Ctx, logs: &Bucket) {
    if !ctx.cfg.create_mlspace_cloudtrail_trail {
        return;
    }
    let objects = format!("AWSLogs/{}/*", ctx.cfg.aws_account);
    allow_log_delivery(app, logs, "cloudtrail.amazonaws.com", &objects);
    let trail = trail(
        app,
        scope,
        "mlspace-cloudtrail",
        TrailProps {
            trail_name: "mlspace-cloudtrail".into(),
            bucket_name: logs.name(),
            multi_region: true,
            include_global_service_events: true,
            enable_file_validation: true,
        },
    );
    if let Some(policy) = logs.policy_resource(app) {
        app.add_depends_on(trail, policy);
    }
}

/// The twelve tables, in the TS app's order. Returns nothing: the other stacks find them by name.
pub fn tables(app: &mut App, scope: NodeId, ctx: &Ctx, inputs: &CoreInputs) {
    let cfg = ctx.cfg;
    // compat: the tables use the MLSpace key only when it is an existing key and
    // ENABLE_DDB_KMS_CMK_ENCRYPTION is on.
    let encryption =
        if cfg.existing_kms_master_key_arn.is_some() && cfg.enable_ddb_kms_cmk_encryption {
            TableEncryption::CustomerManaged(inputs.kms.key_arn.clone())
        } else {
            TableEncryption::AwsManaged
        };
    for (id, table) in table_definitions(cfg) {
        table.encryption(encryption.clone()).add(app, scope, id);
    }
}

/// Each table's construct id and its keys and indexes, in the TS app's order.
fn table_definitions(cfg: &Config) -> Vec<(&'static str, Table)> {
    let mut tables = dataset_project_and_group_tables(cfg);
    tables.extend(user_resource_and_settings_tables(cfg));
    tables
}

/// A keys-only global index `ReverseLookup` that reads a membership table the other way round.
fn reverse_lookup(t: Table, partition: &str, sort: &str) -> Table {
    t.global_index(
        "ReverseLookup",
        Attribute::string(partition),
        Some(Attribute::string(sort)),
        Projection::KeysOnly,
    )
}

/// The dataset, project and group tables and their memberships (the first seven, in order).
fn dataset_project_and_group_tables(cfg: &Config) -> Vec<(&'static str, Table)> {
    let s = Attribute::string;
    vec![
        (
            "mlspace-ddb-datasets",
            Table::new(&cfg.datasets_table_name, s("scope")).sort_key(s("name")),
        ),
        (
            "mlspace-ddb-projects",
            Table::new(&cfg.projects_table_name, s("name")),
        ),
        (
            "mlspace-ddb-project-users",
            reverse_lookup(
                Table::new(&cfg.project_users_table_name, s("project")).sort_key(s("user")),
                "user",
                "project",
            ),
        ),
        (
            "mlspace-ddb-groups",
            Table::new(&cfg.groups_table_name, s("name")),
        ),
        (
            "mlspace-ddb-group-datasets",
            reverse_lookup(
                Table::new(&cfg.group_datasets_table_name, s("group")).sort_key(s("dataset")),
                "dataset",
                "group",
            ),
        ),
        (
            "mlspace-ddb-group-users",
            reverse_lookup(
                Table::new(&cfg.group_users_table_name, s("group")).sort_key(s("user")),
                "user",
                "group",
            ),
        ),
        (
            "mlspace-ddb-group-membership-history",
            Table::new(&cfg.groups_membership_history_table_name, s("group"))
                .sort_key(Attribute::number("actionedAt")),
        ),
    ]
}

/// The user, project-group, resource and app-configuration tables (the last five, in order).
fn user_resource_and_settings_tables(cfg: &Config) -> Vec<(&'static str, Table)> {
    let s = Attribute::string;
    vec![
        (
            "mlspace-ddb-users",
            Table::new(&cfg.users_table_name, s("username")),
        ),
        (
            "mlspace-ddb-project-groups",
            reverse_lookup(
                Table::new(&cfg.project_groups_table_name, s("project")).sort_key(s("group")),
                "group",
                "project",
            ),
        ),
        (
            "mlspace-ddb-resource-schedule",
            Table::new(&cfg.resource_schedule_table_name, s("resourceId"))
                .sort_key(s("resourceType")),
        ),
        (
            "mlspace-resource-metadata",
            Table::new(&cfg.resource_metadata_table_name, s("resourceType"))
                .sort_key(s("resourceId"))
                .local_index("ProjectResources", s("project"), Projection::All)
                .local_index("UserResources", s("user"), Projection::All),
        ),
        (
            "mlspace-ddb-app-configuration",
            Table::new(&cfg.app_configuration_table_name, s("configScope"))
                .sort_key(Attribute::number("versionId")),
        ),
    ]
}
