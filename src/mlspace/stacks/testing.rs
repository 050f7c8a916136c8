//! Test helpers: the stacks built in-process from a small configuration, synthesized in memory
//! (no files read or written, no ../shared), and looked at as template JSON.
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use serde_json::Value as J;

use crate::cdk::synth::synthesize;
use crate::cdk::toolkit::invocation;
use crate::cdk::{App, Environment, StackRef};
use crate::config::Config;
use crate::mlspace::app::Ctx;
use crate::mlspace::plan::Inputs;

use super::iam::IamOutputs;
use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;
use super::{iam, kms, vpc};

/// The smallest valid configuration, with `extra` keys laid over it (a JSON object's members
/// without braces, e.g. `"MANAGE_IAM_ROLES": false`).
pub fn config(extra: &str) -> Config {
    let mut object: serde_json::Map<String, J> = serde_json::from_str(
        r#"{
        "AWS_ACCOUNT": "123456789012",
        "AWS_REGION": "us-east-1",
        "OIDC_URL": "https://idp.example.com",
        "OIDC_CLIENT_NAME": "web",
        "KEY_MANAGER_ROLE_NAME": "Admin"
    }"#,
    )
    .unwrap();
    let extra: serde_json::Map<String, J> = serde_json::from_str(&format!("{{{extra}}}")).unwrap();
    object.extend(extra);
    let text = J::Object(object).to_string();
    crate::config::from_json_str(&text, "test").unwrap().config
}

pub fn ctx(cfg: &Config) -> Ctx<'_> {
    Ctx {
        cfg,
        env: Environment {
            account: cfg.aws_account.clone(),
            region: cfg.aws_region.clone(),
        },
        inputs: &FAKE_INPUTS,
    }
}

/// The planned inputs the stack tests build from: see [`Inputs::fake`].
static FAKE_INPUTS: std::sync::LazyLock<Inputs> = std::sync::LazyLock::new(Inputs::fake);

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
    let vpc = vpc::build(app, vpc_stack, ctx).expect("the VPC builds");
    let kms_stack = stack(app, ctx, "mlspace-kms");
    let kms = kms::build(app, kms_stack, ctx);
    let iam_stack = stack(app, ctx, "mlspace-iam");
    let iam = iam::build(app, iam_stack, ctx, &vpc, &kms);
    Base { vpc, kms, iam }
}

/// The repository's example MLSpace tree (examples/mlspace) in a temporary directory, with a
/// web app build and prebuilt layer zips, so that no layer is built.
///
/// Only `plan::plan` reads it (the stacks take the fake inputs instead).
pub fn source_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mlspace");
    for entry in walkdir::WalkDir::new(&examples).sort_by_file_name() {
        let entry = entry.unwrap();
        let dest = dir
            .path()
            .join(entry.path().strip_prefix(&examples).unwrap());
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
    fs::create_dir_all(dir.path().join("frontend/build")).unwrap();
    fs::write(
        dir.path().join("frontend/build/index.html"),
        "<html>test</html>\n",
    )
    .unwrap();
    let layers = dir.path().join("lambda_dependencies");
    fs::create_dir_all(&layers).unwrap();
    for layer in ["common", "jwt", "notifier"] {
        let file = fs::File::create(layers.join(format!("{layer}_layer.zip"))).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let opts =
            zip::write::SimpleFileOptions::default().last_modified_time(zip::DateTime::default());
        zip.start_file(format!("python/{layer}.py"), opts).unwrap();
        zip.write_all(b"# test layer\n").unwrap();
        zip.finish().unwrap();
    }
    dir
}

/// Every stack of the app, built by `mlspace::app::build` from `config(extra)` and the fake
/// inputs, with the cdk.json context of the example tree, and synthesized in memory.
pub fn app_templates(extra: &str) -> BTreeMap<String, J> {
    let cfg = config(extra);
    let ctx = ctx(&cfg);
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mlspace");
    let context = invocation(&examples, None, &|_| None).unwrap().context;
    let mut app = App::new(context);
    crate::mlspace::app::build(&mut app, &ctx).unwrap();
    templates(app)
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

/// The resources of `template` of type `ty`, by logical id (none when it has no resources).
pub fn resources<'a>(template: &'a J, ty: &str) -> BTreeMap<&'a str, &'a J> {
    let Some(all) = template.get("Resources").and_then(J::as_object) else {
        return BTreeMap::new();
    };
    all.iter()
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
