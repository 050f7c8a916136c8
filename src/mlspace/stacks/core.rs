//! mlspace-core: the state MLSpace keeps (tables, buckets, trail) and its system Lambdas.
//! (Being completed: issue "mlspace-core at parity".)
use crate::cdk::{App, StackRef};
use crate::mlspace::app::Ctx;
use crate::mlspace::run::RunError;

use super::iam::IamOutputs;
use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;

pub fn build(app: &mut App, stack: StackRef, _ctx: &Ctx, _vpc: &VpcOutputs, _kms: &KmsOutputs, _iam: &IamOutputs) -> Result<(), RunError> {
    app.construct(stack.node, "mlspace-core");
    Ok(())
}
