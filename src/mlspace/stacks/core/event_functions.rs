//! The system functions that events drive: the S3 notifier (dataset files), the resource
//! terminator (a schedule) and the resource metadata sync (state changes and API calls).
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, Value};
use crate::constructs::events::{add_lambda_target, rate_minutes, rule, Trigger};
use crate::constructs::handlers::HANDLER_RUNTIME;
use crate::constructs::s3::{notifications_handler, Bucket};
use crate::map;
use crate::mlspace::app::BuildError;

use super::functions::{layer, with_additional_env, FunctionSpec};
use super::{env, SystemFunctions};

/// Keeps the datasets tables current as files land in the data bucket.
pub(super) fn s3_notifier(
    app: &mut App,
    f: &SystemFunctions,
    data_bucket: &Bucket,
) -> Result<NodeId, BuildError> {
    let (ctx, cfg) = (f.ctx, f.ctx.cfg);
    let notifier_layer = layer(
        app,
        f.stack,
        ctx,
        "common",
        Some("notifier"),
        &ctx.inputs.layers.notifier,
    );
    let s3_notifier = f.add(app, FunctionSpec {
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
    let notifications_code = &f.ctx.inputs.handlers.bucket_notifications;
    let handler = notifications_handler(app, f.stack.node, HANDLER_RUNTIME, notifications_code);
    data_bucket.add_lambda_notification(app, "s3:ObjectCreated:*", s3_notifier, &handler);
    Ok(s3_notifier)
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

/// Stops or terminates resources on their schedules, every RESOURCE_TERMINATION_INTERVAL minutes.
pub(super) fn resource_terminator(
    app: &mut App,
    f: &SystemFunctions,
) -> Result<NodeId, BuildError> {
    let (ctx, cfg) = (f.ctx, f.ctx.cfg);
    let terminator = f.add(
        app,
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
            layer: f.common_layer,
        },
    );
    let rate = rate_minutes(cfg.resource_termination_interval)
        .ok_or(BuildError::ZeroTerminationInterval)?;
    let terminate = rule(
        app,
        f.stack.node,
        "mlspace-rule-terminate-resources",
        Some("mlspace-rule-terminate-resources"),
        Trigger::Schedule(rate),
    );
    add_lambda_target(app, terminate, terminator);
    Ok(terminator)
}

/// Keeps the resource metadata table current from state changes and CloudTrail API calls.
pub(super) fn resource_metadata(app: &mut App, f: &SystemFunctions) -> NodeId {
    let (ctx, cfg) = (f.ctx, f.ctx.cfg);
    let scope = f.stack.node;
    let metadata_fn = f.add(app, FunctionSpec {
        id: "mlspace-resource-metadata-lambda",
        name: "mls-lambda-resource-metadata",
        description: "Lambda to process event bridge notifications and update corresponding entries in the mlspace resource metadata ddb table.",
        handler: "ml_space_lambda.resource_metadata.lambda_functions.process_event",
        timeout_seconds: 90,
        environment: with_additional_env(ctx, env(vec![
            ("RESOURCE_METADATA_TABLE", cfg.resource_metadata_table_name.as_str().into()),
            ("SYSTEM_TAG", cfg.system_tag.as_str().into()),
        ])),
        layer: f.common_layer,
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
    metadata_fn
}
