//! IAM: policy documents from typed statements, roles, default policies and managed policies.
//!
//! Documents are rendered the way aws-cdk-lib renders them with `@aws-cdk/aws-iam:minimizePolicies`
//! on (MLSpace's cdk.json sets it): statements that differ in only one of actions, resources or
//! principals are merged, then actions, resources and principal values are sorted by their JSON
//! text and one-element lists collapse to the element. Conditions are never reordered.
use crate::cdk::value::{concat, Map, Pseudo, Value};
use crate::cdk::{App, NodeId};

mod managed_policy;
mod role;

pub use managed_policy::{
    aws_managed_policy, customer_policy_arn, imported_managed_policy, managed_policy,
    managed_policy_from_name, ManagedPolicyProps, ManagedPolicyRef,
};
pub use role::{add_to_principal_policy, imported_role, policy_name, role, RoleProps, RoleRef};

/// The feature flag that turns statement merging and sorting on.
pub const MINIMIZE_POLICIES_FLAG: &str = "@aws-cdk/aws-iam:minimizePolicies";
/// compat: IAM policy names are at most 128 characters; aws-cdk-lib keeps the end of the logical id.
const MAX_POLICY_NAME_LEN: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// A principal, rendered as `{"<kind>": value}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub kind: &'static str,
    pub value: Value,
}

impl Principal {
    pub fn aws(value: impl Into<Value>) -> Self {
        Principal {
            kind: "AWS",
            value: value.into(),
        }
    }
    pub fn service(name: &str) -> Self {
        Principal {
            kind: "Service",
            value: name.into(),
        }
    }
    pub fn federated(value: impl Into<Value>) -> Self {
        Principal {
            kind: "Federated",
            value: value.into(),
        }
    }
    /// `arn:<partition>:iam::<account>:root`.
    pub fn account(account: &str) -> Self {
        Principal::aws(concat([
            "arn:".into(),
            Value::Pseudo(Pseudo::Partition),
            format!(":iam::{account}:root").into(),
        ]))
    }
    /// The action a role's trust policy grants this principal.
    pub fn assume_role_action(&self) -> &'static str {
        match self.kind {
            "Federated" => "sts:AssumeRoleWithWebIdentity",
            _ => "sts:AssumeRole",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub effect: Effect,
    pub actions: Vec<String>,
    pub resources: Vec<Value>,
    pub principals: Vec<Principal>,
    /// `{"<operator>": {"<key>": value}}`, rendered as given.
    pub conditions: Option<Value>,
    pub sid: Option<String>,
}

impl Statement {
    pub fn allow<S: AsRef<str>>(actions: &[S]) -> Self {
        Statement {
            effect: Effect::Allow,
            actions: actions.iter().map(|a| a.as_ref().to_string()).collect(),
            resources: Vec::new(),
            principals: Vec::new(),
            conditions: None,
            sid: None,
        }
    }
    pub fn deny<S: AsRef<str>>(actions: &[S]) -> Self {
        Statement {
            effect: Effect::Deny,
            ..Statement::allow(actions)
        }
    }
    pub fn on<V: Into<Value>, I: IntoIterator<Item = V>>(mut self, resources: I) -> Self {
        self.resources.extend(resources.into_iter().map(Into::into));
        self
    }
    pub fn on_all(self) -> Self {
        self.on(["*"])
    }
    pub fn principal(mut self, p: Principal) -> Self {
        self.principals.push(p);
        self
    }
    /// Add conditions `{"<operator>": {"<key>": value}}`; an operator given twice merges its keys.
    pub fn condition(mut self, conditions: Value) -> Self {
        let Value::Map(new) = conditions else {
            self.conditions = Some(conditions);
            return self;
        };
        let mut merged = match self.conditions.take() {
            Some(Value::Map(m)) => m,
            _ => Map::new(),
        };
        for (op, v) in new {
            match (merged.get_mut(&op), v) {
                (Some(Value::Map(existing)), Value::Map(add)) => existing.extend(add),
                (_, v) => {
                    merged.insert(op, v);
                }
            }
        }
        self.conditions = Some(Value::Map(merged));
        self
    }
    pub fn sid(mut self, sid: &str) -> Self {
        self.sid = Some(sid.to_string());
        self
    }

    /// The statement alone (no merging), sorted as with minimizePolicies; literal values only
    /// sort exactly (see [`Renderer`]).
    pub fn render(&self) -> Value {
        Renderer::detached(true).statement(self)
    }
}

/// How documents are rendered: whether to minimize, and how to find the JSON text of a
/// deploy-time value (the sort key aws-cdk-lib uses, known only once references resolve).
pub struct Renderer<'a> {
    minimize: bool,
    resolve: Option<(&'a App, usize)>,
}

impl<'a> Renderer<'a> {
    /// Render for a template of the stack that holds `scope`, with the app's minimize flag.
    pub fn new(app: &'a App, scope: NodeId) -> Self {
        let stack = app.stack_ref(scope).index;
        Renderer {
            minimize: minimize_policies(app),
            resolve: Some((app, stack)),
        }
    }
    /// Without an app: references sort by a stand-in key (exact only for literals and pseudo
    /// parameters).
    pub fn detached(minimize: bool) -> Self {
        Renderer {
            minimize,
            resolve: None,
        }
    }

    /// `{"Statement": [...], "Version": "2012-10-17"}`.
    pub fn document(&self, statements: &[Statement]) -> Value {
        let statements = if self.minimize {
            merge_statements(statements.to_vec())
        } else {
            statements.to_vec()
        };
        let mut seen = Vec::new();
        let mut rendered = Vec::new();
        for s in &statements {
            let v = self.statement(s);
            let key = self.sort_key(&v);
            if !seen.contains(&key) {
                seen.push(key);
                rendered.push(v);
            }
        }
        crate::map! { "Statement" => Value::List(rendered), "Version" => "2012-10-17" }
    }

    /// compat: keys in the order aws-cdk-lib writes them (Action, Condition, Effect, Principal,
    /// Resource, Sid).
    pub fn statement(&self, s: &Statement) -> Value {
        let mut m = Map::new();
        if let Some(v) = self.list(s.actions.iter().map(|a| Value::String(a.clone())).collect()) {
            m.insert("Action".into(), v);
        }
        if let Some(c) = s
            .conditions
            .as_ref()
            .filter(|c| !matches!(c, Value::Map(m) if m.is_empty()))
        {
            m.insert("Condition".into(), c.clone());
        }
        m.insert("Effect".into(), s.effect.as_str().into());
        if !s.principals.is_empty() {
            let mut kinds: Vec<&str> = Vec::new();
            for p in &s.principals {
                if !kinds.contains(&p.kind) {
                    kinds.push(p.kind);
                }
            }
            if self.minimize {
                kinds.sort();
            }
            let mut pm = Map::new();
            for kind in kinds {
                let values: Vec<Value> = s
                    .principals
                    .iter()
                    .filter(|p| p.kind == kind)
                    .map(|p| p.value.clone())
                    .collect();
                if let Some(v) = self.list(values) {
                    pm.insert(kind.to_string(), v);
                }
            }
            m.insert("Principal".into(), Value::Map(pm));
        }
        if let Some(v) = self.list(s.resources.clone()) {
            m.insert("Resource".into(), v);
        }
        if let Some(sid) = &s.sid {
            m.insert("Sid".into(), sid.clone().into());
        }
        Value::Map(m)
    }

    /// Distinct values; sorted by JSON text when minimizing; one element collapses.
    fn list(&self, items: Vec<Value>) -> Option<Value> {
        let mut keyed: Vec<(String, Value)> = Vec::new();
        for v in items {
            let key = self.sort_key(&v);
            if !keyed.iter().any(|(k, _)| *k == key) {
                keyed.push((key, v));
            }
        }
        if self.minimize {
            // compat: JavaScript's default sort compares UTF-16 code units.
            keyed.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
        }
        let mut values: Vec<Value> = keyed.into_iter().map(|(_, v)| v).collect();
        match values.len() {
            0 => None,
            1 => values.pop(),
            _ => Some(Value::List(values)),
        }
    }

    /// The JSON text the value resolves to in the template.
    fn sort_key(&self, v: &Value) -> String {
        if let Some((app, stack)) = self.resolve {
            if let Ok(j) = crate::cdk::synth::render_value(app, stack, v, "") {
                return crate::cdk::json::to_compact(&j);
            }
        }
        crate::cdk::json::to_compact(&detached_json(v))
    }
}

/// A JSON stand-in for a value when no app is at hand: references become `{"Ref": "#<node>"}`.
fn detached_json(v: &Value) -> serde_json::Value {
    use serde_json::{json, Value as J};
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => J::Number(n.clone()),
        Value::String(s) => J::String(s.clone()),
        Value::List(items) => J::Array(items.iter().map(detached_json).collect()),
        Value::Map(m) => J::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), detached_json(v)))
                .collect(),
        ),
        Value::Ref(n) => json!({"Ref": format!("#{}", n.0)}),
        Value::GetAtt(n, a) => json!({"Fn::GetAtt": [format!("#{}", n.0), a]}),
        Value::Pseudo(p) => json!({"Ref": p.name()}),
        Value::Join(d, items) => {
            json!({"Fn::Join": [d, items.iter().map(detached_json).collect::<Vec<_>>()]})
        }
        Value::Sub(s, _) => json!({"Fn::Sub": s}),
        Value::Select(i, l) => json!({"Fn::Select": [i, detached_json(l)]}),
        Value::Split(d, s) => json!({"Fn::Split": [d, detached_json(s)]}),
        Value::ImportValue(n) => json!({"Fn::ImportValue": detached_json(n)}),
        Value::Intrinsic(name, arg) => {
            let mut m = serde_json::Map::new();
            m.insert((*name).to_string(), detached_json(arg));
            J::Object(m)
        }
    }
}

/// Whether the app's context turns policy minimization on (aws-cdk-lib's default is off).
pub fn minimize_policies(app: &App) -> bool {
    app.context
        .get(MINIMIZE_POLICIES_FLAG)
        .is_some_and(|v| v.as_bool() == Some(true) || v.as_str() == Some("true"))
}

/// A document minimized as MLSpace's flags ask, without an app (exact for literal values and
/// pseudo parameters; use [`document`] when statements hold references).
pub fn policy_document(statements: &[Statement]) -> Value {
    Renderer::detached(true).document(statements)
}

/// A document for a resource under `scope`, rendered as the app's feature flags ask.
pub fn document(app: &App, scope: NodeId, statements: &[Statement]) -> Value {
    Renderer::new(app, scope).document(statements)
}

// ---------------------------------------------------------------------------------------------
// Statement merging (minimizePolicies)

/// compat: aws-cdk-lib's merge: repeat passes; in each, statement i absorbs every later statement
/// it can combine with.
fn merge_statements(mut s: Vec<Statement>) -> Vec<Statement> {
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < s.len() {
            let mut j = i + 1;
            while j < s.len() {
                match combine(&s[i], &s[j]) {
                    Some(m) => {
                        s[i] = m;
                        s.remove(j);
                        changed = true;
                    }
                    None => j += 1,
                }
            }
            i += 1;
        }
        if !changed {
            return s;
        }
    }
}

/// Two statements combine when effect and conditions agree, neither has a sid, and at least two
/// of (actions, resources, principals) are equal as sets.
fn combine(a: &Statement, b: &Statement) -> Option<Statement> {
    let no_conditions = |c: &Option<Value>| {
        c.clone()
            .filter(|c| !matches!(c, Value::Map(m) if m.is_empty()))
    };
    if a.effect != b.effect
        || a.sid.is_some()
        || b.sid.is_some()
        || no_conditions(&a.conditions) != no_conditions(&b.conditions)
    {
        return None;
    }
    let equal = [
        set_eq(&a.actions, &b.actions),
        set_eq(&a.resources, &b.resources),
        set_eq(&a.principals, &b.principals),
    ];
    if equal.iter().filter(|e| **e).count() < 2 {
        return None;
    }
    let mut actions = union(&a.actions, &b.actions);
    actions.sort();
    Some(Statement {
        effect: a.effect,
        actions,
        resources: union(&a.resources, &b.resources),
        principals: union(&a.principals, &b.principals),
        conditions: a.conditions.clone(),
        sid: None,
    })
}

fn set_eq<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

fn union<T: PartialEq + Clone>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in a.iter().chain(b) {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::logical_id::make_unique_id;
    use crate::cdk::Environment;

    fn render(statements: &[Statement]) -> serde_json::Value {
        detached_json(&policy_document(statements))
    }

    #[test]
    fn merges_statements_differing_in_one_part_and_sorts() {
        let doc = render(&[
            Statement::allow(&["s3:PutObject", "s3:GetObject"]).on(["arn:b"]),
            Statement::allow(&["s3:GetObject", "s3:PutObject"]).on(["arn:a"]),
            Statement::allow(&["kms:Decrypt"]).on(["*"]),
        ]);
        assert_eq!(
            doc,
            serde_json::json!({"Statement": [
                {"Action": ["s3:GetObject", "s3:PutObject"], "Effect": "Allow", "Resource": ["arn:a", "arn:b"]},
                {"Action": "kms:Decrypt", "Effect": "Allow", "Resource": "*"}
            ], "Version": "2012-10-17"})
        );
    }

    #[test]
    fn conditions_and_sids_keep_statements_apart() {
        let cond = crate::map! { "Bool" => crate::map! { "aws:SecureTransport" => "false" } };
        let doc = render(&[
            Statement::allow(&["a:X"]).on(["r"]),
            Statement::allow(&["a:Y"]).on(["r"]).condition(cond),
            Statement::allow(&["a:Z"]).on(["r"]).sid("Z"),
        ]);
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 3);
        assert_eq!(
            doc["Statement"][1]["Condition"]["Bool"]["aws:SecureTransport"],
            "false"
        );
    }

    #[test]
    fn trust_principals_merge_by_kind_sorted() {
        let doc = render(&[
            Statement::allow(&["sts:AssumeRole"])
                .principal(Principal::service("translate.amazonaws.com")),
            Statement::allow(&["sts:AssumeRole"])
                .principal(Principal::service("lambda.amazonaws.com")),
        ]);
        assert_eq!(
            doc["Statement"][0]["Principal"],
            serde_json::json!({"Service": ["lambda.amazonaws.com", "translate.amazonaws.com"]})
        );
    }

    #[test]
    fn without_minimizing_order_is_kept() {
        let v = Renderer::detached(false).document(&[
            Statement::allow(&["b:B", "a:A", "b:B"]).on(["z", "a"]),
            Statement::allow(&["c:C"]).on(["z", "a"]),
        ]);
        let j = detached_json(&v);
        assert_eq!(
            j["Statement"][0]["Action"],
            serde_json::json!(["b:B", "a:A"])
        );
        assert_eq!(j["Statement"][0]["Resource"], serde_json::json!(["z", "a"]));
        assert_eq!(j["Statement"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn literal_resources_sort_before_intrinsics() {
        let arn = concat([
            "arn:".into(),
            Value::Pseudo(Pseudo::Partition),
            ":s3:::b".into(),
        ]);
        let doc =
            render(&[Statement::allow(&["s3:GetObject"]).on([arn, Value::from("arn:aws:s3:::a")])]);
        assert_eq!(doc["Statement"][0]["Resource"][0], "arn:aws:s3:::a");
    }

    #[test]
    fn default_policy_is_created_once_and_named_after_its_logical_id() {
        let mut ctx = serde_json::Map::new();
        ctx.insert(MINIMIZE_POLICIES_FLAG.into(), serde_json::Value::Bool(true));
        let mut app = App::new(ctx);
        let stack = app.add_stack(
            "s",
            Environment {
                account: "1".into(),
                region: "r".into(),
            },
            Vec::new(),
        );
        let fun = app.construct(stack.node, "Fn");
        let r = role(
            &mut app,
            fun,
            "ServiceRole",
            RoleProps {
                assumed_by: vec![Principal::service("lambda.amazonaws.com")],
                ..Default::default()
            },
        );
        assert!(add_to_principal_policy(
            &mut app,
            &r,
            Statement::allow(&["s3:GetObject"]).on(["a"])
        ));
        assert!(add_to_principal_policy(
            &mut app,
            &r,
            Statement::allow(&["s3:PutObject"]).on(["a"])
        ));
        let policy = app
            .tree
            .child(r.default_policy(&app).unwrap(), "Resource")
            .unwrap();
        let res = app.resource_ref(policy);
        assert_eq!(
            res.properties["PolicyName"],
            Value::from(make_unique_id(&[
                "Fn",
                "ServiceRole",
                "DefaultPolicy",
                "Resource"
            ]))
        );
        let doc = detached_json(&res.properties["PolicyDocument"]);
        assert_eq!(
            doc["Statement"][0]["Action"],
            serde_json::json!(["s3:GetObject", "s3:PutObject"])
        );
        let imported = imported_role(
            &mut app,
            stack.node,
            "Existing",
            "arn:aws:iam::1:role/path/my-role",
        );
        assert_eq!(imported.name, Value::from("my-role"));
        assert!(!add_to_principal_policy(
            &mut app,
            &imported,
            Statement::allow(&["s3:GetObject"]).on(["a"])
        ));
    }

    #[test]
    fn policy_names_keep_the_last_128_characters() {
        let long = "A".repeat(100) + &"B".repeat(100);
        assert_eq!(policy_name(&long), "A".repeat(28) + &"B".repeat(100));
    }
}
