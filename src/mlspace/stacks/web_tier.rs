//! mlspace-web-tier: the REST API, its authorizer and the web app.
//! (Being completed: issue "mlspace-web-tier, the eleven API stacks and mlspace-api-deployment".)
use crate::cdk::{App, Resource, StackRef, Value};
use crate::mlspace::app::Ctx;
use crate::mlspace::run::RunError;

use super::iam::IamOutputs;
use super::vpc::VpcOutputs;

/// The shared REST API as the API stacks see it.
#[derive(Debug, Clone)]
pub struct WebTierOutputs {
    pub rest_api_id: Value,
    pub root_resource_id: Value,
    pub authorizer_id: Value,
}

pub fn build(app: &mut App, stack: StackRef, _ctx: &Ctx, _vpc: &VpcOutputs, _iam: &IamOutputs) -> Result<WebTierOutputs, RunError> {
    let api_scope = app.construct(stack.node, "mlspace-api");
    let api = app.resource(api_scope, "Resource", Resource::new("AWS::ApiGateway::RestApi", crate::cdk::app::props([("Name", Some("mlspace-api".into()))])));
    Ok(WebTierOutputs { rest_api_id: Value::Ref(api), root_resource_id: Value::get_att(api, "RootResourceId"), authorizer_id: Value::Null })
}
