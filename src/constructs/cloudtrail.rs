//! CloudTrail: a trail into an S3 bucket.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, Value};

/// What a trail is made of (aws-cdk-lib's `cloudtrail.TrailProps`, the parts MLSpace uses).
#[derive(Debug, Clone)]
pub struct TrailProps {
    pub trail_name: String,
    pub bucket_name: Value,
    pub multi_region: bool,
    pub include_global_service_events: bool,
    pub enable_file_validation: bool,
}

/// `new cloudtrail.Trail(scope, id, props)`: `<id>/Resource`, logging, no event selectors.
pub fn trail(app: &mut App, scope: NodeId, id: &str, p: TrailProps) -> NodeId {
    let construct = app.construct(scope, id);
    let properties = props([
        (
            "EnableLogFileValidation",
            Some(p.enable_file_validation.into()),
        ),
        ("EventSelectors", Some(Value::List(Vec::new()))),
        (
            "IncludeGlobalServiceEvents",
            Some(p.include_global_service_events.into()),
        ),
        ("IsLogging", Some(true.into())),
        ("IsMultiRegionTrail", Some(p.multi_region.into())),
        ("S3BucketName", Some(p.bucket_name)),
        ("TrailName", Some(p.trail_name.into())),
    ]);
    app.resource(
        construct,
        "Resource",
        Resource::new("AWS::CloudTrail::Trail", properties),
    )
}
