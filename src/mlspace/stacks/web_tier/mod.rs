//! mlspace-web-tier: the REST API every API stack adds its routes to, the MLSpace authorizer,
//! and the web app (served from the website bucket through the API).
mod authorizer;
mod frontend;
mod website;

use crate::cdk::assets::PlannedAsset;
use crate::cdk::{App, RemovalPolicy, Resource, StackRef, Value};
use crate::constructs::apigateway::{self, CorsOptions, RestApi, RestApiProps, StageOptions};
use crate::mlspace::app::{BuildError, Ctx};

use super::apis::MLSPACE_CORS_HEADERS;
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
) -> Result<WebTierOutputs, BuildError> {
    let cfg = ctx.cfg;
    let stack_name = app.stack(stack).name.clone();
    app.construct(stack.node, &stack_name);

    let access_log = cfg
        .enable_access_logging
        .then(|| access_log_group(app, stack));
    let mut api = mlspace_api(app, stack, access_log);
    let website_bucket = ctx.bucket_name(&cfg.website_bucket_name);
    website::proxy_methods(app, &mut api, &website_bucket, &iam.s3_reader_role_arn);

    let lambda = authorizer::function(app, stack, ctx, vpc, iam)?;
    let authorizer = apigateway::request_authorizer(
        app,
        stack.node,
        "MLSpaceAPIGWAuthorizer",
        &api,
        &lambda.function,
        &["method.request.header.Authorization"],
        0,
    );

    frontend::deploy(app, stack, ctx, &api, lambda.idp_endpoint, &website_bucket)?;

    apigateway::finish_deployment(app, &api)?;
    let api_resource = api.resource.expect("the web tier creates the API");
    Ok(WebTierOutputs {
        rest_api_id: Value::Ref(api_resource),
        root_resource_id: Value::get_att(api_resource, "RootResourceId"),
        authorizer_id: authorizer.authorizer_id(),
        lambda_code: lambda.code,
    })
}

/// The API's access log group: its ARN and the log line format.
fn access_log_group(app: &mut App, stack: StackRef) -> (Value, String) {
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
    (Value::get_att(group, "Arn"), access_log_format())
}

/// The REST API every API stack adds its routes to, deployed to the `Prod` stage.
fn mlspace_api(app: &mut App, stack: StackRef, access_log: Option<(Value, String)>) -> RestApi {
    apigateway::rest_api(
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
    )
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as J};

    use super::super::testing::{app_templates, property_values, resources};

    fn web(extra: &str) -> J {
        app_templates(extra).remove("mlspace-web-tier").unwrap()
    }

    fn authorizer_env(t: &J) -> J {
        resources(t, "AWS::Lambda::Function")
            .into_values()
            .find(|f| f["Properties"]["FunctionName"] == "mls-lambda-authorizer")
            .expect("the authorizer function")["Properties"]["Environment"]["Variables"]
            .clone()
    }

    #[test]
    fn holds_the_api_its_authorizer_and_the_website_methods() {
        let t = web("");
        assert_eq!(
            property_values(&t, "AWS::ApiGateway::RestApi", "Name"),
            vec![json!("MLSpace API")]
        );
        assert_eq!(resources(&t, "AWS::ApiGateway::Authorizer").len(), 1);
        assert_eq!(
            property_values(&t, "AWS::Logs::LogGroup", "LogGroupName"),
            vec![json!(super::ACCESS_LOG_GROUP_NAME)]
        );
        let gets = resources(&t, "AWS::ApiGateway::Method")
            .into_values()
            .filter(|m| {
                m["Properties"]["HttpMethod"] == "GET"
                    && m["Properties"]["Integration"]["Type"] == "AWS"
            })
            .count();
        assert_eq!(gets, 2, "index.html and {{proxy+}}");
        let env = authorizer_env(&t);
        assert_eq!(env["OIDC_URL"], "https://idp.example.com");
        assert_eq!(env["OIDC_VERIFY_SSL"], "True");
    }

    #[test]
    fn internal_oidc_url_and_no_access_logging() {
        let t =
            web(r#""INTERNAL_OIDC_URL": "https://idp.internal", "ENABLE_ACCESS_LOGGING": false"#);
        assert_eq!(authorizer_env(&t)["OIDC_URL"], "https://idp.internal");
        assert!(resources(&t, "AWS::Logs::LogGroup").is_empty());
    }
}
