//! The system Lambda functions of mlspace-core, their layers, schedules and event rules.
//!
//! compat: until the shared Lambda construct (src/constructs/lambda.rs) lands, `system_function`
//! below renders the `AWS::Lambda::Function` the way aws-cdk-lib's `Function` does for these
//! functions (imported role, VPC placement, no log group).
use crate::cdk::app::props;
use crate::cdk::assets::PlannedAsset;
use crate::cdk::{App, NodeId, Resource, StackRef, Value};
use crate::constructs::assets::{add_asset_metadata, register};
use crate::map;
use crate::mlspace::app::Ctx;
use crate::mlspace::layers::{planned_lambda_layer, LambdaLayerProps, PlannedLayer};

use super::CoreInputs;

/// What every system function shares: code, role, network, runtime.
pub struct FunctionDefaults {
    code: PlannedAsset,
    pub role_arn: Value,
    pub subnet_ids: Vec<Value>,
    pub security_group_ids: Vec<Value>,
}

impl FunctionDefaults {
    pub fn new(ctx: &Ctx, inputs: &CoreInputs) -> FunctionDefaults {
        FunctionDefaults {
            code: ctx.inputs.assets.lambda_code.clone(),
            role_arn: inputs.iam.app_role_arn.clone(),
            subnet_ids: inputs.vpc.lambda_subnet_ids.clone(),
            security_group_ids: vec![inputs.vpc.security_group_id.clone()],
        }
    }
}

/// One system function.
pub struct FunctionSpec<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub handler: &'a str,
    pub timeout_seconds: u32,
    /// In the order the TS app lists them; an empty list renders no `Environment`.
    pub environment: Vec<(String, Value)>,
    pub layer: NodeId,
}

/// Extends `environment` with ADDITIONAL_LAMBDA_ENVIRONMENT_VARS (a key already present keeps its
/// place and takes the new value, as a JS object spread does).
pub fn with_additional_env(
    ctx: &Ctx,
    mut environment: Vec<(String, Value)>,
) -> Vec<(String, Value)> {
    for (k, v) in &ctx.cfg.additional_lambda_environment_vars {
        set_env(&mut environment, k, v.as_str().into());
    }
    environment
}

fn set_env(environment: &mut Vec<(String, Value)>, key: &str, value: Value) {
    match environment.iter_mut().find(|(k, _)| k == key) {
        Some(entry) => entry.1 = value,
        None => environment.push((key.to_string(), value)),
    }
}

/// `new lambda.Function(stack, id, {...})` for a system function: `<id>/Resource`.
pub fn system_function(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    d: &FunctionDefaults,
    spec: FunctionSpec,
) -> NodeId {
    let construct = app.construct(stack.node, spec.id);
    let location = register(
        app,
        stack,
        &format!("{}/Code", spec.id),
        d.code.clone(),
        None,
    );
    let variables: crate::cdk::Map = spec.environment.into_iter().collect();
    let properties = props([
        (
            "Architectures",
            Some(Value::list([ctx.lambda_architecture().name()])),
        ),
        ("Code", Some(location.s3_location())),
        ("Description", Some(spec.description.into())),
        (
            "Environment",
            (!variables.is_empty()).then(|| map! { "Variables" => Value::Map(variables) }),
        ),
        ("FunctionName", Some(spec.name.into())),
        ("Handler", Some(spec.handler.into())),
        ("Layers", Some(Value::List(vec![Value::Ref(spec.layer)]))),
        ("Role", Some(d.role_arn.clone())),
        ("Runtime", Some(ctx.cfg.lambda_runtime.into())),
        ("Timeout", Some(spec.timeout_seconds.into())),
        (
            "VpcConfig",
            Some(map! {
                "SecurityGroupIds" => Value::List(d.security_group_ids.clone()),
                "SubnetIds" => Value::List(d.subnet_ids.clone()),
            }),
        ),
    ]);
    let mut function = Resource::new("AWS::Lambda::Function", properties);
    add_asset_metadata(&mut function, &location, "Code");
    app.resource(construct, "Resource", function)
}

/// `fn.addEnvironment(key, value)` on a rendered function.
pub fn add_environment(app: &mut App, function: NodeId, key: &str, value: &str) {
    let props = &mut app.resource_mut(function).properties;
    let env = props
        .entry("Environment".to_string())
        .or_insert_with(|| map! { "Variables" => map! {} });
    if let Value::Map(env) = env {
        if let Some(Value::Map(vars)) = env.get_mut("Variables") {
            vars.insert(key.to_string(), value.into());
        }
    }
}

/// compat: MLSpace's ADC aspect, which points the SDKs at the region's CA bundle.
pub fn add_ca_bundle(app: &mut App, function: NodeId) {
    use crate::mlspace::stacks::apis::{ISO_CA_BUNDLE, ISO_CA_BUNDLE_VARS};
    for var in ISO_CA_BUNDLE_VARS {
        add_environment(app, function, var, ISO_CA_BUNDLE);
    }
}

/// `createLambdaLayer(scope, layerName, layerIdentifier, COMMON_LAYER_PATH)`: the layer version
/// `mlspace-<id>-lambda-layer` (at the stack's top) of the planned layer `code`.
pub fn layer(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    layer_name: &str,
    identifier: Option<&str>,
    code: &PlannedLayer,
) -> NodeId {
    let layer = planned_lambda_layer(
        app,
        stack.node,
        &LambdaLayerProps {
            layer_name,
            identifier,
            runtime: ctx.cfg.lambda_runtime,
            architecture: ctx.cfg.lambda_architecture,
        },
        code,
    );
    layer.resource
}
