//! SNS: a topic and its subscriptions.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, Value};

/// `new sns.Topic(scope, id)`: `<id>/Resource`.
pub fn topic(app: &mut App, scope: NodeId, id: &str) -> NodeId {
    let construct = app.construct(scope, id);
    app.resource(
        construct,
        "Resource",
        Resource::new("AWS::SNS::Topic", Default::default()),
    )
}

/// `new sns.Subscription(scope, id, {topic, endpoint, protocol: EMAIL})`: `<id>/Resource`.
pub fn email_subscription(app: &mut App, scope: NodeId, id: &str, topic: NodeId, email: &str) {
    let construct = app.construct(scope, id);
    let properties = props([
        ("Endpoint", Some(email.into())),
        ("Protocol", Some("email".into())),
        ("TopicArn", Some(Value::Ref(topic))),
    ]);
    app.resource(
        construct,
        "Resource",
        Resource::new("AWS::SNS::Subscription", properties),
    );
}
