//! Phase 4: each stack's template, with logical ids from construct paths.
use std::collections::HashMap;

use serde_json::{json, Map as JMap, Value as J};

use super::references::{import_name, reference_json};
use super::SynthError;
use crate::cdk::app::App;
use crate::cdk::collate::locale_compare;
use crate::cdk::element::{ElementKind, Resource};
use crate::cdk::logical_id::{is_valid_logical_id, make_unique_id};
use crate::cdk::tags::{tag_format, TagFormat};
use crate::cdk::tree::NodeId;
use crate::cdk::value::{Map, Value};
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

pub(super) fn render_template(app: &App, index: usize) -> Result<J, SynthError> {
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
    keyed.sort_by(|a, b| crate::cdk::collate::locale_compare(&a.0, &b.0));
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
