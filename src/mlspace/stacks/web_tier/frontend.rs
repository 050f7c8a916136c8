//! The web app's deployment: the built frontend plus `env.js`, whose deploy-time values (the
//! API URL) are markers the bucket-deployment handler fills in, copied into the website bucket.
//!
//! compat: this is aws-s3-deployment's `BucketDeployment` with `memoryLimit: 1024`, an imported
//! destination bucket and a `Source.data` source, served by our handler without the AWS CLI
//! layer (declared in tests/parity/deviations.json). It should fold into
//! `constructs::s3_deployment` once that construct takes those options.
use std::rc::Rc;

use crate::cdk::app::props;
use crate::cdk::assets::{AssetOptions, AssetSource};
use crate::cdk::{concat, App, Map, NodeId, Pseudo, RemovalPolicy, Resource, StackRef, Value};
use crate::constructs::apigateway::RestApi;
use crate::constructs::assets::{add_asset, add_asset_metadata, AssetLocation};
use crate::constructs::custom_resources::mark_singleton;
use crate::constructs::handlers::{HandlerCode, HandlerKind, HANDLER_ENTRY, HANDLER_RUNTIME};
use crate::constructs::iam::{self, Principal, RoleRef, Statement};
use crate::constructs::s3::{READ_ACTIONS, READ_WRITE_ACTIONS};
use crate::constructs::s3_deployment::{CA_BUNDLE, HANDLER_ID};
use crate::map;
use crate::mlspace::app::Ctx;
use crate::mlspace::run::RunError;

use super::FRONTEND_BUILD_PATH;

/// The file the web app reads its settings from.
pub const ENV_JS: &str = "env.js";
const MEMORY_LIMIT_MB: u32 = 1024;
const HANDLER_TIMEOUT_S: u32 = 900;
/// compat: `Source.data` marks each deploy-time value with this pattern and a counter.
const MARKER_PREFIX: &str = "<<marker:0xbaba:";

/// `window.env = {...}`: the web app's settings as JSON; deploy-time values stay values.
pub fn env_js(ctx: &Ctx, api_url: Value, idp_endpoint: Option<Value>) -> Value {
    let cfg = ctx.cfg;
    let redirect = if cfg.oidc_redirect_uri.is_empty() {
        api_url.clone()
    } else {
        cfg.oidc_redirect_uri.as_str().into()
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

/// `Source.data` rendering: the text with every deploy-time part replaced by a marker, and the
/// markers' values.
pub fn render_data(data: &Value) -> (String, Map) {
    let parts = match data {
        Value::Join(d, parts) if d.is_empty() => parts.clone(),
        other => vec![other.clone()],
    };
    let mut text = String::new();
    let mut markers = Map::new();
    for part in parts {
        match part {
            Value::String(s) => text.push_str(&s),
            token => {
                let marker = format!("{MARKER_PREFIX}{}>>", markers.len());
                text.push_str(&marker);
                markers.insert(marker, token);
            }
        }
    }
    (text, markers)
}

/// The singleton handler function with its role, at the top of the stack.
fn handler_function(
    app: &mut App,
    stack: StackRef,
    role: Option<RoleRef>,
    code: &HandlerCode,
) -> (NodeId, RoleRef) {
    let id = format!("{HANDLER_ID}{MEMORY_LIMIT_MB}MiB");
    let singleton = app.construct(stack.node, &id);
    let role = role.unwrap_or_else(|| {
        iam::role(
            app,
            singleton,
            "ServiceRole",
            iam::RoleProps {
                assumed_by: vec![Principal::service("lambda.amazonaws.com")],
                managed_policy_arns: vec![iam::aws_managed_policy(
                    "service-role/AWSLambdaBasicExecutionRole",
                )],
                ..Default::default()
            },
        )
    });
    let location = code.register(app, stack, &format!("{id}/Code"));
    let properties = props([
        ("Code", Some(location.s3_location())),
        (
            "Environment",
            Some(map! { "Variables" => map! { "AWS_CA_BUNDLE" => CA_BUNDLE } }),
        ),
        ("Handler", Some(HANDLER_ENTRY.into())),
        ("MemorySize", Some(MEMORY_LIMIT_MB.into())),
        ("Role", Some(role.arn.clone())),
        ("Runtime", Some(HANDLER_RUNTIME.into())),
        ("Timeout", Some(HANDLER_TIMEOUT_S.into())),
    ]);
    let mut function = Resource::new("AWS::Lambda::Function", properties);
    if !role.is_imported() {
        function.depends_on.push(role.node);
    }
    add_asset_metadata(&mut function, &location, "Code");
    let function = app.resource(singleton, "Resource", function);
    mark_singleton(app, singleton);
    (function, role)
}

fn bucket_arn(name: &str, suffix: &str) -> Value {
    concat([
        Value::from("arn:"),
        Pseudo::Partition.into(),
        format!(":s3:::{name}{suffix}").into(),
    ])
}

/// `MLSpaceFrontEndDeployment`: the frontend build and `env.js` into the website bucket.
pub(super) fn deploy(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    api: &RestApi,
    idp_endpoint: Option<Value>,
    website_bucket: &str,
) -> Result<NodeId, RunError> {
    let asset_err = |e: crate::cdk::assets::AssetError| RunError::Asset(e.to_string());
    let api_url = api.url(app).expect("the web tier API has a stage");
    let (env_text, env_markers) = render_data(&env_js(ctx, api_url, idp_endpoint));

    app.construct(stack.node, "mlspace-static-website-bucket");
    let role = (!ctx.cfg.bucket_deployment_role_arn.is_empty()).then(|| {
        iam::imported_role(
            app,
            stack.node,
            "mlspace-website-deploy-role",
            &ctx.cfg.bucket_deployment_role_arn,
        )
    });
    let deployment = app.construct(stack.node, "MLSpaceFrontEndDeployment");
    app.construct(deployment, "CustomResourceHandler");
    let code = HandlerCode::load(HandlerKind::BucketDeployment).map_err(asset_err)?;
    let (function, role) = handler_function(app, stack, role, &code);

    let display = |i: usize, app: &App| {
        format!(
            "{}/Asset{i}",
            app.tree.path_below_stack(deployment).join("/")
        )
    };
    let build = ctx.source_root.join(FRONTEND_BUILD_PATH);
    let sources: Vec<(AssetSource, Option<Map>)> = vec![
        (AssetSource::Directory(build), None),
        (
            AssetSource::Data {
                file_name: ENV_JS.into(),
                contents: env_text.into_bytes(),
            },
            Some(env_markers),
        ),
    ];
    let several = sources.len() > 1;
    let mut locations: Vec<AssetLocation> = Vec::new();
    let mut markers = Vec::new();
    let mut markers_config = Vec::new();
    for (i, (source, source_markers)) in sources.into_iter().enumerate() {
        let name = display(i + 1, app);
        let location = add_asset(
            app,
            stack,
            &name,
            source,
            &AssetOptions::default(),
            None::<Rc<dyn std::any::Any>>,
        )
        .map_err(asset_err)?;
        app.construct(deployment, &format!("Asset{}", i + 1));
        let bucket = location.bucket_name.clone();
        iam::add_to_principal_policy(
            app,
            &role,
            Statement::allow(READ_ACTIONS).on([bucket_arn(&bucket, ""), bucket_arn(&bucket, "/*")]),
        );
        // compat: a source without markers gets `{}` only when there are several sources.
        markers.push(
            source_markers
                .clone()
                .map(Value::Map)
                .or_else(|| several.then(|| map! {})),
        );
        markers_config.push(
            source_markers
                .map(|_| map! {})
                .or_else(|| several.then(|| map! {})),
        );
        locations.push(location);
    }
    iam::add_to_principal_policy(
        app,
        &role,
        Statement::allow(READ_WRITE_ACTIONS).on([
            bucket_arn(website_bucket, ""),
            bucket_arn(website_bucket, "/*"),
        ]),
    );

    let list = |items: Vec<Option<Value>>| {
        let items: Vec<Value> = items.into_iter().flatten().collect();
        (!items.is_empty()).then_some(Value::List(items))
    };
    let properties = props([
        ("ServiceToken", Some(Value::get_att(function, "Arn"))),
        (
            "SourceBucketNames",
            Some(Value::List(
                locations
                    .iter()
                    .map(|l| Value::from(l.bucket_name.as_str()))
                    .collect(),
            )),
        ),
        (
            "SourceObjectKeys",
            Some(Value::List(
                locations
                    .iter()
                    .map(|l| Value::from(l.object_key.as_str()))
                    .collect(),
            )),
        ),
        ("SourceMarkers", list(markers)),
        ("SourceMarkersConfig", list(markers_config)),
        ("DestinationBucketName", Some(website_bucket.into())),
        ("Prune", Some(true.into())),
        ("OutputObjectKeys", Some(true.into())),
    ]);
    let wrapper = app.construct(deployment, &format!("CustomResource-{MEMORY_LIMIT_MB}MiB"));
    let mut resource = Resource::new("Custom::CDKBucketDeployment", properties);
    resource.removal_policy(RemovalPolicy::Delete);
    let resource = app.resource(wrapper, "Default", resource);
    if ctx.is_iso() {
        let vars = &mut app.resource_mut(function).properties;
        if let Some(Value::Map(env)) = vars.get_mut("Environment") {
            if let Some(Value::Map(v)) = env.get_mut("Variables") {
                for var in super::super::apis::ISO_CA_BUNDLE_VARS {
                    v.insert(var.to_string(), super::super::apis::ISO_CA_BUNDLE.into());
                }
            }
        }
    }
    Ok(resource)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_markers_replace_each_token_in_order() {
        let data = concat([
            Value::from("a"),
            Value::Pseudo(Pseudo::Region),
            Value::from("b"),
            Value::Pseudo(Pseudo::UrlSuffix),
        ]);
        let (text, markers) = render_data(&data);
        assert_eq!(text, "a<<marker:0xbaba:0>>b<<marker:0xbaba:1>>");
        assert_eq!(
            markers["<<marker:0xbaba:1>>"],
            Value::Pseudo(Pseudo::UrlSuffix)
        );
        let (plain, none) = render_data(&Value::from("x"));
        assert_eq!((plain.as_str(), none.len()), ("x", 0));
    }
}
