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
    if !cfg.existing_kms_master_key_arn.is_empty() {
        app.construct(stack.node, "imported-kms-key");
        let arn = cfg.existing_kms_master_key_arn.clone();
        let key_id = arn.rsplit('/').next().unwrap_or_default().to_string();
        return KmsOutputs {
            key: None,
            key_arn: arn.into(),
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
