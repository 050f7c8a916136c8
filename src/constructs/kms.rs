//! KMS: a customer managed key with its key policy, and an alias for it.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, RemovalPolicy, Resource, Value};

/// What a new key is made of (aws-cdk-lib's `kms.KeyProps`, the parts MLSpace uses).
#[derive(Debug, Clone)]
pub struct KeyProps {
    pub description: Option<String>,
    pub enable_key_rotation: bool,
    /// The rendered key policy document.
    pub policy: Value,
    /// `alias/...`, created as `<id>/Alias`.
    pub alias: Option<String>,
    pub removal_policy: RemovalPolicy,
}

/// A created key.
#[derive(Debug, Clone, Copy)]
pub struct KeyRef {
    /// The `AWS::KMS::Key` at `<id>/Resource`.
    pub resource: NodeId,
}

impl KeyRef {
    pub fn arn(&self) -> Value {
        Value::get_att(self.resource, "Arn")
    }
    pub fn key_id(&self) -> Value {
        Value::Ref(self.resource)
    }
}

/// `new kms.Key(scope, id, props)`: `<id>/Resource`, and `<id>/Alias/Resource` with an alias.
pub fn key(app: &mut App, scope: NodeId, id: &str, p: KeyProps) -> KeyRef {
    let key_scope = app.construct(scope, id);
    let mut key = Resource::new(
        "AWS::KMS::Key",
        props([
            ("Description", p.description.map(Value::from)),
            ("EnableKeyRotation", Some(p.enable_key_rotation.into())),
            ("KeyPolicy", Some(p.policy)),
        ]),
    );
    key.removal_policy(p.removal_policy);
    let resource = app.resource(key_scope, "Resource", key);
    let key = KeyRef { resource };
    if let Some(alias) = p.alias {
        let alias_scope = app.construct(key_scope, "Alias");
        app.resource(
            alias_scope,
            "Resource",
            Resource::new(
                "AWS::KMS::Alias",
                props([
                    ("AliasName", Some(alias.into())),
                    ("TargetKeyId", Some(key.arn())),
                ]),
            ),
        );
    }
    key
}
