//! The web app's deployment: the built frontend plus `env.js`, whose deploy-time values (the
//! API URL) are markers the bucket-deployment handler fills in, copied into the website bucket.
use crate::cdk::{concat, App, NodeId, StackRef, Value};
use crate::constructs::apigateway::RestApi;
use crate::constructs::iam;
use crate::constructs::s3_deployment::{
    bucket_deployment, BucketDeploymentProps, DeploymentHandler, Destination, Source,
};
use crate::map;
use crate::mlspace::app::{BuildError, Ctx};

/// The file the web app reads its settings from.
pub const ENV_JS: &str = "env.js";
/// MLSpace gives the frontend deployment's handler more memory than the default.
const MEMORY_LIMIT_MB: u32 = 1024;

/// `window.env = {...}`: the web app's settings as JSON; deploy-time values stay values.
pub fn env_js(ctx: &Ctx, api_url: Value, idp_endpoint: Option<Value>) -> Value {
    let cfg = ctx.cfg;
    let redirect = match &cfg.oidc_redirect_uri {
        Some(uri) => uri.as_str().into(),
        None => api_url.clone(),
    };
    let settings = map! {
        "OIDC_URL" => idp_endpoint.unwrap_or_else(|| cfg.oidc_url.as_str().into()),
        "OIDC_REDIRECT_URI" => redirect,
        "OIDC_CLIENT_NAME" => cfg.oidc_client_name.as_str(),
        "LAMBDA_ENDPOINT" => api_url,
        "MANAGE_IAM_ROLES" => cfg.manage_iam_roles,
        "SHOW_MIGRATION_OPTIONS" => cfg.show_migration_options,
        "ENABLE_TRANSLATE" => ctx.translate_enabled(),
        "APPLICATION_NAME" => cfg.application_name.as_str(),
        "DATASET_BUCKET" => ctx.bucket_name(&cfg.data_bucket_name),
        "AWS_REGION" => cfg.aws_region.as_str(),
        "BACKGROUND_REFRESH_INTERVAL" => Value::Number(cfg.background_refresh_interval.clone()),
    };
    concat([Value::from("window.env = "), settings.to_json_string()])
}

/// `MLSpaceFrontEndDeployment`: the frontend build and `env.js` into the website bucket.
pub(super) fn deploy(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    api: &RestApi,
    idp_endpoint: Option<Value>,
    website_bucket: &str,
) -> Result<NodeId, BuildError> {
    let asset_err = |source| BuildError::Asset {
        what: String::new(),
        source,
    };
    let api_url = api.url(app).expect("the web tier API has a stage");
    let env = env_js(ctx, api_url, idp_endpoint);

    app.construct(stack.node, "mlspace-static-website-bucket");
    let role = ctx.cfg.bucket_deployment_role_arn.as_ref().map(|arn| {
        iam::imported_role(app, stack.node, "mlspace-website-deploy-role", arn.as_str())
    });
    let mut handler = DeploymentHandler::new(ctx.inputs.handlers.bucket_deployment.clone());
    let resource = bucket_deployment(
        app,
        stack.node,
        "MLSpaceFrontEndDeployment",
        BucketDeploymentProps {
            sources: vec![
                Source::Asset(ctx.inputs.assets.frontend_build.clone()),
                Source::Data {
                    object_key: ENV_JS.into(),
                    data: env,
                },
            ],
            destination: Destination::Named(website_bucket.into()),
            destination_key_prefix: None,
            prune: true,
            role,
            memory_limit: Some(MEMORY_LIMIT_MB),
        },
        &mut handler,
    )
    .map_err(asset_err)?;
    if ctx.is_iso() {
        for var in super::super::apis::ISO_CA_BUNDLE_VARS {
            handler.add_environment(app, var, super::super::apis::ISO_CA_BUNDLE);
        }
    }
    Ok(resource)
}
