//! mlspace-core: the state MLSpace keeps (buckets, tables, trail), its system Lambdas, the
//! configuration files it deploys and the calls it makes at deploy time.
//!
//! Everything is created directly in the stack, in the order of MLSpace's CoreConstruct, so
//! that logical ids, manifest metadata and cross-stack exports come out as the TS app's.
mod app_config;
mod functions;
mod storage;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, StackRef, Value};
use crate::constructs::custom_resources::{
    aws_custom_resource, invoke_call, AwsCustomResourceProps, SdkCall,
};
use crate::constructs::events::{add_lambda_target, cron, rate_minutes, rule, Trigger};
use crate::constructs::handlers::{HandlerCode, HandlerKind, HANDLER_RUNTIME};
use crate::constructs::iam::imported_role;
use crate::constructs::s3::notifications_handler;
use crate::constructs::s3_deployment::{
    bucket_deployment, BucketDeploymentProps, DeploymentHandler, Source,
};
use crate::map;
use crate::mlspace::app::Ctx;
use crate::mlspace::run::RunError;

pub use app_config::{initial_item, read_cluster_config};
use functions::{
    add_ca_bundle, layer, system_function, with_additional_env, FunctionDefaults, FunctionSpec,
};

use super::iam::IamOutputs;
use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;

/// What mlspace-core takes from the stacks before it.
pub struct CoreInputs<'a> {
    pub vpc: &'a VpcOutputs,
    pub kms: &'a KmsOutputs,
    pub iam: &'a IamOutputs,
}

/// The example notebooks and their parameters, relative to the source root.
pub const CONFIG_FILES: &str = "lib/resources/config";
pub const EXAMPLE_NOTEBOOKS: &str = "lib/resources/sagemaker/global";

pub fn build(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    vpc: &VpcOutputs,
    kms: &KmsOutputs,
    iam: &IamOutputs,
) -> Result<(), RunError> {
    let inputs = CoreInputs { vpc, kms, iam };
    let cfg = ctx.cfg;
    let scope = stack.node;
    // The CoreConstruct itself: everything below is created in the stack, next to it.
    app.construct(scope, "mlspace-core");

    if !cfg.notification_distro.is_empty() {
        notification_topic(app, scope, &cfg.notification_distro);
    }
    let access_logs = storage::access_logs_bucket(app, scope, ctx);
    let config_bucket = storage::config_bucket(app, scope, ctx, &inputs, access_logs.as_ref());

    // compat: the TS app passes these through SSM parameters (jsonData cannot take cross-stack
    // values) and deploys their values in the notebook parameters file.
    let notebook_role = ssm_parameter(
        app,
        scope,
        "dynamic-config-notebook-role",
        "notebook-param-notebook-role-arn",
        iam.notebook_role_arn.clone(),
    );
    let security_group = ssm_parameter(
        app,
        scope,
        "dynamic-config-security-group",
        "notebook-param-vpc-security-group",
        vpc.security_group_id.clone(),
    );
    let subnets = ssm_parameter(
        app,
        scope,
        "dynamic-config-subnets",
        "notebook-param-subnet-ids",
        comma_joined(&vpc.lambda_subnet_ids),
    );
    let kms_id = ssm_parameter(
        app,
        scope,
        "dynamic-config-kms-id",
        "notebook-param-kms-id",
        kms.key_id.clone(),
    );
    let notebook_params = map! {
        "pSMSKMSKeyId" => Value::get_att(kms_id, "Value"),
        "pSMSRoleARN" => Value::get_att(notebook_role, "Value"),
        "pSMSSecurityGroupId" => Value::list([Value::get_att(security_group, "Value")]),
        "pSMSSubnetIds" => Value::get_att(subnets, "Value"),
        "pSMSLifecycleConfigName" => cfg.mlspace_lifecycle_config_name.as_str(),
        "pSMSDataBucketName" => ctx.bucket_name(&cfg.data_bucket_name),
    };
    let params_source = || Source::JsonData {
        object_key: cfg.notebook_parameters_file_name.clone(),
        value: notebook_params.clone(),
    };

    let deployment_role = |app: &mut App, id: &str| {
        (!cfg.bucket_deployment_role_arn.is_empty())
            .then(|| imported_role(app, scope, id, &cfg.bucket_deployment_role_arn))
    };
    let mut deployer = DeploymentHandler::new(
        HandlerCode::load(HandlerKind::BucketDeployment)
            .map_err(asset_error("bucket deployment handler"))?,
    );
    let role = deployment_role(app, "mlspace-config-deploy-role");
    bucket_deployment(
        app,
        scope,
        "MLSpaceConfigDeployment",
        BucketDeploymentProps {
            sources: vec![
                params_source(),
                Source::Asset(ctx.source_root.join(CONFIG_FILES)),
            ],
            destination: config_bucket.clone().into(),
            destination_key_prefix: None,
            prune: true,
            role,
            memory_limit: None,
        },
        &mut deployer,
    )
    .map_err(asset_error("MLSpaceConfigDeployment"))?;

    let _website = storage::website_bucket(app, scope, ctx, access_logs.as_ref());
    let data_bucket = storage::data_bucket(app, scope, ctx, &inputs, access_logs.as_ref());
    let role = deployment_role(app, "mlspace-example-data-deploy-role");
    bucket_deployment(
        app,
        scope,
        "MLSpaceExampleDataDeployment",
        BucketDeploymentProps {
            sources: vec![
                params_source(),
                Source::Asset(ctx.source_root.join(EXAMPLE_NOTEBOOKS)),
            ],
            destination: data_bucket.clone().into(),
            destination_key_prefix: Some("global-read-only/resources/".into()),
            prune: false,
            role,
            memory_limit: None,
        },
        &mut deployer,
    )
    .map_err(asset_error("MLSpaceExampleDataDeployment"))?;

    let common_layer = layer(app, stack, ctx, "common", None)?;
    ssm_parameter(
        app,
        scope,
        "VersionArn",
        &cfg.common_layer_arn_param,
        Value::Ref(common_layer),
    );

    let defaults = FunctionDefaults::new(app, ctx, &inputs)?;
    let manage_roles = || Value::from(if cfg.manage_iam_roles { "True" } else { "" });
    let optional_arn = |v: &Option<Value>| v.clone().unwrap_or_else(|| "".into());
    let kms_conditions_arn = optional_arn(&iam.kms_instance_conditions_policy_arn);
    let env = |pairs: Vec<(&str, Value)>| -> Vec<(String, Value)> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    };

    let app_config_fn = system_function(
        app,
        stack,
        ctx,
        &defaults,
        FunctionSpec {
            id: "appConfigDeployment",
            name: "mls-lambda-app-config-deployment",
            description: "Populates the initial app config",
            handler: "ml_space_lambda.initial_app_config.lambda_function.lambda_handler",
            timeout_seconds: 30,
            environment: env(vec![
                (
                    "APP_CONFIG_TABLE",
                    cfg.app_configuration_table_name.as_str().into(),
                ),
                ("SYSTEM_TAG", cfg.system_tag.as_str().into()),
                ("MANAGE_IAM_ROLES", manage_roles()),
                (
                    "ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN",
                    optional_arn(&iam.endpoint_config_instance_constraint_policy_arn),
                ),
                (
                    "JOB_INSTANCE_CONSTRAINT_POLICY_ARN",
                    optional_arn(&iam.job_instance_constraint_policy_arn),
                ),
            ]),
            layer: common_layer,
        },
    );
    let cleanup_fn = system_function(
        app,
        stack,
        ctx,
        &defaults,
        FunctionSpec {
            id: "permissionCleanupLambda",
            name: "mls-lambda-permission-cleanup",
            description: "Clears out deprecated permissions from tables",
            handler:
                "ml_space_lambda.cleanup_deprecated_permissions.lambda_function.lambda_handler",
            timeout_seconds: 30,
            environment: Vec::new(),
            layer: common_layer,
        },
    );
    let dr_attach_fn = system_function(app, stack, ctx, &defaults, FunctionSpec {
        id: "drAttachPoliciesOnDeployLambda",
        name: "mls-lambda-dr-attach-policies-on-deploy",
        description: "Attaches policies from notebook role to all dynamic user roles.",
        handler: "ml_space_lambda.initial_app_config.lambda_function.update_dynamic_roles_with_notebook_policies",
        timeout_seconds: 30,
        environment: env(vec![
            ("ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN", optional_arn(&iam.endpoint_config_instance_constraint_policy_arn)),
            ("JOB_INSTANCE_CONSTRAINT_POLICY_ARN", optional_arn(&iam.job_instance_constraint_policy_arn)),
            ("KMS_INSTANCE_CONDITIONS_POLICY_ARN", kms_conditions_arn.clone()),
            ("NOTEBOOK_ROLE_NAME", role_name(&iam.notebook_role_arn)),
            ("SYSTEM_TAG", cfg.system_tag.as_str().into()),
            ("MANAGE_IAM_ROLES", manage_roles()),
        ]),
        layer: common_layer,
    });

    let sdk_calls =
        HandlerCode::load(HandlerKind::SdkCall).map_err(asset_error("SDK call handler"))?;
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    };
    let on_create = |call: SdkCall| AwsCustomResourceProps {
        on_create: Some(call),
        on_update: None,
        on_delete: None,
        role_arn: iam.app_role_arn.clone(),
        install_latest_aws_sdk: None,
    };
    // compat: physical ids stamped with the synthesis time make these calls run on every deploy.
    aws_custom_resource(
        app,
        scope,
        "drAttachPoliciesOnDeploy",
        on_create(invoke_call(
            &format!("drAttachPoliciesOnDeployLambda-{}", now_ms()),
            Value::Ref(dr_attach_fn),
        )),
        &sdk_calls,
    );

    let kms_conditions_fn = system_function(
        app,
        stack,
        ctx,
        &defaults,
        FunctionSpec {
            id: "updateInstanceKmsConditionsLambda",
            name: "mls-lambda-instance-kms-conditions",
            description: "",
            handler: "ml_space_lambda.utils.lambda_functions.update_instance_kms_key_conditions",
            timeout_seconds: 30,
            environment: env(vec![
                ("MANAGE_IAM_ROLES", manage_roles()),
                ("KMS_INSTANCE_CONDITIONS_POLICY_ARN", kms_conditions_arn),
            ]),
            layer: common_layer,
        },
    );
    aws_custom_resource(
        app,
        scope,
        "kms-key-constraints",
        on_create(invoke_call(
            &format!("kmsKeyConstraints-{}", now_ms()),
            Value::Ref(kms_conditions_fn),
        )),
        &sdk_calls,
    );
    let daily = rule(
        app,
        scope,
        "updateInstanceKmsConditionsLambdaScheduleRule",
        None,
        Trigger::Schedule(cron("45", "2")),
    );
    add_lambda_target(app, daily, kms_conditions_fn);

    let notifier_layer = layer(app, stack, ctx, "common", Some("notifier"))?;
    let s3_notifier = system_function(app, stack, ctx, &defaults, FunctionSpec {
        id: "s3Notifier",
        name: "mls-lambda-s3-notifier",
        description: "S3 event notification function to handle ddb actions in response to dataset file actions",
        handler: "ml_space_lambda.s3_event_put_notification.lambda_function.lambda_handler",
        timeout_seconds: 5,
        environment: with_additional_env(ctx, env(vec![
            ("DATA_BUCKET", ctx.bucket_name(&cfg.data_bucket_name).into()),
            ("DATASETS_TABLE", cfg.datasets_table_name.as_str().into()),
            ("PROJECTS_TABLE", cfg.projects_table_name.as_str().into()),
            ("PROJECT_USERS_TABLE", cfg.project_users_table_name.as_str().into()),
            ("USERS_TABLE", cfg.users_table_name.as_str().into()),
        ])),
        layer: notifier_layer,
    });
    s3_invoke_permission(app, s3_notifier, &cfg.aws_account, data_bucket.arn());
    let notifications_code = HandlerCode::load(HandlerKind::BucketNotifications)
        .map_err(asset_error("bucket notifications handler"))?;
    let handler = notifications_handler(app, scope, HANDLER_RUNTIME, &notifications_code);
    data_bucket.add_lambda_notification(app, "s3:ObjectCreated:*", s3_notifier, &handler);

    let terminator = system_function(
        app,
        stack,
        ctx,
        &defaults,
        FunctionSpec {
            id: "resourceTerminator",
            name: "mls-lambda-resource-terminator",
            description:
                "Sweeper function that stops/terminates resources based on scheduled configuration",
            handler: "ml_space_lambda.resource_scheduler.lambda_functions.terminate_resources",
            timeout_seconds: 15 * 60,
            environment: with_additional_env(
                ctx,
                env(vec![(
                    "RESOURCE_SCHEDULE_TABLE",
                    cfg.resource_schedule_table_name.as_str().into(),
                )]),
            ),
            layer: common_layer,
        },
    );
    let rate = rate_minutes(cfg.resource_termination_interval).ok_or_else(|| {
        RunError::Asset("RESOURCE_TERMINATION_INTERVAL is 0: set it to the minutes between runs of the resource terminator".into())
    })?;
    let terminate = rule(
        app,
        scope,
        "mlspace-rule-terminate-resources",
        Some("mlspace-rule-terminate-resources"),
        Trigger::Schedule(rate),
    );
    add_lambda_target(app, terminate, terminator);

    let logs_bucket = storage::logs_bucket(app, scope, ctx, &inputs, access_logs.as_ref());
    storage::trail(app, scope, ctx, &logs_bucket);
    storage::tables(app, scope, ctx, &inputs);

    let cluster = read_cluster_config(&ctx.source_root)?;
    let created_at = (now_ms() as f64 / 1000.0).round() as u64;
    let put_item = SdkCall(map! {
        "service" => "DynamoDB",
        "action" => "putItem",
        "parameters" => map! {
            "TableName" => cfg.app_configuration_table_name.as_str(),
            "Item" => initial_item(&cluster, cfg.system_banner().as_ref(), created_at),
        },
        "physicalResourceId" => map! { "id" => "initAppConfigData" },
    });
    aws_custom_resource(
        app,
        scope,
        "mlspace-init-ddb-app-config",
        on_create(put_item),
        &sdk_calls,
    );
    aws_custom_resource(
        app,
        scope,
        "initial-app-config-deployment-001",
        on_create(invoke_call(
            "initAllowedInstanceTypes",
            Value::Ref(app_config_fn),
        )),
        &sdk_calls,
    );
    aws_custom_resource(
        app,
        scope,
        "cleanup-deprecated-permissions",
        on_create(invoke_call(
            &format!("cleanupDeprecatedResources-{}", now_ms()),
            Value::Ref(cleanup_fn),
        )),
        &sdk_calls,
    );

    emr_security_configuration(app, scope, &cfg.emr_security_config_name);

    let metadata_fn = system_function(app, stack, ctx, &defaults, FunctionSpec {
        id: "mlspace-resource-metadata-lambda",
        name: "mls-lambda-resource-metadata",
        description: "Lambda to process event bridge notifications and update corresponding entries in the mlspace resource metadata ddb table.",
        handler: "ml_space_lambda.resource_metadata.lambda_functions.process_event",
        timeout_seconds: 90,
        environment: with_additional_env(ctx, env(vec![
            ("RESOURCE_METADATA_TABLE", cfg.resource_metadata_table_name.as_str().into()),
            ("SYSTEM_TAG", cfg.system_tag.as_str().into()),
        ])),
        layer: common_layer,
    });
    let sources = || Value::list(["aws.sagemaker", "aws.translate", "aws.emr"]);
    let state_changes = rule(
        app,
        scope,
        "mlspace-resource-metadata-rule",
        Some("mlspace-resource-metadata-sync"),
        Trigger::Pattern(map! {
            "account" => Value::list([cfg.aws_account.as_str()]),
            "source" => sources(),
            "detail-type" => Value::list([
                "SageMaker Endpoint State Change",
                "SageMaker Endpoint Config State Change",
                "SageMaker Ground Truth Labeling Job State Change",
                "SageMaker HyperParameter Tuning Job State Change",
                "SageMaker Notebook Instance State Change",
                "SageMaker Model State Change",
                "SageMaker Training Job State Change",
                "SageMaker Transform Job State Change",
                "Translate TextTranslationJob State Change",
                "EMR Cluster State Change",
            ]),
        }),
    );
    add_lambda_target(app, state_changes, metadata_fn);
    let api_calls = rule(
        app,
        scope,
        "mlspace-cloudtrail-metadata-rule",
        Some("mlspace-cloudtrail-metadata-sync"),
        Trigger::Pattern(map! {
            "account" => Value::list([cfg.aws_account.as_str()]),
            "source" => sources(),
            "detail-type" => Value::list(["AWS API Call via CloudTrail"]),
            "detail" => map! {
                "eventSource" => Value::list(["sagemaker.amazonaws.com", "translate.amazonaws.com"]),
                "eventName" => Value::list(["CreateLabelingJob", "StartTextTranslationJob", "StopTextTranslationJob", "RunJobFlow"]),
            },
        }),
    );
    add_lambda_target(app, api_calls, metadata_fn);

    if ctx.is_iso() {
        // compat: MLSpace's ADC aspect reaches the deployments' shared handler and three functions.
        for function in [
            deployer.function(),
            Some(metadata_fn),
            Some(s3_notifier),
            Some(terminator),
        ]
        .into_iter()
        .flatten()
        {
            add_ca_bundle(app, function);
        }
    }
    Ok(())
}

/// The notification topic and its e-mail subscription (NOTIFICATION_DISTRO).
fn notification_topic(app: &mut App, scope: NodeId, email: &str) {
    let topic_scope = app.construct(scope, "mlspace-topic");
    let topic = app.resource(
        topic_scope,
        "Resource",
        Resource::new("AWS::SNS::Topic", Default::default()),
    );
    let subscription = app.construct(scope, "Subscription");
    let properties = props([
        ("Endpoint", Some(email.into())),
        ("Protocol", Some("email".into())),
        ("TopicArn", Some(Value::Ref(topic))),
    ]);
    app.resource(
        subscription,
        "Resource",
        Resource::new("AWS::SNS::Subscription", properties),
    );
}

/// An asset error, with what the asset was for.
fn asset_error(what: &'static str) -> impl Fn(crate::cdk::assets::AssetError) -> RunError {
    move |e| RunError::Asset(format!("mlspace-core {what}: {e}"))
}

/// `new ssm.StringParameter(scope, id, {parameterName, stringValue})`.
fn ssm_parameter(app: &mut App, scope: NodeId, id: &str, name: &str, value: Value) -> NodeId {
    let construct = app.construct(scope, id);
    let properties = props([
        ("Name", Some(name.into())),
        ("Type", Some("String".into())),
        ("Value", Some(value)),
    ]);
    app.resource(
        construct,
        "Resource",
        Resource::new("AWS::SSM::Parameter", properties),
    )
}

/// `ids.join(',')` of deploy-time values.
fn comma_joined(ids: &[Value]) -> Value {
    let mut parts = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            parts.push(Value::from(","));
        }
        parts.push(id.clone());
    }
    crate::cdk::concat(parts)
}

/// `role.roleName` of a role given by ARN: the role's `Ref` when it is created in this app, else
/// the ARN's last path component.
fn role_name(arn: &Value) -> Value {
    match arn {
        Value::GetAtt(node, attr) if attr == "Arn" => Value::Ref(*node),
        Value::String(s) => s.rsplit('/').next().unwrap_or(s).into(),
        other => other.clone(),
    }
}

/// `fn.addPermission('s3Notifier-invoke', ...)`: S3 of this account may invoke the notifier.
fn s3_invoke_permission(app: &mut App, function: NodeId, account: &str, bucket_arn: Value) {
    let construct = app
        .tree
        .node(function)
        .parent
        .expect("a function has a construct");
    let properties = props([
        ("Action", Some("lambda:InvokeFunction".into())),
        ("FunctionName", Some(Value::get_att(function, "Arn"))),
        ("Principal", Some("s3.amazonaws.com".into())),
        ("SourceAccount", Some(account.into())),
        ("SourceArn", Some(bucket_arn)),
    ]);
    app.resource(
        construct,
        "s3Notifier-invoke",
        Resource::new("AWS::Lambda::Permission", properties),
    );
}

/// The EMR security configuration: instance metadata v2 only, one hop.
fn emr_security_configuration(app: &mut App, scope: NodeId, name: &str) {
    let properties = props([
        ("Name", Some(name.into())),
        (
            "SecurityConfiguration",
            Some(map! { "InstanceMetadataServiceConfiguration" => map! {
                "MinimumInstanceMetadataServiceVersion" => 2,
                "HttpPutResponseHopLimit" => 1,
            } }),
        ),
    ]);
    app.resource(
        scope,
        "mlspace-emr-security-config",
        Resource::new("AWS::EMR::SecurityConfiguration", properties),
    );
}
