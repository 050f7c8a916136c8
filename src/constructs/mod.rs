//! Reusable AWS constructs on top of the core: what aws-cdk-lib's L2 classes do for MLSpace.
//! They know CloudFormation and AWS, not MLSpace.
pub mod iam;
