//! mlspace-iam: the roles and managed policies of MLSpace.
//! (Being completed: issue "mlspace-vpc and mlspace-iam at parity".)
use crate::cdk::{App, StackRef, Value};
use crate::mlspace::app::Ctx;

use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;

/// Roles and policies as the other stacks see them (ARNs; created here or configured).
#[derive(Debug, Clone, Default)]
pub struct IamOutputs {
    pub notebook_role_arn: Value,
    pub app_role_arn: Value,
    pub system_role_arn: Value,
    pub s3_reader_role_arn: Value,
    pub endpoint_config_instance_constraint_policy_arn: Option<Value>,
    pub job_instance_constraint_policy_arn: Option<Value>,
    pub kms_instance_conditions_policy_arn: Option<Value>,
    pub permissions_boundary_arn: Option<Value>,
    pub emr_service_role_name: Value,
    pub emr_ec2_role_name: Value,
}

pub fn build(app: &mut App, stack: StackRef, _ctx: &Ctx, _vpc: &VpcOutputs, _kms: &KmsOutputs) -> IamOutputs {
    app.construct(stack.node, "mlspace-iam");
    IamOutputs::default()
}
