//! IAM policy documents from typed statements.
use crate::cdk::value::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A principal, rendered as `{"<kind>": value}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub kind: &'static str,
    pub value: Value,
}

impl Principal {
    pub fn aws(value: impl Into<Value>) -> Self {
        Principal { kind: "AWS", value: value.into() }
    }
    pub fn service(name: &str) -> Self {
        Principal { kind: "Service", value: name.into() }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    pub effect: Effect,
    pub actions: Vec<String>,
    pub resources: Vec<Value>,
    pub principals: Vec<Principal>,
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
        Statement { effect: Effect::Deny, ..Statement::allow(actions) }
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
    pub fn condition(mut self, conditions: Value) -> Self {
        self.conditions = Some(conditions);
        self
    }

    /// The statement's JSON, keys and single-element collapsing as aws-cdk-lib renders it.
    pub fn render(&self) -> Value {
        let mut m = Map::new();
        let mut actions = self.actions.clone();
        actions.sort();
        actions.dedup();
        if let Some(v) = collapse(actions.into_iter().map(Value::String).collect()) {
            m.insert("Action".into(), v);
        }
        if let Some(c) = &self.conditions {
            m.insert("Condition".into(), c.clone());
        }
        m.insert("Effect".into(), match self.effect {
            Effect::Allow => "Allow".into(),
            Effect::Deny => "Deny".into(),
        });
        if !self.principals.is_empty() {
            let mut p = Map::new();
            for principal in &self.principals {
                match p.get_mut(principal.kind) {
                    Some(Value::List(items)) => items.push(principal.value.clone()),
                    Some(existing) => *existing = Value::List(vec![existing.clone(), principal.value.clone()]),
                    None => {
                        p.insert(principal.kind.to_string(), principal.value.clone());
                    }
                }
            }
            m.insert("Principal".into(), Value::Map(p));
        }
        let mut resources: Vec<Value> = Vec::new();
        for r in &self.resources {
            if !resources.contains(r) {
                resources.push(r.clone());
            }
        }
        if let Some(v) = collapse(resources) {
            m.insert("Resource".into(), v);
        }
        if let Some(sid) = &self.sid {
            m.insert("Sid".into(), sid.clone().into());
        }
        Value::Map(m)
    }
}

fn collapse(mut items: Vec<Value>) -> Option<Value> {
    match items.len() {
        0 => None,
        1 => items.pop(),
        _ => Some(Value::List(items)),
    }
}

/// `{"Statement": [...], "Version": "2012-10-17"}`.
pub fn policy_document(statements: &[Statement]) -> Value {
    crate::map! {
        "Statement" => Value::List(statements.iter().map(Statement::render).collect()),
        "Version" => "2012-10-17",
    }
}
