//! Test helpers: the stacks built in-process from a small configuration, synthesized in memory
//! (no files read or written, no ../shared), and looked at as template JSON.
use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value as J;

use crate::cdk::synth::synthesize;
use crate::cdk::{App, Environment, StackRef};
use crate::config::Config;
use crate::mlspace::app::Ctx;
use crate::mlspace::run::LayerBuilderArg;

use super::iam::IamOutputs;
use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;
use super::{iam, kms, vpc};

/// The smallest valid configuration, with `extra` keys laid over it (a JSON object's members
/// without braces, e.g. `"MANAGE_IAM_ROLES": false`).
pub fn config(extra: &str) -> Config {
    let sep = if extra.trim().is_empty() { "" } else { "," };
    let text = format!(
        r#"{{
        "AWS_ACCOUNT": "123456789012",
        "AWS_REGION": "us-east-1",
        "OIDC_URL": "https://idp.example.com",
        "OIDC_CLIENT_NAME": "web",
        "KEY_MANAGER_ROLE_NAME": "Admin"{sep}
        {extra}
    }}"#
    );
    crate::config::from_json_str(&text, "test").unwrap().config
}

pub fn ctx(cfg: &Config) -> Ctx<'_> {
    Ctx {
        cfg,
        env: Environment {
            account: cfg.aws_account.clone(),
            region: cfg.aws_region.clone(),
        },
        // Never read by the stacks these tests build.
        source_root: PathBuf::from("/nonexistent/mlspace"),
        layer_builder: LayerBuilderArg::Local,
    }
}

/// The stacks the others depend on: VPC, KMS and IAM (their outputs feed the stacks under test).
#[allow(dead_code)]
pub struct Base {
    pub vpc: VpcOutputs,
    pub kms: KmsOutputs,
    pub iam: IamOutputs,
}

pub fn stack(app: &mut App, ctx: &Ctx, id: &str) -> StackRef {
    app.add_stack(id, ctx.env.clone(), Vec::new())
}

pub fn base(app: &mut App, ctx: &Ctx) -> Base {
    let vpc_stack = stack(app, ctx, "mlspace-vpc");
    let vpc = vpc::build(app, vpc_stack, ctx);
    let kms_stack = stack(app, ctx, "mlspace-kms");
    let kms = kms::build(app, kms_stack, ctx);
    let iam_stack = stack(app, ctx, "mlspace-iam");
    let iam = iam::build(app, iam_stack, ctx, &vpc, &kms);
    Base { vpc, kms, iam }
}

/// Synthesizes `app` in memory: each stack's template, by stack name.
pub fn templates(mut app: App) -> BTreeMap<String, J> {
    let assembly = synthesize(&mut app).unwrap();
    assembly
        .files
        .iter()
        .filter_map(|(name, bytes)| {
            let stack = name.strip_suffix(".template.json")?;
            Some((stack.to_string(), serde_json::from_slice(bytes).unwrap()))
        })
        .collect()
}

/// The resources of `template` of type `ty`, by logical id.
pub fn resources<'a>(template: &'a J, ty: &str) -> BTreeMap<&'a str, &'a J> {
    template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == ty)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The values of `property` over the resources of type `ty` (absent ones skipped).
pub fn property_values(template: &J, ty: &str, property: &str) -> Vec<J> {
    resources(template, ty)
        .values()
        .filter_map(|r| r["Properties"].get(property).cloned())
        .collect()
}
