//! What mlspace-core runs at deploy time: the functions that set up the app configuration,
//! clean up deprecated permissions and keep the dynamic roles' policies current, and the
//! calls that invoke them (some on every deploy).
use crate::cdk::{App, NodeId, Value};
use crate::constructs::custom_resources::{invoke_call, SdkCall};
use crate::constructs::events::{add_lambda_target, cron, rule, Trigger};
use crate::map;
use crate::mlspace::app::{BuildError, Ctx};

use super::super::iam::IamOutputs;
use super::functions::FunctionSpec;
use super::{env, initial_item, DeployCalls, SystemFunctions};

/// The functions the deploy-time calls invoke.
pub(super) struct OnDeployFunctions {
    app_config: NodeId,
    cleanup: NodeId,
    dr_attach: NodeId,
}

/// MANAGE_IAM_ROLES as the functions read it: `True`, or empty for off.
fn manage_roles(f: &SystemFunctions) -> Value {
    Value::from(if f.ctx.cfg.manage_iam_roles {
        "True"
    } else {
        ""
    })
}

/// An optional policy ARN, empty when absent.
fn optional_arn(v: &Option<Value>) -> Value {
    v.clone().unwrap_or_else(|| "".into())
}

pub(super) fn functions(app: &mut App, f: &SystemFunctions, iam: &IamOutputs) -> OnDeployFunctions {
    let cfg = f.ctx.cfg;
    let endpoint_arn = || optional_arn(&iam.endpoint_config_instance_constraint_policy_arn);
    let job_arn = || optional_arn(&iam.job_instance_constraint_policy_arn);
    let app_config = f.add(
        app,
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
                ("MANAGE_IAM_ROLES", manage_roles(f)),
                (
                    "ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN",
                    endpoint_arn(),
                ),
                ("JOB_INSTANCE_CONSTRAINT_POLICY_ARN", job_arn()),
            ]),
            layer: f.common_layer,
        },
    );
    let cleanup = f.add(
        app,
        FunctionSpec {
            id: "permissionCleanupLambda",
            name: "mls-lambda-permission-cleanup",
            description: "Clears out deprecated permissions from tables",
            handler:
                "ml_space_lambda.cleanup_deprecated_permissions.lambda_function.lambda_handler",
            timeout_seconds: 30,
            environment: Vec::new(),
            layer: f.common_layer,
        },
    );
    let dr_attach = f.add(app, FunctionSpec {
        id: "drAttachPoliciesOnDeployLambda",
        name: "mls-lambda-dr-attach-policies-on-deploy",
        description: "Attaches policies from notebook role to all dynamic user roles.",
        handler: "ml_space_lambda.initial_app_config.lambda_function.update_dynamic_roles_with_notebook_policies",
        timeout_seconds: 30,
        environment: env(vec![
            ("ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN", endpoint_arn()),
            ("JOB_INSTANCE_CONSTRAINT_POLICY_ARN", job_arn()),
            ("KMS_INSTANCE_CONDITIONS_POLICY_ARN", optional_arn(&iam.kms_instance_conditions_policy_arn)),
            ("NOTEBOOK_ROLE_NAME", role_name(&iam.notebook_role_arn)),
            ("SYSTEM_TAG", cfg.system_tag.as_str().into()),
            ("MANAGE_IAM_ROLES", manage_roles(f)),
        ]),
        layer: f.common_layer,
    });
    OnDeployFunctions {
        app_config,
        cleanup,
        dr_attach,
    }
}

/// Attach the notebook role's policies to the dynamic user roles, on every deploy.
pub(super) fn attach_policies(
    app: &mut App,
    scope: NodeId,
    calls: &DeployCalls,
    functions: &OnDeployFunctions,
) {
    // compat: physical ids stamped with the synthesis time make these calls run on every deploy.
    let call = invoke_call(
        &format!("drAttachPoliciesOnDeployLambda-{}", calls.now_ms),
        Value::Ref(functions.dr_attach),
    );
    calls.on_create(app, scope, "drAttachPoliciesOnDeploy", call);
}

/// The function that keeps the KMS instance conditions current: on every deploy and daily.
pub(super) fn instance_kms_conditions(
    app: &mut App,
    f: &SystemFunctions,
    calls: &DeployCalls,
    iam: &IamOutputs,
) {
    let scope = f.stack.node;
    let function = f.add(
        app,
        FunctionSpec {
            id: "updateInstanceKmsConditionsLambda",
            name: "mls-lambda-instance-kms-conditions",
            description: "",
            handler: "ml_space_lambda.utils.lambda_functions.update_instance_kms_key_conditions",
            timeout_seconds: 30,
            environment: env(vec![
                ("MANAGE_IAM_ROLES", manage_roles(f)),
                (
                    "KMS_INSTANCE_CONDITIONS_POLICY_ARN",
                    optional_arn(&iam.kms_instance_conditions_policy_arn),
                ),
            ]),
            layer: f.common_layer,
        },
    );
    let call = invoke_call(
        &format!("kmsKeyConstraints-{}", calls.now_ms),
        Value::Ref(function),
    );
    calls.on_create(app, scope, "kms-key-constraints", call);
    let daily = rule(
        app,
        scope,
        "updateInstanceKmsConditionsLambdaScheduleRule",
        None,
        Trigger::Schedule(cron("45", "2")),
    );
    add_lambda_target(app, daily, function);
}

/// The initial app configuration item, the allowed instance types, and the cleanup of
/// deprecated permissions (on every deploy).
pub(super) fn initial_app_config(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    calls: &DeployCalls,
    functions: &OnDeployFunctions,
) -> Result<(), BuildError> {
    let cfg = ctx.cfg;
    let cluster = &ctx.inputs.cluster_config;
    let created_at = (calls.now_ms as f64 / 1000.0).round() as u64;
    let put_item = SdkCall(map! {
        "service" => "DynamoDB",
        "action" => "putItem",
        "parameters" => map! {
            "TableName" => cfg.app_configuration_table_name.as_str(),
            "Item" => initial_item(cluster, created_at),
        },
        "physicalResourceId" => map! { "id" => "initAppConfigData" },
    });
    calls.on_create(app, scope, "mlspace-init-ddb-app-config", put_item);
    let allowed_instances =
        invoke_call("initAllowedInstanceTypes", Value::Ref(functions.app_config));
    calls.on_create(
        app,
        scope,
        "initial-app-config-deployment-001",
        allowed_instances,
    );
    let cleanup = invoke_call(
        &format!("cleanupDeprecatedResources-{}", calls.now_ms),
        Value::Ref(functions.cleanup),
    );
    calls.on_create(app, scope, "cleanup-deprecated-permissions", cleanup);
    Ok(())
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
