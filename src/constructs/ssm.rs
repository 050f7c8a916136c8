//! SSM: a String parameter.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, Value};

/// `new ssm.StringParameter(scope, id, {parameterName, stringValue})`: `<id>/Resource`.
pub fn string_parameter(
    app: &mut App,
    scope: NodeId,
    id: &str,
    name: &str,
    value: Value,
) -> NodeId {
    let construct = app.construct(scope, id);
    let properties = props([
        ("Name", Some(name.into())),
        ("Type", Some("String".into())),
        ("Value", Some(value)),
    ]);
    app.resource(
        construct,
        "Resource",
        Resource::new("AWS::SSM::Parameter", properties),
    )
}
