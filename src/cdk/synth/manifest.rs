//! Phase 5: the asset manifests, the cloud assembly manifest and tree.json.
use serde_json::{json, Map as JMap, Value as J};

use super::{
    logical_id_of, render_value, LOOKUP_ROLE_BOOTSTRAP_VERSION, MANIFEST_VERSION,
    REQUIRED_BOOTSTRAP_VERSION,
};
use crate::cdk::app::{App, StackAsset};
use crate::cdk::digest::hex;
use crate::cdk::tree::{Metadata, NodeId, NodeKind, Tree};
use sha2::{Digest, Sha256};

use crate::cdk::element::ElementKind;
use crate::cdk::json;
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

pub(super) fn asset_manifest(
    app: &App,
    index: usize,
    template_file: &str,
    template_hash: &str,
) -> J {
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

pub(super) fn stack_artifacts(
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
    let props = stack_properties(app, index, template_file, template_hash);
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

/// The stack artifact's `properties`: template, tags and the bootstrap roles it deploys with.
fn stack_properties(
    app: &App,
    index: usize,
    template_file: &str,
    template_hash: &str,
) -> JMap<String, J> {
    let syn = synthesizer_of(app, index);
    let stack = &app.stacks[index];
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
    props
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

pub(super) fn tree_json(tree: &Tree) -> J {
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
