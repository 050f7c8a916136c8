//! Resources and methods of an API: `addResource`, `addMethod` with Lambda / AWS / mock
//! integrations (rendered both as the L1 and as the deployment's hash component), and the Lambda
//! permissions a Lambda integration adds.
use crate::cdk::app::props;
use crate::cdk::{concat, App, Map, NodeId, Pseudo, Resource, Value};
use crate::constructs::lambda::{self, FunctionRef, PermissionProps};
use crate::constructs::names::node_unique_id;
use crate::map;

use super::cors::{add_cors_preflight, CorsOptions};
use super::rest_api::RestApi;
use super::APIGATEWAY_SERVICE;

/// The stage name a method's test invocation runs in (its Lambda permission names it).
const TEST_INVOKE_STAGE: &str = "test-invoke-stage";

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

/// How rendered keys are spelled: as CloudFormation properties (`StatusCode`), or as the
/// deployment's hash component spells them (`statusCode`, aws-cdk-lib's L2 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keys {
    CloudFormation,
    HashComponent,
}

impl RenderedIntegration {
    fn responses(&self, keys: Keys) -> Option<Value> {
        if self.integration_responses.is_empty() {
            return None;
        }
        let (code, params) = if keys == Keys::HashComponent {
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
                    if keys == Keys::HashComponent {
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
            ("IntegrationResponses", self.responses(Keys::CloudFormation)),
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
            ("integrationResponses", self.responses(Keys::HashComponent)),
            ("credentials", self.credentials.clone()),
        ]))
    }
}

fn method_responses(responses: &[Response<bool>], keys: Keys) -> Option<Value> {
    if responses.is_empty() {
        return None;
    }
    Some(Value::List(
        responses
            .iter()
            .map(|r| {
                let mut m = Map::new();
                if keys == Keys::HashComponent {
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
    let rendered = render_integration(app, api, resource, node, &http_method, integration);
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
            method_responses(&options.method_responses, Keys::CloudFormation),
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
            ("methodResponses", method_responses(&options.method_responses, Keys::HashComponent)),
        ])),
    };
    api.add_hash_component(app, component, method);
    method
}

/// The method's integration: a Lambda proxy (with its invoke permissions), an AWS service,
/// or a mock.
fn render_integration(
    app: &mut App,
    api: &RestApi,
    resource: &ApiResource,
    node: NodeId,
    http_method: &str,
    integration: Integration,
) -> RenderedIntegration {
    let env = app.stack(app.stack_ref(node)).env.clone();
    let service_uri = |service: &str, path: &str| {
        concat([
            Value::from("arn:"),
            Pseudo::Partition.into(),
            format!(":apigateway:{}:{service}:path/{path}", env.region).into(),
        ])
    };
    match integration {
        Integration::Lambda(function) => {
            add_lambda_permissions(app, api, resource, node, http_method, function);
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
    }
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
        &permission_id(&api_uid, http_method, &dotted, Invoker::Deployed),
        PermissionProps::service(APIGATEWAY_SERVICE).source_arn(deployed),
    );
    let test = api.arn_for_execute_api(app, http_method, &resource.path, Some(TEST_INVOKE_STAGE));
    lambda::add_permission(
        app,
        function,
        method,
        &permission_id(&api_uid, http_method, &dotted, Invoker::ConsoleTest),
        PermissionProps::service(APIGATEWAY_SERVICE).source_arn(test),
    );
}

/// Who a Lambda permission lets invoke a method's function: the deployed API, or the
/// console's test invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invoker {
    Deployed,
    ConsoleTest,
}

/// `ApiPermission[.Test].<api unique id>.<METHOD>.<path with / as .>`.
pub fn permission_id(
    api_unique_id: &str,
    http_method: &str,
    dotted_path: &str,
    invoker: Invoker,
) -> String {
    let test = match invoker {
        Invoker::Deployed => "",
        Invoker::ConsoleTest => "Test.",
    };
    format!("ApiPermission.{test}{api_unique_id}.{http_method}.{dotted_path}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::logical_id::make_unique_id;

    #[test]
    fn permission_ids_keep_the_double_dot() {
        assert_eq!(
            permission_id(
                "mlspaceadminapisRestApi29D72AA3",
                "GET",
                "/user".replace('/', ".").as_str(),
                Invoker::Deployed
            ),
            "ApiPermission.mlspaceadminapisRestApi29D72AA3.GET..user"
        );
        assert_eq!(
            permission_id("x", "DELETE", ".user.{username}", Invoker::ConsoleTest),
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
}
