//! EventBridge rules with Lambda targets, rendered as aws-cdk-lib's `events.Rule`.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, Value};
use crate::map;

/// When a rule fires.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// `ScheduleExpression`, e.g. from [`rate_minutes`] or [`cron`].
    Schedule(String),
    /// `EventPattern`, keys as EventBridge spells them (`detail-type`), in the order given.
    Pattern(Value),
}

/// `Schedule.rate(Duration.minutes(m))`: the largest whole unit among days, hours, minutes.
/// Returns `None` for zero, which EventBridge rejects.
pub fn rate_minutes(minutes: u64) -> Option<String> {
    let (n, unit) = match minutes {
        0 => return None,
        m if m % (24 * 60) == 0 => (m / (24 * 60), "day"),
        m if m % 60 == 0 => (m / 60, "hour"),
        m => (m, "minute"),
    };
    Some(format!("rate({n} {unit}{})", if n == 1 { "" } else { "s" }))
}

/// `Schedule.cron({minute, hour})`: every day at that time (UTC).
pub fn cron(minute: &str, hour: &str) -> String {
    format!("cron({minute} {hour} * * ? *)")
}

/// `new events.Rule(scope, id, {ruleName, schedule | eventPattern})` at `<id>/Resource`; returns
/// the rule's construct and resource.
pub fn rule(
    app: &mut App,
    scope: NodeId,
    id: &str,
    name: Option<&str>,
    trigger: Trigger,
) -> (NodeId, NodeId) {
    let construct = app.construct(scope, id);
    let (schedule, pattern) = match trigger {
        Trigger::Schedule(s) => (Some(Value::from(s)), None),
        Trigger::Pattern(p) => (None, Some(p)),
    };
    let properties = props([
        ("EventPattern", pattern),
        ("Name", name.map(Value::from)),
        ("ScheduleExpression", schedule),
        ("State", Some("ENABLED".into())),
    ]);
    let resource = app.resource(
        construct,
        "Resource",
        Resource::new("AWS::Events::Rule", properties),
    );
    (construct, resource)
}

/// `rule.addTarget(new LambdaFunction(fn))`: the target `Target<n>` and a permission for
/// EventBridge to invoke the function, named after the function's unique id, under the rule.
pub fn add_lambda_target(app: &mut App, rule: (NodeId, NodeId), function: NodeId) {
    let (construct, resource) = rule;
    let entry = app
        .resource_mut(resource)
        .properties
        .entry("Targets".to_string())
        .or_insert_with(|| Value::List(Vec::new()));
    let Value::List(targets) = entry else {
        unreachable!("Targets is always a list")
    };
    let id = format!("Target{}", targets.len());
    targets.push(map! { "Arn" => Value::get_att(function, "Arn"), "Id" => id });
    // compat: one permission per function and rule, named `AllowEventRule<function unique id>`.
    let permission_id = super::names::function_scoped_id(app, "AllowEventRule", function);
    if app.tree.child(construct, &permission_id).is_none() {
        let permission = Resource::new(
            "AWS::Lambda::Permission",
            props([
                ("Action", Some("lambda:InvokeFunction".into())),
                ("FunctionName", Some(Value::get_att(function, "Arn"))),
                ("Principal", Some("events.amazonaws.com".into())),
                ("SourceArn", Some(Value::get_att(resource, "Arn"))),
            ]),
        );
        app.resource(construct, &permission_id, permission);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_use_the_largest_whole_unit() {
        assert_eq!(rate_minutes(60).as_deref(), Some("rate(1 hour)"));
        assert_eq!(rate_minutes(30).as_deref(), Some("rate(30 minutes)"));
        assert_eq!(rate_minutes(1).as_deref(), Some("rate(1 minute)"));
        assert_eq!(rate_minutes(120).as_deref(), Some("rate(2 hours)"));
        assert_eq!(rate_minutes(1440).as_deref(), Some("rate(1 day)"));
        assert_eq!(rate_minutes(0), None);
        assert_eq!(cron("45", "2"), "cron(45 2 * * ? *)");
    }
}
