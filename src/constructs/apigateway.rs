//! API Gateway REST APIs as aws-cdk-lib's `RestApi` renders them: the API, its CloudWatch role
//! and account, the automatic deployment (whose logical id carries a content hash) and stage,
//! resources, methods with Lambda / AWS / mock integrations, CORS preflight, request
//! authorizers, and the Lambda permissions a Lambda integration adds.
//!
//! ```ignore
//! let mut api = apigateway::rest_api(app, stack.node, "api", RestApiProps { .. });
//! let users = apigateway::add_resource(app, &mut api, &api.root.clone(), "user");
//! apigateway::add_method(app, &mut api, &users, "GET", Integration::Lambda(&f), MethodOptions::default());
//! apigateway::finish_deployment(app, &api)?; // after the last method: fixes the deployment's logical id
//! ```
use md5::{Digest, Md5};

use crate::cdk::app::props;
use crate::cdk::logical_id::make_unique_id;
use crate::cdk::synth::{render_resource, render_value, SynthError};
use crate::cdk::{concat, App, Map, NodeId, Output, Pseudo, RemovalPolicy, Resource, Value};
use crate::map;

use super::iam::{self, Principal, RoleProps};
use super::lambda::{self, FunctionRef, PermissionProps};
use super::names::node_unique_id;

/// compat: the headers aws-cdk-lib's `Cors.DEFAULT_HEADERS` allows.
pub const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
];
/// compat: `Cors.ALL_METHODS`.
pub const ALL_METHODS: &[&str] = &["OPTIONS", "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"];
const APIGATEWAY_SERVICE: &str = "apigateway.amazonaws.com";
/// The stage name a method's test invocation runs in (its Lambda permission names it).
const TEST_INVOKE_STAGE: &str = "test-invoke-stage";

/// A CORS preflight (`OPTIONS`) as `addCorsPreflight` builds it (the options MLSpace uses).
#[derive(Debug, Clone, PartialEq)]
pub struct CorsOptions {
    pub allow_origins: Vec<String>,
    /// Empty: [`DEFAULT_CORS_HEADERS`].
    pub allow_headers: Vec<String>,
    /// Empty: [`ALL_METHODS`].
    pub allow_methods: Vec<String>,
    pub status_code: u16,
}

impl CorsOptions {
    /// All origins, the default headers plus `extra_headers`, all methods.
    pub fn all_origins(extra_headers: &[&str]) -> Self {
        CorsOptions {
            allow_origins: vec!["*".into()],
            allow_headers: DEFAULT_CORS_HEADERS
                .iter()
                .chain(extra_headers)
                .map(|h| h.to_string())
                .collect(),
            allow_methods: Vec::new(),
            status_code: 204,
        }
    }

    /// The response headers, in the order aws-cdk-lib adds them.
    fn headers(&self) -> Vec<(String, String)> {
        let headers: Vec<String> = if self.allow_headers.is_empty() {
            DEFAULT_CORS_HEADERS.iter().map(|h| h.to_string()).collect()
        } else {
            self.allow_headers.clone()
        };
        let mut out = vec![(
            "Access-Control-Allow-Headers".to_string(),
            format!("'{}'", headers.join(",")),
        )];
        let origin = self
            .allow_origins
            .first()
            .cloned()
            .unwrap_or_else(|| "*".into());
        out.push(("Access-Control-Allow-Origin".into(), format!("'{origin}'")));
        if origin != "*" {
            out.push(("Vary".into(), "'Origin'".into()));
        }
        let methods: Vec<String> =
            if self.allow_methods.is_empty() || self.allow_methods.iter().any(|m| m == "ANY") {
                ALL_METHODS.iter().map(|m| m.to_string()).collect()
            } else {
                self.allow_methods.clone()
            };
        out.push((
            "Access-Control-Allow-Methods".into(),
            format!("'{}'", methods.join(",")),
        ));
        out
    }
}

/// Stage settings of the automatic deployment.
#[derive(Debug, Clone)]
pub struct StageOptions {
    pub stage_name: String,
    pub throttling_rate_limit: Option<u32>,
    pub throttling_burst_limit: Option<u32>,
    /// The log group ARN and the access log format.
    pub access_log: Option<(Value, String)>,
}

#[derive(Debug, Clone)]
pub struct RestApiProps {
    pub rest_api_name: String,
    pub description: Option<String>,
    pub endpoint_types: Vec<String>,
    pub binary_media_types: Vec<String>,
    /// Create `CloudWatchRole` and the `Account` that uses it (aws-cdk-lib's default).
    pub cloud_watch_role: bool,
    /// `deploy: true` with these stage options; `None`: no deployment.
    pub deploy: Option<StageOptions>,
    /// Preflight on the root and, inherited, on every resource below it.
    pub default_cors: Option<CorsOptions>,
}

/// A resource of an API (the root included).
#[derive(Debug, Clone)]
pub struct ApiResource {
    /// The resource's construct (`Default` for the root), parent of its methods.
    pub node: NodeId,
    pub resource_id: Value,
    /// `/` for the root, else `/a/{b}`.
    pub path: String,
    pub default_cors: Option<CorsOptions>,
}

/// The automatic deployment and what its logical id is hashed from.
#[derive(Debug, Clone)]
struct Deployment {
    resource: NodeId,
    /// camelCase hash components in the order they were added, each rendered at the end.
    components: Vec<Value>,
}

/// A REST API: created here, or imported by id (as every MLSpace API stack does).
#[derive(Debug, Clone)]
pub struct RestApi {
    pub node: NodeId,
    /// The `AWS::ApiGateway::RestApi`; `None` for an imported API.
    pub resource: Option<NodeId>,
    pub rest_api_id: Value,
    pub root: ApiResource,
    /// The deployment stage's resource and name, when the API deploys itself.
    pub stage: Option<(NodeId, String)>,
    deployment: Option<Deployment>,
}

impl RestApi {
    /// `api.url`: `https://<id>.execute-api.<region>.<suffix>/<stage>/`.
    pub fn url(&self, app: &App) -> Option<Value> {
        let (stage, _) = self.stage.clone()?;
        let region = app.stack(app.stack_ref(self.node)).env.region.clone();
        Some(concat([
            Value::from("https://"),
            self.rest_api_id.clone(),
            format!(".execute-api.{region}.").into(),
            Pseudo::UrlSuffix.into(),
            "/".into(),
            Value::Ref(stage),
            "/".into(),
        ]))
    }

    /// `arnForExecuteApi(method, path, stage)` (stage `*` when the API has none).
    pub fn arn_for_execute_api(
        &self,
        app: &App,
        method: &str,
        path: &str,
        stage: Option<&str>,
    ) -> Value {
        let env = &app.stack(app.stack_ref(self.node)).env;
        let stage = stage
            .map(str::to_string)
            .or_else(|| self.stage.as_ref().map(|(_, n)| n.clone()))
            .unwrap_or_else(|| "*".into());
        let method = if method.eq_ignore_ascii_case("ANY") {
            "*".to_string()
        } else {
            method.to_string()
        };
        concat([
            Value::from("arn:"),
            Pseudo::Partition.into(),
            format!(":execute-api:{}:{}:", env.region, env.account).into(),
            self.rest_api_id.clone(),
            format!("/{stage}/{method}{}", path_for_arn(path)).into(),
        ])
    }

    fn add_hash_component(&mut self, app: &mut App, component: Value, depends: NodeId) {
        if let Some(d) = &mut self.deployment {
            d.components.push(component);
            app.add_depends_on(d.resource, depends);
        }
    }
}

/// compat: path parameters (`{id}`, `{proxy+}`) stand as `*` in execute-api ARNs.
pub fn path_for_arn(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('*');
            }
            '}' if in_param => in_param = false,
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// `new apigateway.RestApi(scope, id, props)`.
pub fn rest_api(app: &mut App, scope: NodeId, id: &str, p: RestApiProps) -> RestApi {
    let node = app.construct(scope, id);
    let strings = |v: &[String]| (!v.is_empty()).then(|| Value::list(v.iter().cloned()));
    let properties = props([
        ("BinaryMediaTypes", strings(&p.binary_media_types)),
        ("Description", p.description.clone().map(Value::from)),
        (
            "EndpointConfiguration",
            (!p.endpoint_types.is_empty())
                .then(|| map! { "Types" => Value::list(p.endpoint_types.iter().cloned()) }),
        ),
        ("Name", Some(p.rest_api_name.clone().into())),
    ]);
    let resource = app.resource(
        node,
        "Resource",
        Resource::new("AWS::ApiGateway::RestApi", properties),
    );
    let rest_api_id = Value::Ref(resource);

    let account = p.cloud_watch_role.then(|| {
        let role = iam::role(
            app,
            node,
            "CloudWatchRole",
            RoleProps {
                assumed_by: vec![Principal::service(APIGATEWAY_SERVICE)],
                managed_policy_arns: vec![iam::aws_managed_policy(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                )],
                ..Default::default()
            },
        );
        let role_resource = role.resource.expect("a created role has a resource");
        app.resource_mut(role_resource)
            .removal_policy(RemovalPolicy::Retain);
        let mut account = Resource::new(
            "AWS::ApiGateway::Account",
            props([("CloudWatchRoleArn", Some(role.arn.clone()))]),
        );
        account.removal_policy(RemovalPolicy::Retain);
        account.depends_on.push(resource);
        app.resource(node, "Account", account)
    });

    let mut deployment = None;
    let mut stage = None;
    if let Some(options) = &p.deploy {
        let scope = app.construct(node, "Deployment");
        let mut d = Resource::new(
            "AWS::ApiGateway::Deployment",
            props([
                ("Description", p.description.clone().map(Value::from)),
                ("RestApiId", Some(rest_api_id.clone())),
            ]),
        );
        d.metadata
            .insert("aws:cdk:do-not-refactor".into(), true.into());
        let d = app.resource(scope, "Resource", d);
        deployment = Some(Deployment {
            resource: d,
            components: Vec::new(),
        });

        let stage_scope = app.construct(node, &format!("DeploymentStage.{}", options.stage_name));
        let method_settings = (options.throttling_rate_limit.is_some()
            || options.throttling_burst_limit.is_some())
        .then(|| {
            Value::List(vec![Value::Map(props([
                ("DataTraceEnabled", Some(false.into())),
                ("HttpMethod", Some("*".into())),
                ("ResourcePath", Some("/*".into())),
                (
                    "ThrottlingBurstLimit",
                    options.throttling_burst_limit.map(Value::from),
                ),
                (
                    "ThrottlingRateLimit",
                    options.throttling_rate_limit.map(Value::from),
                ),
            ]))])
        });
        let properties = props([
            (
                "AccessLogSetting",
                options
                    .access_log
                    .as_ref()
                    .map(|(arn, format)| map! { "DestinationArn" => arn.clone(), "Format" => format.as_str() }),
            ),
            ("DeploymentId", Some(Value::Ref(d))),
            ("MethodSettings", method_settings),
            ("RestApiId", Some(rest_api_id.clone())),
            ("StageName", Some(options.stage_name.clone().into())),
        ]);
        let mut s = Resource::new("AWS::ApiGateway::Stage", properties);
        if let Some(account) = account {
            s.depends_on.push(account);
        }
        let s = app.resource(stage_scope, "Resource", s);
        stage = Some((s, options.stage_name.clone()));
    }

    let placeholder = ApiResource {
        node,
        resource_id: Value::Null,
        path: "/".into(),
        default_cors: None,
    };
    let mut api = RestApi {
        node,
        resource: Some(resource),
        rest_api_id,
        root: placeholder,
        stage,
        deployment,
    };
    if let Some(url) = api.url(app) {
        // compat: the endpoint output comes before the root resource in the tree.
        app.output(
            node,
            "Endpoint",
            Output {
                value: url,
                description: None,
                export_name: None,
                condition: None,
            },
        );
    }
    let root_node = app.construct(node, "Default");
    api.root = ApiResource {
        node: root_node,
        resource_id: Value::get_att(resource, "RootResourceId"),
        path: "/".into(),
        default_cors: p.default_cors.clone(),
    };
    if let Some(cors) = p.default_cors {
        let root = api.root.clone();
        add_cors_preflight(app, &mut api, &root, &cors);
    }
    api
}

/// `RestApi.fromRestApiAttributes(scope, id, {restApiId, rootResourceId})`: resources and
/// methods are added to an API created elsewhere; there is no deployment and no stage.
pub fn imported_rest_api(
    app: &mut App,
    scope: NodeId,
    id: &str,
    rest_api_id: Value,
    root_resource_id: Value,
) -> RestApi {
    let node = app.construct(scope, id);
    let root_node = app.construct(node, "Default");
    let root = ApiResource {
        node: root_node,
        resource_id: root_resource_id,
        path: "/".into(),
        default_cors: None,
    };
    RestApi {
        node,
        resource: None,
        rest_api_id,
        root,
        stage: None,
        deployment: None,
    }
}

/// `parent.addResource(pathPart)`: `<parent>/<pathPart>/Resource`, with the parent's default
/// preflight when it has one.
pub fn add_resource(
    app: &mut App,
    api: &mut RestApi,
    parent: &ApiResource,
    path_part: &str,
) -> ApiResource {
    let node = app.construct(parent.node, path_part);
    let properties = props([
        ("ParentId", Some(parent.resource_id.clone())),
        ("PathPart", Some(path_part.into())),
        ("RestApiId", Some(api.rest_api_id.clone())),
    ]);
    let resource = app.resource(
        node,
        "Resource",
        Resource::new("AWS::ApiGateway::Resource", properties),
    );
    let component = map! {
        "resource" => map! {
            "restApiId" => api.rest_api_id.clone(),
            "parentId" => parent.resource_id.clone(),
            "pathPart" => path_part,
        },
    };
    api.add_hash_component(app, component, resource);
    let path = if parent.path == "/" {
        format!("/{path_part}")
    } else {
        format!("{}/{path_part}", parent.path)
    };
    let child = ApiResource {
        node,
        resource_id: Value::Ref(resource),
        path,
        default_cors: parent.default_cors.clone(),
    };
    if let Some(cors) = child.default_cors.clone() {
        add_cors_preflight(app, api, &child, &cors);
    }
    child
}

/// One integration response or method response: status code and response parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Response<T> {
    pub status_code: String,
    pub response_parameters: Vec<(String, T)>,
}

/// An AWS service integration (`AwsIntegration`), e.g. S3 reads through a role.
#[derive(Debug, Clone)]
pub struct AwsIntegration {
    pub service: String,
    /// `path/<value>` style API: the path after `path/`.
    pub path: String,
    pub integration_http_method: String,
    pub credentials_role_arn: Option<Value>,
    pub request_parameters: Vec<(String, String)>,
    pub integration_responses: Vec<Response<String>>,
}

/// What a method calls.
#[derive(Debug, Clone)]
pub enum Integration<'a> {
    /// `LambdaIntegration(handler)`: proxy integration; the API may invoke the function.
    Lambda(&'a FunctionRef),
    Aws(AwsIntegration),
    /// The preflight's mock integration.
    Mock {
        request_templates: Vec<(String, String)>,
        integration_responses: Vec<Response<String>>,
    },
}

/// Method options (the parts MLSpace uses).
#[derive(Debug, Clone, Default)]
pub struct MethodOptions {
    /// `NONE`, `CUSTOM`, ...; with an authorizer it defaults to `CUSTOM`, else `NONE`.
    pub authorization_type: Option<String>,
    pub authorizer_id: Option<Value>,
    pub api_key_required: Option<bool>,
    pub request_parameters: Vec<(String, bool)>,
    pub method_responses: Vec<Response<bool>>,
}

fn string_map(pairs: &[(String, String)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
            .collect(),
    )
}

fn bool_map(pairs: &[(String, bool)]) -> Value {
    Value::Map(
        pairs
            .iter()
            .map(|(k, v)| (k.clone(), Value::Bool(*v)))
            .collect(),
    )
}

/// An integration's pieces, kept once and rendered both as the L1 (alphabetical keys) and as
/// the deployment hash component (aws-cdk-lib's camelCase insertion order).
struct RenderedIntegration {
    kind: &'static str,
    uri: Option<Value>,
    integration_http_method: Option<String>,
    request_parameters: Option<Value>,
    request_templates: Option<Value>,
    integration_responses: Vec<Response<String>>,
    credentials: Option<Value>,
}

impl RenderedIntegration {
    fn responses(&self, camel: bool) -> Option<Value> {
        if self.integration_responses.is_empty() {
            return None;
        }
        let (code, params) = if camel {
            ("statusCode", "responseParameters")
        } else {
            ("StatusCode", "ResponseParameters")
        };
        Some(Value::List(
            self.integration_responses
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    let p = string_map(&r.response_parameters);
                    if camel {
                        m.insert(code.into(), r.status_code.clone().into());
                        m.insert(params.into(), p);
                    } else {
                        m.insert(params.into(), p);
                        m.insert(code.into(), r.status_code.clone().into());
                    }
                    Value::Map(m)
                })
                .collect(),
        ))
    }

    fn l1(&self) -> Value {
        Value::Map(props([
            ("Credentials", self.credentials.clone()),
            (
                "IntegrationHttpMethod",
                self.integration_http_method.clone().map(Value::from),
            ),
            ("IntegrationResponses", self.responses(false)),
            ("RequestParameters", self.request_parameters.clone()),
            ("RequestTemplates", self.request_templates.clone()),
            ("Type", Some(self.kind.into())),
            ("Uri", self.uri.clone()),
        ]))
    }

    fn component(&self) -> Value {
        Value::Map(props([
            ("type", Some(self.kind.into())),
            ("uri", self.uri.clone()),
            (
                "integrationHttpMethod",
                self.integration_http_method.clone().map(Value::from),
            ),
            ("requestParameters", self.request_parameters.clone()),
            ("requestTemplates", self.request_templates.clone()),
            ("integrationResponses", self.responses(true)),
            ("credentials", self.credentials.clone()),
        ]))
    }
}

fn method_responses(responses: &[Response<bool>], camel: bool) -> Option<Value> {
    if responses.is_empty() {
        return None;
    }
    Some(Value::List(
        responses
            .iter()
            .map(|r| {
                let mut m = Map::new();
                if camel {
                    m.insert("statusCode".into(), r.status_code.clone().into());
                    m.insert(
                        "responseParameters".into(),
                        bool_map(&r.response_parameters),
                    );
                } else {
                    m.insert(
                        "ResponseParameters".into(),
                        bool_map(&r.response_parameters),
                    );
                    m.insert("StatusCode".into(), r.status_code.clone().into());
                }
                Value::Map(m)
            })
            .collect(),
    ))
}

/// `resource.addMethod(httpMethod, integration, options)`: `<resource>/<METHOD>/Resource`.
pub fn add_method(
    app: &mut App,
    api: &mut RestApi,
    resource: &ApiResource,
    http_method: &str,
    integration: Integration,
    options: MethodOptions,
) -> NodeId {
    let http_method = http_method.to_uppercase();
    let node = app.construct(resource.node, &http_method);
    let env = app.stack(app.stack_ref(node)).env.clone();
    let service_uri = |service: &str, path: &str| {
        concat([
            Value::from("arn:"),
            Pseudo::Partition.into(),
            format!(":apigateway:{}:{service}:path/{path}", env.region).into(),
        ])
    };
    let rendered = match integration {
        Integration::Lambda(function) => {
            add_lambda_permissions(app, api, resource, node, &http_method, function);
            RenderedIntegration {
                kind: "AWS_PROXY",
                uri: Some(concat([
                    service_uri("lambda", "2015-03-31/functions/"),
                    function.arn(),
                    "/invocations".into(),
                ])),
                integration_http_method: Some("POST".into()),
                request_parameters: None,
                request_templates: None,
                integration_responses: Vec::new(),
                credentials: None,
            }
        }
        Integration::Aws(a) => RenderedIntegration {
            kind: "AWS",
            uri: Some(service_uri(&a.service, &a.path)),
            integration_http_method: Some(a.integration_http_method),
            request_parameters: (!a.request_parameters.is_empty())
                .then(|| string_map(&a.request_parameters)),
            request_templates: None,
            integration_responses: a.integration_responses,
            credentials: a.credentials_role_arn,
        },
        Integration::Mock {
            request_templates,
            integration_responses,
        } => RenderedIntegration {
            kind: "MOCK",
            uri: None,
            integration_http_method: None,
            request_parameters: None,
            request_templates: (!request_templates.is_empty())
                .then(|| string_map(&request_templates)),
            integration_responses,
            credentials: None,
        },
    };
    let authorization_type = options.authorization_type.clone().unwrap_or_else(|| {
        if options.authorizer_id.is_some() {
            "CUSTOM".into()
        } else {
            "NONE".into()
        }
    });
    let request_parameters =
        (!options.request_parameters.is_empty()).then(|| bool_map(&options.request_parameters));
    let properties = props([
        ("ApiKeyRequired", options.api_key_required.map(Value::from)),
        ("AuthorizationType", Some(authorization_type.clone().into())),
        ("AuthorizerId", options.authorizer_id.clone()),
        ("HttpMethod", Some(http_method.clone().into())),
        ("Integration", Some(rendered.l1())),
        (
            "MethodResponses",
            method_responses(&options.method_responses, false),
        ),
        ("RequestParameters", request_parameters.clone()),
        ("ResourceId", Some(resource.resource_id.clone())),
        ("RestApiId", Some(api.rest_api_id.clone())),
    ]);
    let method = app.resource(
        node,
        "Resource",
        Resource::new("AWS::ApiGateway::Method", properties),
    );
    // compat: aws-cdk-lib also hashes an `integrationToken` for Lambda functions with a
    // literal name; a function's name is always a reference here, so it is never present.
    let component = map! {
        "method" => Value::Map(props([
            ("resourceId", Some(resource.resource_id.clone())),
            ("restApiId", Some(api.rest_api_id.clone())),
            ("httpMethod", Some(http_method.into())),
            ("apiKeyRequired", options.api_key_required.map(Value::from)),
            ("authorizationType", Some(authorization_type.into())),
            ("authorizerId", options.authorizer_id),
            ("requestParameters", request_parameters),
            ("integration", Some(rendered.component())),
            ("methodResponses", method_responses(&options.method_responses, true)),
        ])),
    };
    api.add_hash_component(app, component, method);
    method
}

/// The two permissions a Lambda integration adds under its method: the deployed API and the
/// console's test invocation may invoke the function.
fn add_lambda_permissions(
    app: &mut App,
    api: &RestApi,
    resource: &ApiResource,
    method: NodeId,
    http_method: &str,
    function: &FunctionRef,
) {
    let api_uid = node_unique_id(app, api.node);
    let dotted = resource.path.replace('/', ".");
    let deployed = api.arn_for_execute_api(app, http_method, &resource.path, None);
    lambda::add_permission(
        app,
        function,
        method,
        &permission_id(&api_uid, http_method, &dotted, false),
        PermissionProps::service(APIGATEWAY_SERVICE).source_arn(deployed),
    );
    let test = api.arn_for_execute_api(app, http_method, &resource.path, Some(TEST_INVOKE_STAGE));
    lambda::add_permission(
        app,
        function,
        method,
        &permission_id(&api_uid, http_method, &dotted, true),
        PermissionProps::service(APIGATEWAY_SERVICE).source_arn(test),
    );
}

/// `ApiPermission[.Test].<api unique id>.<METHOD>.<path with / as .>`.
pub fn permission_id(
    api_unique_id: &str,
    http_method: &str,
    dotted_path: &str,
    test: bool,
) -> String {
    let test = if test { "Test." } else { "" };
    format!("ApiPermission.{test}{api_unique_id}.{http_method}.{dotted_path}")
}

/// `resource.addCorsPreflight(options)`: an `OPTIONS` method with a mock integration.
pub fn add_cors_preflight(
    app: &mut App,
    api: &mut RestApi,
    resource: &ApiResource,
    cors: &CorsOptions,
) -> NodeId {
    let headers = cors.headers();
    let status = cors.status_code.to_string();
    let integration_params: Vec<(String, String)> = headers
        .iter()
        .map(|(h, v)| (format!("method.response.header.{h}"), v.clone()))
        .collect();
    let method_params: Vec<(String, bool)> = headers
        .iter()
        .map(|(h, _)| (format!("method.response.header.{h}"), true))
        .collect();
    add_method(
        app,
        api,
        resource,
        "OPTIONS",
        Integration::Mock {
            request_templates: vec![("application/json".into(), "{ statusCode: 200 }".into())],
            integration_responses: vec![Response {
                status_code: status.clone(),
                response_parameters: integration_params,
            }],
        },
        MethodOptions {
            authorization_type: Some("NONE".into()),
            authorizer_id: None,
            api_key_required: Some(false),
            request_parameters: Vec::new(),
            method_responses: vec![Response {
                status_code: status,
                response_parameters: method_params,
            }],
        },
    )
}

/// The deployment's logical id: its normal id plus the MD5 of every hash component and of the
/// API's own template entry (aws-cdk-lib's `addToLogicalId`). Call once every resource and
/// method of the API exists; it fixes the id on the deployment resource and returns it.
pub fn finish_deployment(app: &mut App, api: &RestApi) -> Result<Option<String>, SynthError> {
    let (Some(d), Some(api_resource)) = (&api.deployment, api.resource) else {
        return Ok(None);
    };
    let stack = app.stack_ref(api.node).index;
    let path = app.tree.path(d.resource).joined();
    let mut text = String::new();
    for component in &d.components {
        text.push_str(&crate::cdk::json::to_compact(&render_value(
            app, stack, component, &path,
        )?));
    }
    let api_lid = make_unique_id(&app.tree.path_below_stack(api_resource));
    let api_path = app.tree.path(api_resource).joined();
    let entry = render_resource(
        app,
        stack,
        api_resource,
        app.resource_ref(api_resource),
        &api_path,
    )?;
    text.push_str(&crate::cdk::json::to_compact(
        &serde_json::json!({ "Resources": { api_lid: entry } }),
    ));
    let hash: String = Md5::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let id = format!(
        "{}{hash}",
        make_unique_id(&app.tree.path_below_stack(d.resource))
    );
    app.override_logical_id(d.resource, &id);
    Ok(Some(id))
}

/// A request authorizer backed by a Lambda function (`RequestAuthorizer`), attached to `api`.
#[derive(Debug, Clone)]
pub struct RequestAuthorizer {
    pub node: NodeId,
    pub resource: NodeId,
}

impl RequestAuthorizer {
    /// The authorizer id methods refer to.
    pub fn authorizer_id(&self) -> Value {
        Value::Ref(self.resource)
    }
}

/// `new RequestAuthorizer(scope, id, {handler, resultsCacheTtl, identitySources})` attached to
/// `api`; the API may invoke the handler (a permission under the handler named after the
/// authorizer).
pub fn request_authorizer(
    app: &mut App,
    scope: NodeId,
    id: &str,
    api: &RestApi,
    handler: &FunctionRef,
    identity_sources: &[&str],
    results_cache_ttl_seconds: u32,
) -> RequestAuthorizer {
    let node = app.construct(scope, id);
    let name = node_unique_id(app, node);
    let arn = handler.arn();
    let arn_part = |i: u32| Value::select(i, Value::split(":", arn.clone()));
    let uri = concat([
        Value::from("arn:"),
        arn_part(1),
        ":apigateway:".into(),
        arn_part(3),
        ":lambda:path/2015-03-31/functions/".into(),
        arn.clone(),
        "/invocations".into(),
    ]);
    let properties = props([
        (
            "AuthorizerResultTtlInSeconds",
            Some(results_cache_ttl_seconds.into()),
        ),
        ("AuthorizerUri", Some(uri)),
        ("IdentitySource", Some(identity_sources.join(",").into())),
        ("Name", Some(name.clone().into())),
        ("RestApiId", Some(api.rest_api_id.clone())),
        ("Type", Some("REQUEST".into())),
    ]);
    let resource = app.resource(
        node,
        "Resource",
        Resource::new("AWS::ApiGateway::Authorizer", properties),
    );
    let env = app.stack(app.stack_ref(node)).env.clone();
    let source_arn = concat([
        Value::from("arn:"),
        Pseudo::Partition.into(),
        format!(":execute-api:{}:{}:", env.region, env.account).into(),
        api.rest_api_id.clone(),
        "/authorizers/".into(),
        Value::Ref(resource),
    ]);
    lambda::add_permission(
        app,
        handler,
        handler.node,
        &format!("{name}:Permissions"),
        PermissionProps::service(APIGATEWAY_SERVICE).source_arn(source_arn),
    );
    RequestAuthorizer { node, resource }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api_with(extra_method: bool) -> (App, RestApi) {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            crate::cdk::Environment {
                account: "1".into(),
                region: "us-east-1".into(),
            },
            Vec::new(),
        );
        let mut api = rest_api(
            &mut app,
            s.node,
            "api",
            RestApiProps {
                rest_api_name: "n".into(),
                description: None,
                endpoint_types: vec!["REGIONAL".into()],
                binary_media_types: Vec::new(),
                cloud_watch_role: true,
                deploy: Some(StageOptions {
                    stage_name: "Prod".into(),
                    throttling_rate_limit: None,
                    throttling_burst_limit: None,
                    access_log: None,
                }),
                default_cors: Some(CorsOptions::all_origins(&[])),
            },
        );
        let root = api.root.clone();
        let child = add_resource(&mut app, &mut api, &root, "{proxy+}");
        if extra_method {
            let mock = Integration::Mock {
                request_templates: Vec::new(),
                integration_responses: Vec::new(),
            };
            add_method(
                &mut app,
                &mut api,
                &child,
                "GET",
                mock,
                MethodOptions::default(),
            );
        }
        (app, api)
    }

    #[test]
    fn deployment_id_hashes_the_api_content() {
        let (mut app, api) = api_with(false);
        let plain = finish_deployment(&mut app, &api).unwrap().unwrap();
        assert!(plain.starts_with("apiDeployment"), "{plain}");
        let suffix = &plain[plain.len() - 32..];
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{plain}"
        );
        // Same content, same id; one more method, another id.
        let (mut again, api_again) = api_with(false);
        assert_eq!(
            finish_deployment(&mut again, &api_again).unwrap().unwrap(),
            plain
        );
        let (mut more, api_more) = api_with(true);
        assert_ne!(
            finish_deployment(&mut more, &api_more).unwrap().unwrap(),
            plain
        );
        // The deployment depends on both preflights, the resource and (in `more`) the method.
        let d = api_more.deployment.as_ref().unwrap().resource;
        assert_eq!(more.resource_ref(d).depends_on.len(), 4);
    }

    #[test]
    fn imported_api_has_no_deployment() {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            crate::cdk::Environment {
                account: "1".into(),
                region: "r".into(),
            },
            Vec::new(),
        );
        let api = imported_rest_api(&mut app, s.node, "RestApi", "id".into(), "root".into());
        assert_eq!(finish_deployment(&mut app, &api).unwrap(), None);
        assert_eq!(
            api.arn_for_execute_api(&app, "ANY", "/a/{b}", None),
            concat([
                Value::from("arn:"),
                Pseudo::Partition.into(),
                ":execute-api:r:1:id/*/*/a/*".into()
            ])
        );
    }

    #[test]
    fn arn_paths_replace_parameters() {
        assert_eq!(
            path_for_arn("/user/{username}/projects"),
            "/user/*/projects"
        );
        assert_eq!(path_for_arn("/{proxy+}"), "/*");
        assert_eq!(path_for_arn("/"), "/");
    }

    #[test]
    fn permission_ids_keep_the_double_dot() {
        assert_eq!(
            permission_id(
                "mlspaceadminapisRestApi29D72AA3",
                "GET",
                "/user".replace('/', ".").as_str(),
                false
            ),
            "ApiPermission.mlspaceadminapisRestApi29D72AA3.GET..user"
        );
        assert_eq!(
            permission_id("x", "DELETE", ".user.{username}", true),
            "ApiPermission.Test.x.DELETE..user.{username}"
        );
        // The logical id aws-cdk-lib gives the first one (CDK-FACTS section 3).
        let lid = make_unique_id(&[
            "RestApi",
            "Default",
            "user",
            "GET",
            "ApiPermission.mlspaceadminapisRestApi29D72AA3.GET..user",
        ]);
        assert_eq!(
            lid,
            "RestApiuserGETApiPermissionmlspaceadminapisRestApi29D72AA3GETuserCE76694F"
        );
    }

    #[test]
    fn cors_headers_follow_the_options() {
        let h = CorsOptions::all_origins(&["x-a"]).headers();
        assert_eq!(
            h[0].1,
            "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,x-a'"
        );
        assert_eq!(h[1].1, "'*'");
        assert_eq!(
            h[2],
            (
                "Access-Control-Allow-Methods".into(),
                "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'".into()
            )
        );
        let mut specific = CorsOptions::all_origins(&[]);
        specific.allow_origins = vec!["https://a".into()];
        assert_eq!(specific.headers()[2].0, "Vary");
    }
}
