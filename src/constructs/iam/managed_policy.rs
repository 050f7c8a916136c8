//! Managed policies: new, imported by ARN or name, and AWS managed ones.
use crate::cdk::app::props;
use crate::cdk::value::{concat, Pseudo, Value};
use crate::cdk::{App, NodeId, Resource};

use super::{document, Statement};
#[derive(Debug, Clone, Default)]
pub struct ManagedPolicyProps {
    pub statements: Vec<Statement>,
    pub managed_policy_name: Option<Value>,
    /// compat: aws-cdk-lib writes `""` when no description is given.
    pub description: Option<String>,
    pub path: Option<String>,
    /// Names of roles the policy is attached to (`Roles`).
    pub roles: Vec<Value>,
}

/// A managed policy: created here, or an existing one referenced by ARN or name.
#[derive(Debug, Clone)]
pub struct ManagedPolicyRef {
    pub node: NodeId,
    pub resource: Option<NodeId>,
    pub arn: Value,
}

/// `new iam.ManagedPolicy(scope, id, props)`: an `AWS::IAM::ManagedPolicy` at `<id>/Resource`.
pub fn managed_policy(
    app: &mut App,
    scope: NodeId,
    id: &str,
    p: ManagedPolicyProps,
) -> ManagedPolicyRef {
    let node = app.construct(scope, id);
    let doc = document(app, scope, &p.statements);
    let properties = props([
        (
            "Description",
            Some(p.description.unwrap_or_default().into()),
        ),
        ("ManagedPolicyName", p.managed_policy_name),
        ("Path", Some(p.path.unwrap_or_else(|| "/".into()).into())),
        ("PolicyDocument", Some(doc)),
        ("Roles", (!p.roles.is_empty()).then(|| Value::List(p.roles))),
    ]);
    let resource = app.resource(
        node,
        "Resource",
        Resource::new("AWS::IAM::ManagedPolicy", properties),
    );
    ManagedPolicyRef {
        node,
        resource: Some(resource),
        arn: Value::Ref(resource),
    }
}

/// `ManagedPolicy.fromManagedPolicyArn(scope, id, arn)`.
pub fn imported_managed_policy(
    app: &mut App,
    scope: NodeId,
    id: &str,
    arn: &str,
) -> ManagedPolicyRef {
    let node = app.construct(scope, id);
    ManagedPolicyRef {
        node,
        resource: None,
        arn: arn.into(),
    }
}

/// `ManagedPolicy.fromManagedPolicyName(scope, id, name)`: `arn:<partition>:iam::<account>:policy/<name>`.
pub fn managed_policy_from_name(
    app: &mut App,
    scope: NodeId,
    id: &str,
    account: &str,
    name: &str,
) -> ManagedPolicyRef {
    let node = app.construct(scope, id);
    ManagedPolicyRef {
        node,
        resource: None,
        arn: customer_policy_arn(account, name),
    }
}

/// The ARN of a customer managed policy, partition resolved at deploy time.
pub fn customer_policy_arn(account: &str, name: &str) -> Value {
    concat([
        "arn:".into(),
        Value::Pseudo(Pseudo::Partition),
        format!(":iam::{account}:policy/{name}").into(),
    ])
}

/// `ManagedPolicy.fromAwsManagedPolicyName(name)`: `arn:<partition>:iam::aws:policy/<name>`.
pub fn aws_managed_policy(name: &str) -> Value {
    concat([
        "arn:".into(),
        Value::Pseudo(Pseudo::Partition),
        format!(":iam::aws:policy/{name}").into(),
    ])
}
