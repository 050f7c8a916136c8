//! mlspace-vpc: the network every MLSpace Lambda runs in (new, or an existing VPC looked up).
//! (Being completed: issue "mlspace-vpc and mlspace-iam at parity".)
use crate::cdk::{App, StackRef, Value};
use crate::mlspace::app::Ctx;

/// The network as the other stacks see it.
#[derive(Debug, Clone)]
pub struct VpcOutputs {
    pub vpc_id: Value,
    /// Subnets the Lambda functions are placed in (the private subnets).
    pub lambda_subnet_ids: Vec<Value>,
    /// The security group the Lambda functions use (the VPC's default group).
    pub security_group_id: Value,
}

pub fn build(app: &mut App, stack: StackRef, _ctx: &Ctx) -> VpcOutputs {
    app.construct(stack.node, "mlspace-vpc");
    VpcOutputs { vpc_id: Value::Null, lambda_subnet_ids: Vec::new(), security_group_id: Value::Null }
}
