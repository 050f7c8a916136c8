//! mlspace-web-tier: the REST API every API stack adds its routes to, the MLSpace authorizer,
//! and the web app (served from the website bucket through the API).
mod frontend;

use indexmap::IndexMap;

use crate::cdk::assets::PlannedAsset;
use crate::cdk::{App, RemovalPolicy, Resource, StackRef, Value};
use crate::constructs::apigateway::{
    self, AwsIntegration, CorsOptions, Integration, MethodOptions, Response, RestApiProps,
    StageOptions,
};
use crate::constructs::lambda::{self, Code, FunctionProps, FunctionRole};
use crate::mlspace::app::Ctx;
use crate::mlspace::layers::{lambda_layer, resolve_layer, LambdaLayerProps, LayerRequest};
use crate::mlspace::run::RunError;

use super::apis::{
    add_iso_ca_bundle, common_layer, string_parameter_value, vpc_placement, MLSPACE_CORS_HEADERS,
};
use super::iam::IamOutputs;
use super::vpc::VpcOutputs;

pub use frontend::{env_js, ENV_JS};

/// The shared REST API as the API stacks see it.
#[derive(Debug, Clone)]
pub struct WebTierOutputs {
    pub rest_api_id: Value,
    pub root_resource_id: Value,
    pub authorizer_id: Value,
    /// The MLSpace backend (`backend/src`), planned once for every function that runs it.
    pub lambda_code: PlannedAsset,
}

const STAGE_NAME: &str = "Prod";
const THROTTLING_LIMIT: u32 = 100;
const ACCESS_LOG_GROUP_NAME: &str = "/aws/apigateway/MLSpace";
/// compat: aws-cdk-lib's default log retention (two years).
const DEFAULT_LOG_RETENTION_DAYS: u32 = 731;
const AUTHORIZER_MEMORY_MB: u32 = 512;
const AUTHORIZER_TIMEOUT_S: u32 = 30;

/// The API access log line: one JSON object of request, identity and response fields.
fn access_log_format() -> String {
    let field = |name: &str| Value::from(format!("$context.{name}"));
    let v = crate::map! {
        "requestId" => field("requestId"),
        "requestTime" => field("requestTime"),
        "authorizerPrincipalId" => field("authorizer.principalId"),
        "identity" => crate::map! {
            "accountId" => field("identity.accountId"),
            "apiKeyId" => field("identity.apiKeyId"),
            "caller" => field("identity.caller"),
            "sourceIp" => field("identity.sourceIp"),
            "user" => field("identity.user"),
            "userAgent" => field("identity.userAgent"),
            "userArn" => field("identity.userArn"),
        },
        "requestContext" => crate::map! {
            "stage" => field("stage"),
            "protocol" => field("protocol"),
            "httpMethod" => field("httpMethod"),
            "path" => field("path"),
            "resourcePath" => field("resourcePath"),
            "resourceId" => field("resourceId"),
        },
        "response" => crate::map! {
            "statusCode" => field("status"),
            "latency" => field("responseLatency"),
            "length" => field("responseLength"),
        },
        "error" => crate::map! {
            "message" => field("error.message"),
            "responseType" => field("error.responseType"),
        },
    };
    match v.to_json_string() {
        Value::String(s) => s,
        _ => unreachable!("the access log format is literal"),
    }
}

pub fn build(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    vpc: &VpcOutputs,
    iam: &IamOutputs,
) -> Result<WebTierOutputs, RunError> {
    let cfg = ctx.cfg;
    let stack_name = app.stack(stack).name.clone();
    app.construct(stack.node, &stack_name);

    let access_log = if cfg.enable_access_logging {
        let scope = app.construct(stack.node, "mlspace-APIGWLogGroup");
        let mut group = Resource::new(
            "AWS::Logs::LogGroup",
            crate::cdk::app::props([
                ("LogGroupName", Some(ACCESS_LOG_GROUP_NAME.into())),
                ("RetentionInDays", Some(DEFAULT_LOG_RETENTION_DAYS.into())),
            ]),
        );
        group.removal_policy(RemovalPolicy::Delete);
        let group = app.resource(scope, "Resource", group);
        Some((Value::get_att(group, "Arn"), access_log_format()))
    } else {
        None
    };

    let mut api = apigateway::rest_api(
        app,
        stack.node,
        "mlspace-api",
        RestApiProps {
            rest_api_name: "MLSpace API".into(),
            description: Some("The MLSpace API Layer.".into()),
            endpoint_types: vec!["REGIONAL".into()],
            binary_media_types: vec!["font/*".into(), "image/*".into()],
            cloud_watch_role: true,
            deploy: Some(StageOptions {
                stage_name: STAGE_NAME.into(),
                throttling_rate_limit: Some(THROTTLING_LIMIT),
                throttling_burst_limit: Some(THROTTLING_LIMIT),
                access_log,
            }),
            default_cors: Some(CorsOptions::all_origins(MLSPACE_CORS_HEADERS)),
        },
    );

    // The web app: index.html at the root, every other file through {proxy+}.
    let website_bucket = ctx.bucket_name(&cfg.website_bucket_name);
    let headers = ["Content-Length", "Content-Type", "Content-Disposition"];
    let method_responses = vec![Response {
        status_code: "200".into(),
        response_parameters: headers
            .iter()
            .map(|h| (format!("method.response.header.{h}"), true))
            .collect(),
    }];
    let integration_responses = vec![Response {
        status_code: "200".into(),
        response_parameters: headers
            .iter()
            .map(|h| {
                (
                    format!("method.response.header.{h}"),
                    format!("integration.response.header.{h}"),
                )
            })
            .collect(),
    }];
    let request_headers = ["Accept", "Content-Type", "Content-Disposition"];
    let method_request_parameters: Vec<(String, bool)> = request_headers
        .iter()
        .map(|h| (format!("method.request.header.{h}"), true))
        .collect();
    let integration_request_parameters: Vec<(String, String)> =
        ["Accept", "Content-Disposition", "Content-Type"]
            .iter()
            .map(|h| {
                (
                    format!("integration.request.header.{h}"),
                    format!("method.request.header.{h}"),
                )
            })
            .collect();
    let s3_read = |path: String, method: &str, request_parameters: Vec<(String, String)>| {
        Integration::Aws(AwsIntegration {
            service: "s3".into(),
            path,
            integration_http_method: method.into(),
            credentials_role_arn: Some(iam.s3_reader_role_arn.clone()),
            request_parameters,
            integration_responses: integration_responses.clone(),
        })
    };
    let root = api.root.clone();
    apigateway::add_method(
        app,
        &mut api,
        &root,
        "GET",
        s3_read(
            format!("{website_bucket}/index.html"),
            "GET",
            integration_request_parameters.clone(),
        ),
        MethodOptions {
            request_parameters: method_request_parameters.clone(),
            method_responses: method_responses.clone(),
            ..Default::default()
        },
    );
    let proxy = apigateway::add_resource(app, &mut api, &root, "{proxy+}");
    let mut proxy_request = integration_request_parameters.clone();
    proxy_request.push((
        "integration.request.path.proxy".into(),
        "method.request.path.proxy".into(),
    ));
    let mut proxy_method_request = method_request_parameters;
    proxy_method_request.push(("method.request.path.proxy".into(), true));
    apigateway::add_method(
        app,
        &mut api,
        &proxy,
        "GET",
        s3_read(format!("{website_bucket}/{{proxy}}"), "ANY", proxy_request),
        MethodOptions {
            request_parameters: proxy_method_request,
            method_responses,
            ..Default::default()
        },
    );

    // Layers: the JWT layer is built here, the common layer comes from mlspace-core via SSM.
    let jwt_request = LayerRequest {
        id: "jwt",
        recipe: "jwt",
        explicit_path: cfg.jwt_layer_path.as_deref(),
        runtime: &cfg.lambda_runtime,
        architecture: cfg.lambda_architecture.name(),
    };
    let jwt_code = resolve_layer(&ctx.source_root, &jwt_request, ctx.layer_builder.into())
        .map_err(|e| RunError::Asset(e.to_string()))?;
    let jwt = lambda_layer(
        app,
        stack.node,
        &LambdaLayerProps {
            layer_name: "jwt",
            identifier: None,
            runtime: &cfg.lambda_runtime,
            architecture: cfg.lambda_architecture.name(),
        },
        jwt_code,
    )
    .map_err(|e| RunError::Asset(e.to_string()))?;
    let common = common_layer(app, stack, ctx);
    let idp_endpoint = (!cfg.idp_endpoint_ssm_param.is_empty())
        .then(|| string_parameter_value(app, stack, &cfg.idp_endpoint_ssm_param));

    let lambda_code = crate::mlspace::app::lambda_code(app, ctx)?;
    let mut environment: IndexMap<String, Value> = IndexMap::new();
    let authorizer_oidc_url = idp_endpoint.clone().unwrap_or_else(|| {
        if cfg.internal_oidc_url.is_empty() {
            cfg.oidc_url.clone()
        } else {
            cfg.internal_oidc_url.clone()
        }
        .into()
    });
    environment.insert("OIDC_URL".into(), authorizer_oidc_url);
    environment.insert(
        "OIDC_CLIENT_NAME".into(),
        cfg.oidc_client_name.as_str().into(),
    );
    environment.insert(
        "OIDC_VERIFY_SSL".into(),
        if cfg.oidc_verify_ssl { "True" } else { "False" }.into(),
    );
    environment.insert(
        "OIDC_VERIFY_SIGNATURE".into(),
        if cfg.oidc_verify_signature {
            "True"
        } else {
            "False"
        }
        .into(),
    );
    for (k, v) in &cfg.additional_lambda_environment_vars {
        environment.insert(k.clone(), v.as_str().into());
    }
    if ctx.is_iso() {
        add_iso_ca_bundle(&mut environment);
    }
    let authorizer_fn = lambda::function(
        app,
        stack.node,
        "MLSpaceAuthorizerLambda",
        FunctionProps {
            runtime: cfg.lambda_runtime.clone(),
            architecture: Some(cfg.lambda_architecture.name().into()),
            handler: "ml_space_lambda.authorizer.lambda_function.lambda_handler".into(),
            function_name: Some("mls-lambda-authorizer".into()),
            description: Some("MLSpace Authentication and Authorization Lambda".into()),
            timeout_seconds: Some(AUTHORIZER_TIMEOUT_S),
            memory_size: Some(AUTHORIZER_MEMORY_MB),
            role: FunctionRole::Arn(iam.app_role_arn.clone()),
            layers: lambda::ordered_layers(app, &[(jwt.node, jwt.arn()), common]),
            environment,
            vpc: Some(vpc_placement(vpc)),
            ..FunctionProps::new(Code::Asset(lambda_code.clone(), None))
        },
    );
    let authorizer = apigateway::request_authorizer(
        app,
        stack.node,
        "MLSpaceAPIGWAuthorizer",
        &api,
        &authorizer_fn,
        &["method.request.header.Authorization"],
        0,
    );

    frontend::deploy(app, stack, ctx, &api, idp_endpoint, &website_bucket)?;

    apigateway::finish_deployment(app, &api)?;
    let api_resource = api.resource.expect("the web tier creates the API");
    Ok(WebTierOutputs {
        rest_api_id: Value::Ref(api_resource),
        root_resource_id: Value::get_att(api_resource, "RootResourceId"),
        authorizer_id: authorizer.authorizer_id(),
        lambda_code,
    })
}
