//! Which resource types take tags, and in which shape.
//!
//! compat: `Tags.of(scope).add` only reaches resources whose L1 class is taggable in
//! aws-cdk-lib 2.212.0; this table lists the ones MLSpace creates (checked against the
//! reference templates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagFormat {
    /// `[{"Key": k, "Value": v}]`
    List,
    /// `{k: v}`
    Map,
}

pub fn tag_format(resource_type: &str) -> Option<TagFormat> {
    const LIST: &[&str] = &[
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Stage",
        "AWS::CloudTrail::Trail",
        "AWS::DynamoDB::Table",
        "AWS::EC2::EIP",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::NatGateway",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::Subnet",
        "AWS::EC2::VPC",
        "AWS::EC2::VPCEndpoint",
        "AWS::IAM::Role",
        "AWS::KMS::Key",
        "AWS::Lambda::Function",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
        "AWS::SNS::Topic",
    ];
    const MAP: &[&str] = &["AWS::SSM::Parameter"];
    if LIST.contains(&resource_type) {
        Some(TagFormat::List)
    } else if MAP.contains(&resource_type) {
        Some(TagFormat::Map)
    } else {
        None
    }
}
