//! Roles: new (with their trust and default policy) or imported by ARN.
use std::cell::RefCell;
use std::rc::Rc;

use crate::cdk::app::props;
use crate::cdk::logical_id::make_unique_id;
use crate::cdk::value::{Map, Value};
use crate::cdk::{App, NodeId, Resource};

use super::{document, Principal, Renderer, Statement, MAX_POLICY_NAME_LEN};
/// What a new role is made of (aws-cdk-lib's `RoleProps`, the parts MLSpace uses).
#[derive(Debug, Clone, Default)]
pub struct RoleProps {
    /// One trust statement per principal (merged into one when minimizing).
    pub assumed_by: Vec<Principal>,
    pub managed_policy_arns: Vec<Value>,
    pub role_name: Option<Value>,
    pub description: Option<String>,
    /// Inline policies (`Policies`), by name, in the order given.
    pub inline_policies: Vec<(String, Vec<Statement>)>,
    pub path: Option<String>,
    pub permissions_boundary: Option<Value>,
    pub max_session_duration: Option<u32>,
}

/// A role other constructs use: one created here, or an existing one referenced by ARN.
#[derive(Debug, Clone)]
pub struct RoleRef {
    /// The role's construct (a created role's `Resource` and `DefaultPolicy` live below it, so
    /// depending on it depends on both, as a Lambda function does on its role).
    pub node: NodeId,
    /// The `AWS::IAM::Role` resource; `None` for an imported role.
    pub resource: Option<NodeId>,
    pub arn: Value,
    pub name: Value,
    default_policy: Rc<RefCell<Vec<Statement>>>,
}

impl RoleRef {
    pub fn is_imported(&self) -> bool {
        self.resource.is_none()
    }
    /// `<role>/DefaultPolicy`, once a statement has been added.
    pub fn default_policy(&self, app: &App) -> Option<NodeId> {
        app.tree.child(self.node, "DefaultPolicy")
    }
}

/// `new iam.Role(scope, id, props)`: an `AWS::IAM::Role` at `<id>/Resource`.
pub fn role(app: &mut App, scope: NodeId, id: &str, p: RoleProps) -> RoleRef {
    let node = app.construct(scope, id);
    let trust: Vec<Statement> = p
        .assumed_by
        .iter()
        .map(|pr| Statement::allow(&[pr.assume_role_action()]).principal(pr.clone()))
        .collect();
    let renderer = Renderer::new(app, scope);
    let mut managed: Vec<Value> = Vec::new();
    for arn in p.managed_policy_arns {
        if !managed.contains(&arn) {
            managed.push(arn);
        }
    }
    let policies: Vec<Value> = p
        .inline_policies
        .iter()
        .map(|(name, statements)| crate::map! { "PolicyDocument" => renderer.document(statements), "PolicyName" => name.as_str() })
        .collect();
    let properties = props([
        ("AssumeRolePolicyDocument", Some(renderer.document(&trust))),
        ("Description", p.description.map(Value::from)),
        (
            "ManagedPolicyArns",
            (!managed.is_empty()).then(|| Value::List(managed)),
        ),
        (
            "MaxSessionDuration",
            p.max_session_duration.map(Value::from),
        ),
        ("Path", p.path.map(Value::from)),
        ("PermissionsBoundary", p.permissions_boundary),
        (
            "Policies",
            (!policies.is_empty()).then(|| Value::List(policies)),
        ),
        ("RoleName", p.role_name),
    ]);
    let resource = app.resource(
        node,
        "Resource",
        Resource::new("AWS::IAM::Role", properties),
    );
    RoleRef {
        node,
        resource: Some(resource),
        arn: Value::get_att(resource, "Arn"),
        name: Value::Ref(resource),
        default_policy: Rc::default(),
    }
}

/// `Role.fromRoleArn(scope, id, arn)` for a configured ARN: a construct without resources. The
/// name is the ARN's last path component.
pub fn imported_role(app: &mut App, scope: NodeId, id: &str, arn: &str) -> RoleRef {
    let node = app.construct(scope, id);
    let name = arn.rsplit(['/', ':']).next().unwrap_or(arn).to_string();
    RoleRef {
        node,
        resource: None,
        arn: arn.into(),
        name: name.into(),
        default_policy: Rc::default(),
    }
}

/// `role.addToPrincipalPolicy(statement)`: creates or extends `<role>/DefaultPolicy/Resource`.
/// Returns false for an imported role, which is left alone (compat: MLSpace grants nothing to
/// the roles it imports).
pub fn add_to_principal_policy(app: &mut App, role: &RoleRef, statement: Statement) -> bool {
    let Some(role_resource) = role.resource else {
        return false;
    };
    role.default_policy.borrow_mut().push(statement);
    let policy_node = match app.tree.child(role.node, "DefaultPolicy") {
        Some(n) => n,
        None => app.construct(role.node, "DefaultPolicy"),
    };
    let document = document(app, role.node, &role.default_policy.borrow());
    match app.tree.child(policy_node, "Resource") {
        Some(res) => {
            app.resource_mut(res)
                .properties
                .insert("PolicyDocument".into(), document);
        }
        None => {
            let res = app.resource(
                policy_node,
                "Resource",
                Resource::new("AWS::IAM::Policy", Map::new()),
            );
            let name = policy_name(&make_unique_id(&app.tree.path_below_stack(res)));
            let properties = props([
                ("PolicyDocument", Some(document)),
                ("PolicyName", Some(name.into())),
                ("Roles", Some(Value::List(vec![Value::Ref(role_resource)]))),
            ]);
            app.resource_mut(res).properties = properties;
        }
    }
    true
}

/// compat: a generated policy name is the end of the policy resource's logical id.
pub fn policy_name(logical_id: &str) -> String {
    let start = logical_id.len().saturating_sub(MAX_POLICY_NAME_LEN);
    logical_id[start..].to_string()
}
