//! Reusable AWS constructs on top of the core: what aws-cdk-lib's L2 classes do for MLSpace.
//! They know CloudFormation and AWS, not MLSpace.
pub mod apigateway;
pub mod assets;
pub mod cloudtrail;
pub mod custom_resources;
pub mod dynamodb;
pub mod ec2;
pub mod events;
pub mod handlers;
pub mod iam;
pub mod kms;
pub mod lambda;
pub mod names;
pub mod s3;
pub mod s3_deployment;
pub mod sns;
pub mod ssm;
