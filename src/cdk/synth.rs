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
use std::collections::HashMap;

use serde_json::{json, Map as JMap, Value as J};
use sha2::{Digest, Sha256};

use super::app::{App, StackAsset, StageFn};
use super::collate::locale_compare;
use super::element::{ElementKind, Output, Resource};
use super::json;
use super::logical_id::{is_valid_logical_id, make_unique_id};
use super::region_info;
use super::tags::{tag_format, TagFormat};
use super::tree::{Metadata, NodeId, NodeKind, Tree};
use super::value::{Map, Value};

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

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
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
// Phase 2: cross-stack references

/// Every `Ref`/`GetAtt` whose target is in another stack becomes an export of the producer
/// (created once, under its `Exports` construct) and an import in the consumer; the consumer
/// then depends on the producer. Consumers are scanned in tree order, so outputs come out in
/// the order their references are first met.
fn resolve_cross_stack_references(app: &mut App) -> Result<(), SynthError> {
    for consumer in app.stack_refs() {
        for node in app.tree.preorder(consumer.node) {
            let mut refs = Vec::new();
            if let Some(element) = app.tree.element(node) {
                element_values(&element.kind, &mut |v| collect_refs(v, &mut refs));
                if let ElementKind::Resource(r) = &element.kind {
                    for target in &r.depends_on {
                        if let Some((_, producer)) = app.tree.stack_of(*target) {
                            if producer != consumer.index {
                                app_dep(&mut refs, *target);
                            }
                        }
                    }
                }
            }
            for entry in &app.tree.node(node).metadata {
                if let Metadata::Entry { data, .. } = entry {
                    collect_refs(data, &mut refs);
                }
            }
            for (target, attr) in refs {
                let (_, producer) = app.tree.stack_of(target).expect("elements live in stacks");
                if producer == consumer.index {
                    continue;
                }
                if app.stacks[producer].env != app.stacks[consumer.index].env {
                    let env = &app.stacks[producer].env;
                    return Err(SynthError::CrossEnvironment {
                        path: app.tree.path(node).joined(),
                        target: app.tree.path(target).joined(),
                        producer: app.stacks[producer].name.clone(),
                        producer_env: format!("{}/{}", env.account, env.region),
                    });
                }
                if let Some(attr) = attr {
                    ensure_export(
                        app,
                        producer,
                        target,
                        attr.as_deref(),
                        &app.tree.path(node).joined(),
                    )?;
                }
                app.add_stack_dependency(consumer.index, producer);
            }
        }
    }
    Ok(())
}

/// A dependency-only reference (no export needed).
fn app_dep(refs: &mut Vec<(NodeId, Option<Option<String>>)>, target: NodeId) {
    refs.push((target, None));
}

/// Collect `(target, Some(attr))` for every reference, in resolution order.
fn collect_refs(v: &Value, out: &mut Vec<(NodeId, Option<Option<String>>)>) {
    match v {
        Value::Ref(n) => out.push((*n, Some(None))),
        Value::GetAtt(n, a) => out.push((*n, Some(Some(a.clone())))),
        Value::List(items) | Value::Join(_, items) => {
            items.iter().for_each(|i| collect_refs(i, out))
        }
        Value::Map(m) => m.values().for_each(|i| collect_refs(i, out)),
        Value::Sub(_, Some(m)) => m.values().for_each(|i| collect_refs(i, out)),
        Value::Select(_, b)
        | Value::Split(_, b)
        | Value::ImportValue(b)
        | Value::Intrinsic(_, b) => collect_refs(b, out),
        _ => {}
    }
}

fn element_values(kind: &ElementKind, f: &mut dyn FnMut(&Value)) {
    match kind {
        ElementKind::Resource(r) => {
            r.properties.values().for_each(&mut *f);
            r.creation_policy.iter().for_each(&mut *f);
            r.update_policy.iter().for_each(&mut *f);
        }
        ElementKind::Output(o) => {
            f(&o.value);
            o.export_name.iter().for_each(f);
        }
        ElementKind::Parameter(m) => m.values().for_each(f),
        ElementKind::Condition(v) | ElementKind::Rule(v) => f(v),
    }
}

fn reference_json(
    app: &App,
    target: NodeId,
    attr: Option<&str>,
    path: &str,
) -> Result<J, SynthError> {
    let lid = logical_id_of(app, target, path)?;
    Ok(match attr {
        None => json!({"Ref": lid}),
        Some(a) => json!({"Fn::GetAtt": [lid, a]}),
    })
}

fn export_output_id(
    app: &App,
    target: NodeId,
    attr: Option<&str>,
    path: &str,
) -> Result<String, SynthError> {
    Ok(format!(
        "Output{}",
        json::to_compact(&reference_json(app, target, attr, path)?)
    ))
}

fn ensure_export(
    app: &mut App,
    producer: usize,
    target: NodeId,
    attr: Option<&str>,
    path: &str,
) -> Result<(), SynthError> {
    let id = export_output_id(app, target, attr, path)?;
    let exports = app.construct_once(app.stacks[producer].node, "Exports");
    if app
        .tree
        .child(exports, &super::logical_id::sanitize_construct_id(&id))
        .is_some()
    {
        return Ok(());
    }
    let export_name = export_name(&app.stacks[producer].name, &id);
    let value = match attr {
        None => Value::Ref(target),
        Some(a) => Value::GetAtt(target, a.to_string()),
    };
    app.output(
        exports,
        &id,
        Output {
            value,
            description: None,
            export_name: Some(Value::String(export_name)),
            condition: None,
        },
    );
    Ok(())
}

/// `<stack name>:` + the unique id of `Exports/<id>`, keeping the end when it is too long.
pub fn export_name(stack_name: &str, output_id: &str) -> String {
    let prefix = format!("{stack_name}:");
    let local = make_unique_id(&[
        "Exports",
        &super::logical_id::sanitize_construct_id(output_id),
    ]);
    let keep = MAX_EXPORT_NAME_LEN.saturating_sub(prefix.len());
    let start = local.len().saturating_sub(keep);
    format!("{prefix}{}", &local[start..])
}

/// The name under which a consumer imports a cross-stack reference.
fn import_name(
    app: &App,
    target: NodeId,
    attr: Option<&str>,
    path: &str,
) -> Result<String, SynthError> {
    let (_, producer) = app.tree.stack_of(target).expect("elements live in stacks");
    Ok(export_name(
        &app.stacks[producer].name,
        &export_output_id(app, target, attr, path)?,
    ))
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

// ---------------------------------------------------------------------------------------------
// Phase 4: templates

pub fn logical_id_of(app: &App, node: NodeId, referrer: &str) -> Result<String, SynthError> {
    let element = app
        .tree
        .element(node)
        .ok_or_else(|| SynthError::NotAnElement {
            path: referrer.to_string(),
            target: app.tree.path(node).joined(),
        })?;
    Ok(match &element.logical_id_override {
        Some(id) => id.clone(),
        None => make_unique_id(&app.tree.path_below_stack(node)),
    })
}

/// Resolve a value for a template of stack `stack`.
pub fn render_value(app: &App, stack: usize, v: &Value, path: &str) -> Result<J, SynthError> {
    Ok(match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Number(n) => J::Number(n.clone()),
        Value::String(s) => J::String(s.clone()),
        Value::List(items) => J::Array(
            items
                .iter()
                .map(|i| render_value(app, stack, i, path))
                .collect::<Result<_, _>>()?,
        ),
        Value::Map(m) => J::Object(render_map(app, stack, m, path)?),
        Value::Ref(n) | Value::GetAtt(n, _) => {
            let attr = match v {
                Value::GetAtt(_, a) => Some(a.as_str()),
                _ => None,
            };
            let (_, owner) = app.tree.stack_of(*n).expect("elements live in stacks");
            if owner == stack {
                reference_json(app, *n, attr, path)?
            } else {
                json!({"Fn::ImportValue": import_name(app, *n, attr, path)?})
            }
        }
        Value::Pseudo(p) => json!({"Ref": p.name()}),
        Value::Join(d, items) => {
            let parts: Vec<J> = items
                .iter()
                .map(|i| render_value(app, stack, i, path))
                .collect::<Result<_, _>>()?;
            json!({"Fn::Join": [d, parts]})
        }
        Value::Sub(s, vars) => match vars {
            None => json!({"Fn::Sub": s}),
            Some(m) => json!({"Fn::Sub": [s, J::Object(render_map(app, stack, m, path)?)]}),
        },
        Value::Select(i, list) => json!({"Fn::Select": [i, render_value(app, stack, list, path)?]}),
        Value::Split(d, s) => json!({"Fn::Split": [d, render_value(app, stack, s, path)?]}),
        Value::ImportValue(name) => {
            json!({"Fn::ImportValue": render_value(app, stack, name, path)?})
        }
        Value::Intrinsic(name, arg) => {
            let mut m = JMap::new();
            m.insert((*name).to_string(), render_value(app, stack, arg, path)?);
            J::Object(m)
        }
    })
}

fn render_map(app: &App, stack: usize, m: &Map, path: &str) -> Result<JMap<String, J>, SynthError> {
    m.iter()
        .map(|(k, v)| Ok((k.clone(), render_value(app, stack, v, path)?)))
        .collect()
}

fn render_template(app: &App, index: usize) -> Result<J, SynthError> {
    let stack = &app.stacks[index];
    let mut sections: JMap<String, J> = JMap::new();
    let mut seen: HashMap<String, String> = HashMap::new();
    for node in app.tree.preorder(stack.node) {
        let Some(element) = app.tree.element(node) else {
            continue;
        };
        let path = app.tree.path(node).joined();
        let lid = logical_id_of(app, node, &path)?;
        if !is_valid_logical_id(&lid) {
            return Err(SynthError::InvalidLogicalId { path, id: lid });
        }
        let section = element.kind.section();
        if let Some(first) = seen.insert(format!("{section}/{lid}"), path.clone()) {
            return Err(SynthError::DuplicateLogicalId {
                stack: stack.name.clone(),
                id: lid,
                first,
                second: path,
            });
        }
        let body = match &element.kind {
            ElementKind::Resource(r) => render_resource(app, index, node, r, &path)?,
            ElementKind::Output(o) => {
                let mut m = JMap::new();
                if let Some(d) = &o.description {
                    m.insert("Description".into(), J::String(d.clone()));
                }
                m.insert("Value".into(), render_value(app, index, &o.value, &path)?);
                if let Some(name) = &o.export_name {
                    m.insert(
                        "Export".into(),
                        json!({"Name": render_value(app, index, name, &path)?}),
                    );
                }
                if let Some(c) = &o.condition {
                    m.insert("Condition".into(), J::String(c.clone()));
                }
                J::Object(m)
            }
            ElementKind::Parameter(m) => J::Object(render_map(app, index, m, &path)?),
            ElementKind::Condition(v) | ElementKind::Rule(v) => render_value(app, index, v, &path)?,
        };
        sections
            .entry(section.to_string())
            .or_insert_with(|| J::Object(JMap::new()))
            .as_object_mut()
            .expect("sections are objects")
            .insert(lid, body);
    }
    Ok(J::Object(sections))
}

pub fn render_resource(
    app: &App,
    stack: usize,
    node: NodeId,
    r: &Resource,
    path: &str,
) -> Result<J, SynthError> {
    let mut props = render_map(app, stack, &r.properties, path)?;
    apply_stack_tags(&mut props, &r.resource_type, &app.stacks[stack].tags);
    if r.sorts_properties() {
        props.sort_keys();
    }
    let mut m = JMap::new();
    m.insert("Type".into(), J::String(r.resource_type.clone()));
    if !props.is_empty() {
        m.insert("Properties".into(), J::Object(props));
    }
    let depends_on = depends_on_ids(app, stack, node, r, path)?;
    if !depends_on.is_empty() {
        m.insert(
            "DependsOn".into(),
            J::Array(depends_on.into_iter().map(J::String).collect()),
        );
    }
    if let Some(p) = &r.creation_policy {
        m.insert("CreationPolicy".into(), render_value(app, stack, p, path)?);
    }
    if let Some(p) = &r.update_policy {
        m.insert("UpdatePolicy".into(), render_value(app, stack, p, path)?);
    }
    if let Some(p) = r.update_replace_policy {
        m.insert("UpdateReplacePolicy".into(), J::String(p.as_str().into()));
    }
    if let Some(p) = r.deletion_policy {
        m.insert("DeletionPolicy".into(), J::String(p.as_str().into()));
    }
    let mut metadata = JMap::new();
    if app.settings.path_metadata {
        metadata.insert("aws:cdk:path".into(), J::String(path.to_string()));
    }
    for (k, v) in &r.metadata {
        if k.starts_with("aws:asset:") && !app.settings.asset_metadata {
            continue;
        }
        metadata.insert(k.clone(), render_value(app, stack, v, path)?);
    }
    if !metadata.is_empty() {
        m.insert("Metadata".into(), J::Object(metadata));
    }
    if let Some(c) = &r.condition {
        m.insert("Condition".into(), J::String(c.clone()));
    }
    Ok(J::Object(m))
}

/// Logical ids of the resources a resource depends on, in the same stack, sorted by construct
/// path as aws-cdk-lib sorts them (compat: `localeCompare`).
fn depends_on_ids(
    app: &App,
    stack: usize,
    node: NodeId,
    r: &Resource,
    path: &str,
) -> Result<Vec<String>, SynthError> {
    let mut targets: Vec<NodeId> = Vec::new();
    for t in &r.depends_on {
        for n in app.tree.preorder(*t) {
            let is_resource = matches!(
                app.tree.element(n).map(|e| &e.kind),
                Some(ElementKind::Resource(_))
            );
            let same_stack = app.tree.stack_of(n).map(|(_, s)| s) == Some(stack);
            if is_resource && same_stack && n != node && !targets.contains(&n) {
                targets.push(n);
            }
        }
    }
    let mut keyed: Vec<(String, NodeId)> = targets
        .into_iter()
        .map(|n| (app.tree.path(n).joined(), n))
        .collect();
    keyed.sort_by(|a, b| super::collate::locale_compare(&a.0, &b.0));
    let mut ids: Vec<String> = Vec::new();
    for (_, n) in keyed {
        let id = logical_id_of(app, n, path)?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Merge the stack's tags into a taggable resource's own, sorted by key as aws-cdk-lib's tag
/// manager sorts them (`localeCompare`, so `alpha` < `Beta` < `gamma`).
fn apply_stack_tags(props: &mut JMap<String, J>, resource_type: &str, tags: &[(String, String)]) {
    if tags.is_empty() {
        return;
    }
    let Some(format) = tag_format(resource_type) else {
        return;
    };
    let mut merged: Vec<(String, J)> = Vec::new();
    let mut upsert = |k: String, v: J| match merged.iter_mut().find(|(key, _)| *key == k) {
        Some(entry) => entry.1 = v,
        None => merged.push((k, v)),
    };
    match (format, props.get("Tags")) {
        (TagFormat::List, Some(J::Array(items))) => {
            for item in items {
                if let (Some(k), Some(v)) = (item.get("Key").and_then(J::as_str), item.get("Value"))
                {
                    upsert(k.to_string(), v.clone());
                }
            }
        }
        (TagFormat::Map, Some(J::Object(m))) => {
            m.iter().for_each(|(k, v)| upsert(k.clone(), v.clone()))
        }
        _ => {}
    }
    for (k, v) in tags {
        upsert(k.clone(), J::String(v.clone()));
    }
    merged.sort_by(|a, b| locale_compare(&a.0, &b.0));
    let rendered = match format {
        TagFormat::List => J::Array(
            merged
                .into_iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect(),
        ),
        TagFormat::Map => J::Object(merged.into_iter().collect()),
    };
    props.insert("Tags".into(), rendered);
}

// ---------------------------------------------------------------------------------------------
// Phase 5: manifests

struct Synthesizer<'a> {
    qualifier: &'a str,
    account: &'a str,
    region: &'a str,
}

impl Synthesizer<'_> {
    fn role(&self, kind: &str) -> String {
        format!(
            "arn:${{AWS::Partition}}:iam::{a}:role/cdk-{q}-{kind}-role-{a}-{r}",
            a = self.account,
            q = self.qualifier,
            r = self.region
        )
    }
    fn bucket(&self) -> String {
        format!(
            "cdk-{}-assets-{}-{}",
            self.qualifier, self.account, self.region
        )
    }
    fn version_parameter(&self) -> String {
        format!("/cdk-bootstrap/{}/version", self.qualifier)
    }
}

fn synthesizer_of(app: &App, index: usize) -> Synthesizer<'_> {
    let env = &app.stacks[index].env;
    Synthesizer {
        qualifier: app.qualifier(),
        account: &env.account,
        region: &env.region,
    }
}

fn asset_manifest(app: &App, index: usize, template_file: &str, template_hash: &str) -> J {
    let syn = synthesizer_of(app, index);
    let stack = &app.stacks[index];
    let mut files = JMap::new();
    let mut add = |hash: &str, display: &str, path: &str, packaging: &str, object_key: &str| {
        let mut dest = JMap::new();
        dest.insert("bucketName".into(), J::String(syn.bucket()));
        dest.insert("objectKey".into(), J::String(object_key.into()));
        dest.insert("region".into(), J::String(syn.region.into()));
        dest.insert(
            "assumeRoleArn".into(),
            J::String(syn.role("file-publishing")),
        );
        let dest = J::Object(dest);
        let dest_id = format!(
            "{}-{}-{}",
            syn.account,
            syn.region,
            &hex(&Sha256::digest(json::to_compact(&dest).as_bytes()))[..8]
        );
        let display = files
            .get(hash)
            .and_then(|f: &J| f.get("displayName"))
            .cloned()
            .unwrap_or_else(|| J::String(display.to_string()));
        files.insert(
            hash.to_string(),
            json!({"displayName": display, "source": {"path": path, "packaging": packaging}, "destinations": {dest_id: dest}}),
        );
    };
    for StackAsset {
        display_name,
        hash,
        packaging,
        staged_name,
        object_key,
        ..
    } in &stack.assets
    {
        add(
            hash,
            display_name,
            staged_name,
            packaging.as_str(),
            object_key,
        );
    }
    add(
        template_hash,
        &format!("{} Template", stack.name),
        template_file,
        "file",
        &format!("{template_hash}.json"),
    );
    json!({"version": MANIFEST_VERSION, "files": J::Object(files), "dockerImages": {}})
}

fn stack_artifacts(
    app: &App,
    index: usize,
    template_file: &str,
    assets_file: &str,
    template_hash: &str,
) -> (J, J) {
    let syn = synthesizer_of(app, index);
    let stack = &app.stacks[index];
    let asset_artifact = json!({
        "type": "cdk:asset-manifest",
        "properties": {
            "file": assets_file,
            "requiresBootstrapStackVersion": REQUIRED_BOOTSTRAP_VERSION,
            "bootstrapStackVersionSsmParameter": syn.version_parameter(),
        }
    });
    let mut props = JMap::new();
    props.insert("templateFile".into(), J::String(template_file.into()));
    props.insert(
        "terminationProtection".into(),
        J::Bool(stack.termination_protection),
    );
    if !stack.tags.is_empty() {
        props.insert(
            "tags".into(),
            J::Object(
                stack
                    .tags
                    .iter()
                    .map(|(k, v)| (k.clone(), J::String(v.clone())))
                    .collect(),
            ),
        );
    }
    props.insert("validateOnSynth".into(), J::Bool(false));
    props.insert("assumeRoleArn".into(), J::String(syn.role("deploy")));
    props.insert(
        "cloudFormationExecutionRoleArn".into(),
        J::String(syn.role("cfn-exec")),
    );
    props.insert(
        "stackTemplateAssetObjectUrl".into(),
        J::String(format!("s3://{}/{template_hash}.json", syn.bucket())),
    );
    props.insert(
        "requiresBootstrapStackVersion".into(),
        json!(REQUIRED_BOOTSTRAP_VERSION),
    );
    props.insert(
        "bootstrapStackVersionSsmParameter".into(),
        J::String(syn.version_parameter()),
    );
    props.insert(
        "additionalDependencies".into(),
        json!([format!("{}.assets", stack.name)]),
    );
    props.insert(
        "lookupRole".into(),
        json!({"arn": syn.role("lookup"), "requiresBootstrapStackVersion": LOOKUP_ROLE_BOOTSTRAP_VERSION, "bootstrapStackVersionSsmParameter": syn.version_parameter()}),
    );
    let mut dependencies: Vec<J> = stack
        .dependencies
        .iter()
        .map(|d| J::String(app.stacks[*d].name.clone()))
        .collect();
    dependencies.push(J::String(format!("{}.assets", stack.name)));

    let mut artifact = JMap::new();
    artifact.insert("type".into(), J::String("aws:cloudformation:stack".into()));
    artifact.insert(
        "environment".into(),
        J::String(format!("aws://{}/{}", stack.env.account, stack.env.region)),
    );
    artifact.insert("properties".into(), J::Object(props));
    artifact.insert("dependencies".into(), J::Array(dependencies));
    artifact.insert("metadata".into(), J::Object(stack_metadata(app, index)));
    artifact.insert(
        "displayName".into(),
        J::String(app.tree.path(stack.node).joined()),
    );
    (asset_artifact, J::Object(artifact))
}

fn stack_metadata(app: &App, index: usize) -> JMap<String, J> {
    let stack = &app.stacks[index];
    let mut out = JMap::new();
    for node in app.tree.preorder(stack.node) {
        let path = app.tree.path(node).joined();
        let mut entries = Vec::new();
        if node == stack.node && !stack.tags.is_empty() {
            let tags: Vec<J> = stack
                .tags
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect();
            entries.push(json!({"type": "aws:cdk:stack-tags", "data": tags}));
        }
        for entry in &app.tree.node(node).metadata {
            match entry {
                Metadata::LogicalId => {
                    if let Ok(lid) = logical_id_of(app, node, &path) {
                        entries.push(json!({"type": "aws:cdk:logicalId", "data": lid}));
                    }
                }
                Metadata::Entry { kind, data } => {
                    let data = render_value(app, index, data, &path).unwrap_or(J::Null);
                    entries.push(json!({"type": kind, "data": data}));
                }
            }
        }
        if !entries.is_empty() {
            out.insert(format!("/{path}"), J::Array(entries));
        }
    }
    out
}

fn tree_json(tree: &Tree) -> J {
    fn node_json(tree: &Tree, n: NodeId) -> J {
        let node = tree.node(n);
        let mut m = JMap::new();
        m.insert(
            "id".into(),
            J::String(if n == Tree::ROOT {
                "App".into()
            } else {
                node.id.clone()
            }),
        );
        m.insert("path".into(), J::String(tree.path(n).joined()));
        let mut children = JMap::new();
        for c in &node.children {
            children.insert(tree.node(*c).id.clone(), node_json(tree, *c));
        }
        if n == Tree::ROOT {
            children.insert("Tree".into(), json!({"id": "Tree", "path": "Tree"}));
        }
        if !children.is_empty() {
            m.insert("children".into(), J::Object(children));
        }
        if let NodeKind::Element(e) = &node.kind {
            if let ElementKind::Resource(r) = &e.kind {
                m.insert(
                    "attributes".into(),
                    json!({"aws:cdk:cloudformation:type": r.resource_type}),
                );
            }
        }
        J::Object(m)
    }
    json!({"version": "tree-0.1", "tree": node_json(tree, Tree::ROOT)})
}

#[cfg(test)]
mod tag_tests {
    use super::*;

    #[test]
    fn stack_tags_merge_into_own_tags_in_locale_order() {
        let mut props = JMap::new();
        props.insert(
            "Tags".into(),
            json!([{"Key": "gamma", "Value": "own"}, {"Key": "Beta", "Value": "own"}]),
        );
        let stack_tags = [
            ("alpha".to_string(), "stack".to_string()),
            ("gamma".to_string(), "stack".to_string()),
        ];
        apply_stack_tags(&mut props, "AWS::S3::Bucket", &stack_tags);
        // Byte order would put `Beta` first; aws-cdk-lib's localeCompare does not.
        assert_eq!(
            props["Tags"],
            json!([
                {"Key": "alpha", "Value": "stack"},
                {"Key": "Beta", "Value": "own"},
                {"Key": "gamma", "Value": "stack"},
            ])
        );
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
