//! Synthesis: from the construct tree to the files of a cloud assembly, in memory.
//!
//! The phases, in aws-cdk-lib's order:
//! 1. `add_metadata_resources`: the `CDKMetadata` resource of every stack whose region has the
//!    type;
//! 2. `resolve_cross_stack_references`: exports in producers, stack dependencies;
//! 3. `add_bootstrap_rules`: the synthesizer's `BootstrapVersion` parameter and rule;
//! 4. `render_template`: each stack's template, with logical ids from paths;
//! 5. the asset manifests, the cloud assembly manifest and tree.json.
//!
//! Nothing touches the file system here; [`super::assembly`] writes the result.
use serde_json::{json, Map as JMap, Value as J};
use sha2::{Digest, Sha256};

use super::app::{App, StageFn};
use super::digest::hex;
use super::element::{ElementKind, Resource};
use super::json;
use super::region_info;
use super::value::{Map, Value};

mod manifest;
mod references;
mod template;

use manifest::{asset_manifest, stack_artifacts, tree_json};
pub use references::export_name;
use references::resolve_cross_stack_references;
use template::render_template;
pub use template::{logical_id_of, render_resource, render_value};

pub const MANIFEST_VERSION: &str = "48.0.0";
pub const MINIMUM_CLI_VERSION: &str = "2.1026.0";
const MAX_EXPORT_NAME_LEN: usize = 255;
/// The oldest bootstrap stack version that has everything the default synthesizer uses.
const REQUIRED_BOOTSTRAP_VERSION: u32 = 6;
const LOOKUP_ROLE_BOOTSTRAP_VERSION: u32 = 8;

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error("stack {stack}: logical id '{id}' is used by both {first} and {second}; give one of the constructs another id")]
    DuplicateLogicalId {
        stack: String,
        id: String,
        first: String,
        second: String,
    },
    #[error("{path}: '{id}' is not a valid logical id (1 to 255 letters and digits)")]
    InvalidLogicalId { path: String, id: String },
    #[error("{path}: refers to {target}, which is not a CloudFormation element")]
    NotAnElement { path: String, target: String },
    #[error("{path}: refers to {target} in stack {producer}, which deploys to another environment ({producer_env}); cross-environment references are not supported")]
    CrossEnvironment {
        path: String,
        target: String,
        producer: String,
        producer_env: String,
    },
    #[error("the context sets {flag} to {value}, which asks for partitions written as literals (`aws`, `aws-us-gov`, ...); this app writes them as the deploy-time ${{AWS::Partition}}, as aws-cdk-lib does with the flag off (MLSpace's cdk.json leaves it unset): remove it from cdk.json, cdk.context.json or --context")]
    PartitionLiterals { flag: &'static str, value: String },
}

/// The aws-cdk-lib feature flag that makes a stack's partition a literal from the region facts.
pub const PARTITION_LITERALS_FLAG: &str = "@aws-cdk/core:enablePartitionLiterals";

/// An assembly ready to be written: file names relative to the out dir, and asset copies.
pub struct Assembly {
    pub files: Vec<(String, Vec<u8>)>,
    pub stage: Vec<(String, StageFn)>,
    pub stack_names: Vec<String>,
}

pub fn synthesize(app: &mut App) -> Result<Assembly, SynthError> {
    check_partition_literals(app)?;
    if app.settings.version_reporting {
        add_metadata_resources(app);
    }
    resolve_cross_stack_references(app)?;
    add_bootstrap_rules(app);

    let mut files = Vec::new();
    let mut stage: Vec<(String, StageFn)> = Vec::new();
    let mut artifacts = JMap::new();
    for index in 0..app.stacks.len() {
        let template = render_template(app, index)?;
        let template_text = json::to_indented(&template, 1);
        let template_hash = hex(&Sha256::digest(template_text.as_bytes()));
        let stack = &app.stacks[index];
        let template_file = format!("{}.template.json", stack.name);
        let assets_file = format!("{}.assets.json", stack.name);
        let assets = asset_manifest(app, index, &template_file, &template_hash);
        files.push((template_file.clone(), template_text.into_bytes()));
        files.push((
            assets_file.clone(),
            json::to_indented(&assets, 2).into_bytes(),
        ));
        for a in &stack.assets {
            if !stage.iter().any(|(name, _)| *name == a.staged_name) {
                stage.push((a.staged_name.clone(), a.stage.clone()));
            }
        }
        let (asset_artifact, stack_artifact) =
            stack_artifacts(app, index, &template_file, &assets_file, &template_hash);
        artifacts.insert(format!("{}.assets", stack.name), asset_artifact);
        artifacts.insert(stack.name.clone(), stack_artifact);
    }
    artifacts.insert(
        "Tree".into(),
        json!({"type": "cdk:tree", "properties": {"file": "tree.json"}}),
    );

    let mut manifest = JMap::new();
    manifest.insert("version".into(), J::String(MANIFEST_VERSION.into()));
    manifest.insert("artifacts".into(), J::Object(artifacts));
    if !app.missing.is_empty() {
        let missing: Vec<J> = app
            .missing
            .iter()
            .map(|m| json!({"key": m.key, "provider": m.provider, "props": J::Object(m.props.clone())}))
            .collect();
        manifest.insert("missing".into(), J::Array(missing));
    }
    manifest.insert(
        "minimumCliVersion".into(),
        J::String(MINIMUM_CLI_VERSION.into()),
    );

    files.push((
        "tree.json".into(),
        json::to_compact(&tree_json(&app.tree)).into_bytes(),
    ));
    files.push((
        "cdk.out".into(),
        json::to_compact(&json!({"version": MANIFEST_VERSION})).into_bytes(),
    ));
    // The manifest goes last: the CLI reads nothing until it exists.
    files.push((
        "manifest.json".into(),
        json::to_indented(&J::Object(manifest), 2).into_bytes(),
    ));
    Ok(Assembly {
        files,
        stage,
        stack_names: app.stacks.iter().map(|s| s.name.clone()).collect(),
    })
}

/// Stop where the context turns partition literals on: partitions here are always
/// `${AWS::Partition}`, and a silent difference from aws-cdk-lib is worse than an error.
fn check_partition_literals(app: &App) -> Result<(), SynthError> {
    // aws-cdk-lib reads a flag as JavaScript truthiness; unset means off.
    let on = match app.context.get(PARTITION_LITERALS_FLAG) {
        None | Some(J::Null) => false,
        Some(J::Bool(b)) => *b,
        Some(J::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(J::String(s)) => !s.is_empty(),
        Some(J::Array(_) | J::Object(_)) => true,
    };
    match on {
        true => Err(SynthError::PartitionLiterals {
            flag: PARTITION_LITERALS_FLAG,
            value: app.context[PARTITION_LITERALS_FLAG].to_string(),
        }),
        false => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Phase 1: CDKMetadata

/// Every stack deployed where CloudFormation has the `AWS::CDK::Metadata` type gets the resource;
/// elsewhere (GovCloud, the isolated regions, some commercial regions, any region aws-cdk-lib's
/// facts do not list) a template holding it could not deploy, so it is left out, as aws-cdk-lib
/// does. Our stacks always name their region (aws-cdk-lib's condition on `AWS::Region` for
/// environment-agnostic stacks has no use here).
fn add_metadata_resources(app: &mut App) {
    for stack in app.stack_refs() {
        if !region_info::cdk_metadata_available(&app.stacks[stack.index].env.region) {
            continue;
        }
        let scope = app.construct(stack.node, "CDKMetadata");
        let mut props = Map::new();
        props.insert("Analytics".into(), Value::String(analytics_string()));
        app.resource(scope, "Default", Resource::new("AWS::CDK::Metadata", props));
    }
}

/// The `Analytics` string: `v2:deflate64:` and the gzip of a prefix-encoded list of the
/// construct libraries in use; ours is this program and its version.
fn analytics_string() -> String {
    use base64::Engine;
    use std::io::Write;
    let plaintext = format!("{}!mlspace-cdk.App", env!("CARGO_PKG_VERSION"));
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), flate2::Compression::default());
    gz.write_all(plaintext.as_bytes())
        .expect("writing to memory");
    let bytes = gz.finish().expect("writing to memory");
    format!(
        "v2:deflate64:{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

// ---------------------------------------------------------------------------------------------
// Phase 3: the default synthesizer's bootstrap check

fn add_bootstrap_rules(app: &mut App) {
    let qualifier = app.qualifier().to_string();
    for stack in app.stack_refs() {
        if app.tree.child(stack.node, "BootstrapVersion").is_some() {
            continue;
        }
        let mut param = Map::new();
        param.insert("Type".into(), "AWS::SSM::Parameter::Value<String>".into());
        param.insert(
            "Default".into(),
            format!("/cdk-bootstrap/{qualifier}/version").into(),
        );
        // compat: the CLI hides parameters whose description ends with [cdk:skip].
        param.insert(
            "Description".into(),
            "Version of the CDK Bootstrap resources in this environment, automatically retrieved from SSM Parameter Store. [cdk:skip]".into(),
        );
        let parameter = app.element(
            stack.node,
            "BootstrapVersion",
            ElementKind::Parameter(param),
        );
        let old_versions: Vec<Value> = (1..REQUIRED_BOOTSTRAP_VERSION)
            .map(|v| Value::String(v.to_string()))
            .collect();
        let assert = Value::intrinsic(
            "Fn::Not",
            Value::List(vec![Value::intrinsic(
                "Fn::Contains",
                Value::List(vec![Value::List(old_versions), Value::Ref(parameter)]),
            )]),
        );
        let rule = crate::map! {
            "Assertions" => Value::List(vec![crate::map! {
                "Assert" => assert,
                "AssertDescription" => format!("CDK bootstrap stack version {REQUIRED_BOOTSTRAP_VERSION} required. Please run 'cdk bootstrap' with a recent version of the CDK CLI."),
            }])
        };
        app.element(stack.node, "CheckBootstrapVersion", ElementKind::Rule(rule));
    }
}

#[cfg(test)]
mod metadata_tests {
    use super::*;
    use crate::cdk::Environment;

    fn app_in(region: &str, context: JMap<String, J>) -> App {
        let mut app = App::new(context);
        let env = Environment {
            account: "123456789012".into(),
            region: region.into(),
        };
        app.add_stack("s", env, Vec::new());
        app
    }

    fn template_of(region: &str, version_reporting: bool) -> J {
        let mut context = JMap::new();
        context.insert(
            "aws:cdk:version-reporting".into(),
            J::Bool(version_reporting),
        );
        let assembly = synthesize(&mut app_in(region, context)).unwrap();
        let (_, bytes) = assembly
            .files
            .iter()
            .find(|(name, _)| name == "s.template.json")
            .unwrap();
        serde_json::from_slice(bytes).unwrap()
    }

    fn has_metadata(template: &J) -> bool {
        template["Resources"]["CDKMetadata"]["Type"] == "AWS::CDK::Metadata"
    }

    #[test]
    fn metadata_follows_the_region_facts() {
        assert!(has_metadata(&template_of("us-east-1", true)));
        assert!(has_metadata(&template_of("cn-northwest-1", true)));
        assert!(!has_metadata(&template_of("us-east-1", false)));
        for region in [
            "us-gov-west-1",
            "us-isob-east-1",
            "mx-central-1",
            "eusc-de-east-1",
        ] {
            let t = template_of(region, true);
            assert!(t.get("Resources").is_none(), "{region}: {t}");
        }
        // A region aws-cdk-lib's facts do not list: no metadata either.
        assert!(!has_metadata(&template_of("us-isof-south-1", true)));
    }

    #[test]
    fn partition_literals_stop_the_synth() {
        for (value, refused) in [
            (json!(true), true),
            (json!("false"), true), // a non-empty string is true to aws-cdk-lib
            (json!(1), true),
            (json!(false), false),
            (json!(0), false),
            (json!(""), false),
            (J::Null, false),
        ] {
            let mut context = JMap::new();
            context.insert(PARTITION_LITERALS_FLAG.into(), value.clone());
            let result = synthesize(&mut app_in("us-gov-west-1", context));
            match result {
                Err(e) if refused => assert!(e.to_string().contains(PARTITION_LITERALS_FLAG)),
                Ok(_) if !refused => {}
                Err(e) => panic!("{value}: {e}"),
                Ok(_) => panic!("{value}: accepted"),
            }
        }
    }
}
