//! Phase 2: cross-stack references become exports of the producer and imports in the consumer.
use serde_json::{json, Value as J};

use super::{logical_id_of, SynthError, MAX_EXPORT_NAME_LEN};
use crate::cdk::app::App;
use crate::cdk::element::{ElementKind, Output};
use crate::cdk::json;
use crate::cdk::logical_id::make_unique_id;
use crate::cdk::tree::{Metadata, NodeId};
use crate::cdk::value::Value;
// ---------------------------------------------------------------------------------------------
// Phase 2: cross-stack references

/// Every `Ref`/`GetAtt` whose target is in another stack becomes an export of the producer
/// (created once, under its `Exports` construct) and an import in the consumer; the consumer
/// then depends on the producer. Consumers are scanned in tree order, so outputs come out in
/// the order their references are first met.
pub(super) fn resolve_cross_stack_references(app: &mut App) -> Result<(), SynthError> {
    for consumer in app.stack_refs() {
        for node in app.tree.preorder(consumer.node) {
            let mut refs = Vec::new();
            if let Some(element) = app.tree.element(node) {
                element_values(&element.kind, &mut |v| collect_refs(v, &mut refs));
                if let ElementKind::Resource(r) = &element.kind {
                    for target in &r.depends_on {
                        if let Some((_, producer)) = app.tree.stack_of(*target) {
                            if producer != consumer.index {
                                refs.push((*target, Reference::DependsOn));
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
            for (target, reference) in refs {
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
                let path = app.tree.path(node).joined();
                match &reference {
                    Reference::DependsOn => {}
                    Reference::Ref => ensure_export(app, producer, target, None, &path)?,
                    Reference::GetAtt(attr) => {
                        ensure_export(app, producer, target, Some(attr), &path)?
                    }
                }
                app.add_stack_dependency(consumer.index, producer);
            }
        }
    }
    Ok(())
}

/// How an element refers to an element of another stack.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reference {
    /// `DependsOn`: the stacks are ordered, nothing is exported.
    DependsOn,
    /// `Ref`: the producer exports the element's `Ref`.
    Ref,
    /// `Fn::GetAtt`: the producer exports that attribute.
    GetAtt(String),
}

/// Collect every `Ref`/`GetAtt` in `v`, in resolution order.
fn collect_refs(v: &Value, out: &mut Vec<(NodeId, Reference)>) {
    match v {
        Value::Ref(n) => out.push((*n, Reference::Ref)),
        Value::GetAtt(n, a) => out.push((*n, Reference::GetAtt(a.clone()))),
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

pub(super) fn reference_json(
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
        .child(exports, &crate::cdk::logical_id::sanitize_construct_id(&id))
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
        &crate::cdk::logical_id::sanitize_construct_id(output_id),
    ]);
    let keep = MAX_EXPORT_NAME_LEN.saturating_sub(prefix.len());
    let start = local.len().saturating_sub(keep);
    format!("{prefix}{}", &local[start..])
}

/// The name under which a consumer imports a cross-stack reference.
pub(super) fn import_name(
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
