//! mlspace-kms: the key that encrypts MLSpace's buckets, tables and notebooks, unless an
//! existing key is configured (EXISTING_KMS_MASTER_KEY_ARN).
use crate::cdk::{concat, App, NodeId, Pseudo, RemovalPolicy, StackRef, Value};
use crate::constructs::iam::{policy_document, Principal, Statement};
use crate::constructs::kms::{key, KeyProps};
use crate::mlspace::app::Ctx;

/// The MLSpace key as the other stacks see it.
#[derive(Debug, Clone)]
pub struct KmsOutputs {
    /// The key resource when this stack creates it.
    pub key: Option<NodeId>,
    pub key_arn: Value,
    pub key_id: Value,
}

const KEY_ADMIN_ACTIONS: &[&str] = &[
    "kms:Create*",
    "kms:Describe*",
    "kms:Enable*",
    "kms:List*",
    "kms:Put*",
    "kms:Update*",
    "kms:Revoke*",
    "kms:Disable*",
    "kms:Get*",
    "kms:Delete*",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
];

pub fn build(app: &mut App, stack: StackRef, ctx: &Ctx) -> KmsOutputs {
    let cfg = ctx.cfg;
    app.construct(stack.node, "mlspace-kms");
    if let Some(arn) = &cfg.existing_kms_master_key_arn {
        app.construct(stack.node, "imported-kms-key");
        let key_id = arn
            .as_str()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        return KmsOutputs {
            key: None,
            key_arn: arn.as_str().into(),
            key_id: key_id.into(),
        };
    }

    app.construct(stack.node, "mlspace-keymanager-role");
    let account_root = concat([
        "arn:".into(),
        Value::Pseudo(Pseudo::Partition),
        format!(":iam::{}:root", cfg.aws_account).into(),
    ]);
    let key_manager = concat([
        "arn:".into(),
        Value::Pseudo(Pseudo::Partition),
        format!(
            ":iam::{}:role/{}",
            cfg.aws_account, cfg.key_manager_role_name
        )
        .into(),
    ]);
    let policy = policy_document(&[
        Statement::allow(&["kms:*"])
            .principal(Principal::aws(account_root))
            .on_all(),
        Statement::allow(KEY_ADMIN_ACTIONS)
            .principal(Principal::aws(key_manager))
            .on_all(),
    ]);

    let key = key(
        app,
        stack.node,
        "mlspace-kms-key",
        KeyProps {
            description: Some("KMS key for encrypting the objects in an S3 bucket".into()),
            enable_key_rotation: false,
            policy,
            alias: Some("alias/mlspace-key".into()),
            removal_policy: RemovalPolicy::Retain,
        },
    );
    KmsOutputs {
        key: Some(key.resource),
        key_arn: key.arn(),
        key_id: key.key_id(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as J};

    use super::super::testing::{config, ctx, property_values, resources, stack, templates};
    use crate::cdk::App;

    fn kms(extra: &str) -> (J, super::KmsOutputs) {
        let cfg = config(extra);
        let ctx = ctx(&cfg);
        let mut app = App::new(Default::default());
        let s = stack(&mut app, &ctx, "mlspace-kms");
        let outputs = super::build(&mut app, s, &ctx);
        (templates(app).remove("mlspace-kms").unwrap(), outputs)
    }

    #[test]
    fn creates_a_retained_key_the_key_manager_administers() {
        let (t, outputs) = kms("");
        let keys = resources(&t, "AWS::KMS::Key");
        assert_eq!(keys.len(), 1);
        let key = keys.values().next().unwrap();
        assert_eq!(key["DeletionPolicy"], "Retain");
        let policy = key["Properties"]["KeyPolicy"].to_string();
        assert!(policy.contains(":role/Admin"), "{policy}");
        assert!(policy.contains("kms:ScheduleKeyDeletion"), "{policy}");
        assert_eq!(
            property_values(&t, "AWS::KMS::Alias", "AliasName"),
            vec![json!("alias/mlspace-key")]
        );
        assert!(outputs.key.is_some());
    }

    #[test]
    fn an_existing_key_is_referenced_by_arn() {
        let arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
        let (t, outputs) = kms(&format!(r#""EXISTING_KMS_MASTER_KEY_ARN": "{arn}""#));
        assert!(resources(&t, "AWS::KMS::Key").is_empty());
        assert!(resources(&t, "AWS::KMS::Alias").is_empty());
        assert!(outputs.key.is_none());
        assert_eq!(outputs.key_arn, arn.into());
        assert_eq!(
            outputs.key_id,
            "1234abcd-12ab-34cd-56ef-1234567890ab".into()
        );
    }
}
