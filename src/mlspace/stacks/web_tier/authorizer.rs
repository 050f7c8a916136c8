//! The MLSpace authorizer's Lambda: the JWT layer it is built with, the common layer, and its
//! OIDC settings.
use indexmap::IndexMap;

use crate::cdk::assets::PlannedAsset;
use crate::cdk::{App, StackRef, Value};
use crate::constructs::lambda::{self, Code, FunctionProps, FunctionRef, FunctionRole};
use crate::mlspace::app::{BuildError, Ctx};
use crate::mlspace::layers::{planned_lambda_layer, LambdaLayerProps};

use super::super::apis::{add_iso_ca_bundle, common_layer, string_parameter_value, vpc_placement};
use super::super::iam::IamOutputs;
use super::super::vpc::VpcOutputs;
use super::{AUTHORIZER_MEMORY_MB, AUTHORIZER_TIMEOUT_S};

/// The authorizer function, and what the rest of the web tier reuses from building it.
pub(super) struct AuthorizerLambda {
    pub function: FunctionRef,
    /// The IdP endpoint read from IDP_ENDPOINT_SSM_PARAM, when set.
    pub idp_endpoint: Option<Value>,
    /// The MLSpace backend, planned once for every function that runs it.
    pub code: PlannedAsset,
}

pub(super) fn function(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    vpc: &VpcOutputs,
    iam: &IamOutputs,
) -> Result<AuthorizerLambda, BuildError> {
    let cfg = ctx.cfg;
    // Layers: the JWT layer (planned ahead) is added here, the common layer comes from
    // mlspace-core via SSM.
    let jwt = planned_lambda_layer(
        app,
        stack.node,
        &LambdaLayerProps {
            layer_name: "jwt",
            identifier: None,
            runtime: cfg.lambda_runtime,
            architecture: cfg.lambda_architecture,
        },
        &ctx.inputs.layers.jwt,
    );
    let common = common_layer(app, stack, ctx);
    let idp_endpoint = cfg
        .idp_endpoint_ssm_param
        .as_deref()
        .map(|name| string_parameter_value(app, stack, name));

    let code = ctx.inputs.assets.lambda_code.clone();
    let function = lambda::function(
        app,
        stack.node,
        "MLSpaceAuthorizerLambda",
        FunctionProps {
            architecture: Some(ctx.lambda_architecture()),
            handler: "ml_space_lambda.authorizer.lambda_function.lambda_handler".into(),
            function_name: Some("mls-lambda-authorizer".into()),
            description: Some("MLSpace Authentication and Authorization Lambda".into()),
            timeout_seconds: Some(AUTHORIZER_TIMEOUT_S),
            memory_size: Some(AUTHORIZER_MEMORY_MB),
            role: FunctionRole::Arn(iam.app_role_arn.clone()),
            layers: lambda::ordered_layers(app, &[(jwt.node, jwt.arn()), common]),
            environment: environment(ctx, idp_endpoint.clone()),
            vpc: Some(vpc_placement(vpc)),
            ..FunctionProps::new(Code::Asset(code.clone(), None), cfg.lambda_runtime)
        },
    );
    Ok(AuthorizerLambda {
        function,
        idp_endpoint,
        code,
    })
}

/// Python's spelling of a flag in the authorizer's environment.
fn py_bool(flag: bool) -> Value {
    if flag { "True" } else { "False" }.into()
}

/// The OIDC settings: the IdP endpoint from SSM, else INTERNAL_OIDC_URL, else OIDC_URL.
fn environment(ctx: &Ctx, idp_endpoint: Option<Value>) -> IndexMap<String, Value> {
    let cfg = ctx.cfg;
    let mut environment: IndexMap<String, Value> = IndexMap::new();
    let authorizer_oidc_url = idp_endpoint.unwrap_or_else(|| {
        cfg.internal_oidc_url
            .as_deref()
            .unwrap_or(cfg.oidc_url.as_str())
            .into()
    });
    environment.insert("OIDC_URL".into(), authorizer_oidc_url);
    environment.insert(
        "OIDC_CLIENT_NAME".into(),
        cfg.oidc_client_name.as_str().into(),
    );
    environment.insert("OIDC_VERIFY_SSL".into(), py_bool(cfg.oidc_verify_ssl));
    environment.insert(
        "OIDC_VERIFY_SIGNATURE".into(),
        py_bool(cfg.oidc_verify_signature),
    );
    for (k, v) in &cfg.additional_lambda_environment_vars {
        environment.insert(k.clone(), v.as_str().into());
    }
    if ctx.is_iso() {
        add_iso_ca_bundle(&mut environment);
    }
    environment
}
