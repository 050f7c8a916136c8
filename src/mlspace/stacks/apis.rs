//! The API stacks: each adds its Lambda functions and routes to the shared REST API.
//! (Being completed: issue "mlspace-web-tier, the eleven API stacks and mlspace-api-deployment".)
use crate::cdk::{App, StackRef};
use crate::mlspace::app::Ctx;
use crate::mlspace::run::RunError;

use super::iam::IamOutputs;
use super::vpc::VpcOutputs;
use super::web_tier::WebTierOutputs;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Admin,
    Datasets,
    Inference,
    Jobs,
    Notebooks,
    Projects,
    Emr,
    AppConfiguration,
    Groups,
    GroupMembershipHistory,
    Translate,
}

pub struct ApiInputs<'a> {
    pub vpc: &'a VpcOutputs,
    pub iam: &'a IamOutputs,
    pub web: &'a WebTierOutputs,
}

pub fn build(app: &mut App, stack: StackRef, _ctx: &Ctx, _kind: ApiKind, inputs: &ApiInputs) -> Result<(), RunError> {
    let _ = inputs;
    let name = app.stack(stack).name.clone();
    app.construct(stack.node, &name);
    Ok(())
}
