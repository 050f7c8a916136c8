//! Request authorizers backed by a Lambda function.
use crate::cdk::app::props;
use crate::cdk::{concat, App, NodeId, Pseudo, Resource, Value};
use crate::constructs::lambda::{self, FunctionRef, PermissionProps};
use crate::constructs::names::node_unique_id;

use super::rest_api::RestApi;
use super::APIGATEWAY_SERVICE;

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
