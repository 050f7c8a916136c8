//! The state of MLSpace: its buckets, tables and audit trail. Logical ids, names and removal
//! policies are those of the TS app, so an existing deployment keeps its data.
use crate::cdk::app::props;
use crate::cdk::RemovalPolicy;
use crate::cdk::{App, NodeId, Resource, Value};
use crate::constructs::dynamodb::{Attribute, Projection, Table, TableEncryption};
use crate::constructs::iam::{Principal, Statement};
use crate::constructs::s3::{bucket, Bucket, BucketEncryption, BucketProps, CorsRule};
use crate::map;
use crate::mlspace::app::Ctx;

use super::CoreInputs;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// The MLSpace key for buckets when an existing key is configured, else SSE-S3.
/// compat: the TS app encrypts buckets with the key only when it is an existing one.
fn bucket_encryption(ctx: &Ctx, inputs: &CoreInputs) -> BucketEncryption {
    if ctx.cfg.existing_kms_master_key_arn.is_empty() {
        BucketEncryption::S3Managed
    } else {
        BucketEncryption::Kms(inputs.kms.key_arn.clone())
    }
}

/// Server access logging into the access-logs bucket, under a prefix named after the bucket.
fn access_logs(logs: Option<&Bucket>, prefix: &str) -> Option<(Bucket, String)> {
    logs.map(|b| (b.clone(), prefix.to_string()))
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
    bucket(
        app,
        scope,
        "mlspace-config-bucket",
        BucketProps {
            bucket_name: Some(ctx.bucket_name(&ctx.cfg.config_bucket_name)),
            encryption: bucket_encryption(ctx, inputs),
            versioned: true,
            enforce_ssl: true,
            server_access_logs: access_logs(logs, "mlspace-config-bucket"),
            removal_policy: RemovalPolicy::Delete,
            ..Default::default()
        },
    )
}

/// The static web app's bucket; API Gateway reads it.
pub fn website_bucket(app: &mut App, scope: NodeId, ctx: &Ctx, logs: Option<&Bucket>) -> Bucket {
    let website = bucket(
        app,
        scope,
        "mlspace-website-bucket",
        BucketProps {
            bucket_name: Some(ctx.bucket_name(&ctx.cfg.website_bucket_name)),
            access_control: Some("BucketOwnerFullControl".into()),
            encryption: BucketEncryption::S3Managed,
            enforce_ssl: true,
            website: Some(("index.html".into(), "index.html".into())),
            cors: vec![CorsRule {
                allowed_headers: strings(&["*"]),
                allowed_methods: strings(&["GET", "POST", "PUT", "DELETE"]),
                allowed_origins: strings(&["*"]),
                exposed_headers: strings(&[
                    "x-amz-server-side-encryption",
                    "x-amz-request-id",
                    "x-amz-id-2",
                ]),
            }],
            server_access_logs: access_logs(logs, "mlspace-website-bucket"),
            removal_policy: RemovalPolicy::Delete,
            ..Default::default()
        },
    );
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
    bucket(
        app,
        scope,
        "mlspace-data-bucket",
        BucketProps {
            bucket_name: Some(ctx.bucket_name(&ctx.cfg.data_bucket_name)),
            encryption: bucket_encryption(ctx, inputs),
            versioned: true,
            enforce_ssl: true,
            cors: vec![CorsRule {
                allowed_headers: strings(&["*"]),
                allowed_methods: strings(&["GET", "POST"]),
                allowed_origins: strings(&["*"]),
                exposed_headers: strings(&["Access-Control-Allow-Origin"]),
            }],
            server_access_logs: access_logs(logs, "mlspace-data-bucket"),
            removal_policy: RemovalPolicy::Delete,
            ..Default::default()
        },
    )
}

/// The CloudWatch Logs export bucket (and the trail's, when there is one).
pub fn logs_bucket(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    inputs: &CoreInputs,
    logs: Option<&Bucket>,
) -> Bucket {
    let cwl = bucket(
        app,
        scope,
        "mlspace-logs-bucket",
        BucketProps {
            bucket_name: Some(ctx.bucket_name(&ctx.cfg.logs_bucket_name)),
            encryption: bucket_encryption(ctx, inputs),
            enforce_ssl: true,
            cors: vec![CorsRule {
                allowed_headers: strings(&["*"]),
                allowed_methods: strings(&["POST"]),
                allowed_origins: strings(&["*"]),
                ..Default::default()
            }],
            server_access_logs: access_logs(logs, "mlspace-logs-bucket"),
            removal_policy: RemovalPolicy::Delete,
            ..Default::default()
        },
    );
    let logs_service = || Principal::service("logs.amazonaws.com");
    cwl.add_to_resource_policy(
        app,
        Statement::allow(&["s3:GetBucketAcl"])
            .on([cwl.arn()])
            .principal(logs_service()),
    );
    cwl.add_to_resource_policy(
        app,
        Statement::allow(&["s3:PutObject"])
            .on([cwl.arn_for_objects("cloudwatch/*")])
            .principal(logs_service())
            .condition(
                map! { "StringEquals" => map! { "s3:x-amz-acl" => "bucket-owner-full-control" } },
            ),
    );
    cwl
}

/// `mlspace-cloudtrail`, a multi-region trail into the logs bucket, when
/// CREATE_MLSPACE_CLOUDTRAIL_TRAIL. The trail's bucket statements join the bucket policy.
pub fn trail(app: &mut App, scope: NodeId, ctx: &Ctx, logs: &Bucket) {
    if !ctx.cfg.create_mlspace_cloudtrail_trail {
        return;
    }
    let construct = app.construct(scope, "mlspace-cloudtrail");
    let cloudtrail = || Principal::service("cloudtrail.amazonaws.com");
    logs.add_to_resource_policy(
        app,
        Statement::allow(&["s3:GetBucketAcl"])
            .on([logs.arn()])
            .principal(cloudtrail()),
    );
    logs.add_to_resource_policy(
        app,
        Statement::allow(&["s3:PutObject"])
            .on([logs.arn_for_objects(&format!("AWSLogs/{}/*", ctx.cfg.aws_account))])
            .principal(cloudtrail())
            .condition(
                map! { "StringEquals" => map! { "s3:x-amz-acl" => "bucket-owner-full-control" } },
            ),
    );
    let properties = props([
        ("EnableLogFileValidation", Some(true.into())),
        ("EventSelectors", Some(Value::List(Vec::new()))),
        ("IncludeGlobalServiceEvents", Some(true.into())),
        ("IsLogging", Some(true.into())),
        ("IsMultiRegionTrail", Some(true.into())),
        ("S3BucketName", Some(logs.name())),
        ("TrailName", Some("mlspace-cloudtrail".into())),
    ]);
    let trail = app.resource(
        construct,
        "Resource",
        Resource::new("AWS::CloudTrail::Trail", properties),
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
        if !cfg.existing_kms_master_key_arn.is_empty() && cfg.enable_ddb_kms_cmk_encryption {
            TableEncryption::CustomerManaged(inputs.kms.key_arn.clone())
        } else {
            TableEncryption::AwsManaged
        };
    let s = Attribute::string;
    let reverse = |t: Table, partition: &str, sort: &str| {
        t.global_index(
            "ReverseLookup",
            s(partition),
            Some(s(sort)),
            Projection::KeysOnly,
        )
    };
    let tables: Vec<(&str, Table)> = vec![
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
            reverse(
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
            reverse(
                Table::new(&cfg.group_datasets_table_name, s("group")).sort_key(s("dataset")),
                "dataset",
                "group",
            ),
        ),
        (
            "mlspace-ddb-group-users",
            reverse(
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
        (
            "mlspace-ddb-users",
            Table::new(&cfg.users_table_name, s("username")),
        ),
        (
            "mlspace-ddb-project-groups",
            reverse(
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
    ];
    for (id, table) in tables {
        table.encryption(encryption.clone()).add(app, scope, id);
    }
}
