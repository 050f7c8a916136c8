//! `BucketDeployment`: copies asset zips into a bucket at deploy time, filling in deploy-time
//! values (markers), through a handler function shared by the stack (our `handlers/bucket_deployment`).
use std::path::PathBuf;

use crate::cdk::app::props;
use crate::cdk::assets::{AssetError, AssetOptions, AssetSource};
use crate::cdk::{App, Map, NodeId, RemovalPolicy, Resource, Value};
use crate::constructs::iam::{self, Principal, RoleRef, Statement};
use crate::map;

use super::assets::{add_asset, add_asset_metadata};
use super::custom_resources::mark_singleton;
use super::handlers::{HandlerCode, HANDLER_ENTRY, HANDLER_RUNTIME};
use super::s3::{Bucket, READ_ACTIONS};

/// compat: the handler's construct id in aws-cdk-lib (purpose and a fixed UUID).
pub const HANDLER_ID: &str = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C";
/// compat: aws-cdk-lib points the AWS CLI and boto3 at this bundle in every region.
pub const CA_BUNDLE: &str = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
const OWNER_TAG: &str = "aws-cdk:cr-owned";

/// What goes into the bucket.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `Source.jsonData(objectKey, value)`: one JSON file; deploy-time leaves become markers.
    JsonData { object_key: String, value: Value },
    /// `Source.asset(path)`: a directory (or zip) from the source tree.
    Asset(PathBuf),
}

#[derive(Debug, Clone)]
pub struct BucketDeploymentProps {
    pub sources: Vec<Source>,
    pub destination: Bucket,
    pub destination_key_prefix: Option<String>,
    pub prune: bool,
    /// An existing role for the handler; without one the handler gets its own service role.
    pub role: Option<RoleRef>,
}

/// The JSON text of `value` with each deploy-time leaf replaced by `<<marker:0xbaba:N>>`, and the
/// marker map (`Stack.toJsonString` of each leaf).
pub fn render_json_data(value: &Value) -> (String, Map) {
    fn walk(v: &Value, text: &mut String, markers: &mut Map) {
        match v {
            Value::List(items) => {
                text.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    walk(item, text, markers);
                }
                text.push(']');
            }
            Value::Map(m) => {
                text.push('{');
                for (i, (k, item)) in m.iter().enumerate() {
                    if i > 0 {
                        text.push(',');
                    }
                    text.push_str(&crate::cdk::json::to_compact(&serde_json::Value::String(
                        k.clone(),
                    )));
                    text.push(':');
                    walk(item, text, markers);
                }
                text.push('}');
            }
            leaf if leaf.is_literal() => {
                let Value::String(rendered) = leaf.to_json_string() else {
                    unreachable!("a literal renders to a string")
                };
                text.push_str(&rendered);
            }
            token => {
                let marker = format!("<<marker:0xbaba:{}>>", markers.len());
                text.push_str(&marker);
                markers.insert(marker, token.to_json_string());
            }
        }
    }
    let mut text = String::new();
    let mut markers = Map::new();
    walk(value, &mut text, &mut markers);
    (text, markers)
}

/// The stack's deployment handler: its code, and once created its function and role (a
/// singleton: the first deployment creates it, with the first deployment's role).
#[derive(Debug, Clone)]
pub struct DeploymentHandler {
    code: HandlerCode,
    created: Option<(NodeId, RoleRef)>,
}

impl DeploymentHandler {
    pub fn new(code: HandlerCode) -> Self {
        DeploymentHandler {
            code,
            created: None,
        }
    }
    /// The `AWS::Lambda::Function`, once a deployment created it.
    pub fn function(&self) -> Option<NodeId> {
        self.created.as_ref().map(|(f, _)| *f)
    }
}

/// `new BucketDeployment(scope, id, props)`. Returns the `Custom::CDKBucketDeployment` resource.
pub fn bucket_deployment(
    app: &mut App,
    scope: NodeId,
    id: &str,
    p: BucketDeploymentProps,
    handler: &mut DeploymentHandler,
) -> Result<NodeId, AssetError> {
    let stack = app.stack_ref(scope);
    let deployment = app.construct(scope, id);
    // compat: the singleton wrapper has no resources; the function lives at the stack's top.
    // No AwsCliLayer: our handler needs no AWS CLI (a declared deviation).
    app.construct(deployment, "CustomResourceHandler");
    let (function, role) = handler_function(app, stack.node, p.role.clone(), handler);

    let mut bucket_names = Vec::new();
    let mut object_keys = Vec::new();
    let mut markers: Vec<Option<Value>> = Vec::new();
    let mut markers_config: Vec<Option<Value>> = Vec::new();
    for (i, source) in p.sources.iter().enumerate() {
        let display_name = format!(
            "{}/Asset{}",
            app.tree.path_below_stack(deployment).join("/"),
            i + 1
        );
        let (asset_source, source_markers) = match source {
            Source::JsonData { object_key, value } => {
                let (text, m) = render_json_data(value);
                (
                    AssetSource::Data {
                        file_name: object_key.clone(),
                        contents: text.into_bytes(),
                    },
                    Some(m),
                )
            }
            Source::Asset(path) => {
                let source = if path.is_file() {
                    AssetSource::File(path.clone())
                } else {
                    AssetSource::Directory(path.clone())
                };
                (source, None)
            }
        };
        let location = add_asset(
            app,
            stack,
            &display_name,
            asset_source,
            &AssetOptions::default(),
            None,
        )?;
        app.construct(deployment, &format!("Asset{}", i + 1));
        iam::add_to_principal_policy(
            app,
            &role,
            Statement::allow(READ_ACTIONS).on([
                location.bucket_arn(),
                crate::cdk::concat([location.bucket_arn(), "/*".into()]),
            ]),
        );
        bucket_names.push(Value::from(location.bucket_name.clone()));
        object_keys.push(Value::from(location.object_key.clone()));
        markers_config.push(source_markers.as_ref().map(|_| map! {}));
        markers.push(source_markers.map(Value::Map));
    }
    p.destination.grant_read_write(app, &role);

    // compat: a source without markers gets `{}` only when there are several sources; the
    // list is left out when empty.
    let several = p.sources.len() > 1;
    let fill = |items: Vec<Option<Value>>| -> Option<Value> {
        let list: Vec<Value> = items
            .into_iter()
            .filter_map(|m| m.or_else(|| several.then(|| map! {})))
            .collect();
        (!list.is_empty()).then_some(Value::List(list))
    };
    let properties = props([
        ("ServiceToken", Some(Value::get_att(function, "Arn"))),
        ("SourceBucketNames", Some(Value::List(bucket_names))),
        ("SourceObjectKeys", Some(Value::List(object_keys))),
        ("SourceMarkers", fill(markers)),
        ("SourceMarkersConfig", fill(markers_config)),
        ("DestinationBucketName", Some(p.destination.name())),
        (
            "DestinationBucketKeyPrefix",
            p.destination_key_prefix.clone().map(Value::from),
        ),
        ("Prune", Some(p.prune.into())),
        ("OutputObjectKeys", Some(true.into())),
    ]);
    let wrapper = app.construct(deployment, "CustomResource");
    let mut resource = Resource::new("Custom::CDKBucketDeployment", properties);
    resource.removal_policy(RemovalPolicy::Delete);
    let resource = app.resource(wrapper, "Default", resource);

    // compat: the destination is tagged as owned by this deployment (the handler's delete rule).
    let addr = super::names::node_addr(app, wrapper);
    let prefix = p
        .destination_key_prefix
        .as_deref()
        .map(|k| format!(":{k}"))
        .unwrap_or_default();
    let tag = format!("{OWNER_TAG}{prefix}:{}", &addr[addr.len() - 8..]);
    p.destination.add_tag(app, &tag, "true");
    Ok(resource)
}

/// The stack's handler function and the role it runs as, created on first use.
fn handler_function(
    app: &mut App,
    stack_node: NodeId,
    role: Option<RoleRef>,
    handler: &mut DeploymentHandler,
) -> (NodeId, RoleRef) {
    let stack = app.stack_ref(stack_node);
    if let Some((function, role)) = handler.created.clone() {
        let singleton = app
            .tree
            .node(function)
            .parent
            .expect("the function has a construct");
        mark_singleton(app, singleton);
        return (function, role);
    }
    let singleton = app.construct(stack_node, HANDLER_ID);
    let role = match role {
        Some(r) => r,
        None => iam::role(
            app,
            singleton,
            "ServiceRole",
            iam::RoleProps {
                assumed_by: vec![Principal::service("lambda.amazonaws.com")],
                managed_policy_arns: vec![iam::aws_managed_policy(
                    "service-role/AWSLambdaBasicExecutionRole",
                )],
                ..Default::default()
            },
        ),
    };
    let location = handler
        .code
        .register(app, stack, &format!("{HANDLER_ID}/Code"));
    let properties = props([
        ("Code", Some(location.s3_location())),
        (
            "Environment",
            Some(map! { "Variables" => map! { "AWS_CA_BUNDLE" => CA_BUNDLE } }),
        ),
        ("Handler", Some(HANDLER_ENTRY.into())),
        ("Role", Some(role.arn.clone())),
        ("Runtime", Some(HANDLER_RUNTIME.into())),
        ("Timeout", Some(900.into())),
    ]);
    let mut function = Resource::new("AWS::Lambda::Function", properties);
    if !role.is_imported() {
        function.depends_on.push(role.node);
    }
    add_asset_metadata(&mut function, &location, "Code");
    let function = app.resource(singleton, "Resource", function);
    mark_singleton(app, singleton);
    handler.created = Some((function, role.clone()));
    (function, role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_data_markers_stand_for_deploy_time_leaves() {
        let value = map! {
            "a" => Value::Pseudo(crate::cdk::Pseudo::Region),
            "b" => Value::list([Value::Pseudo(crate::cdk::Pseudo::AccountId)]),
            "c" => "lit\"eral",
        };
        let (text, markers) = render_json_data(&value);
        assert_eq!(
            text,
            r#"{"a":<<marker:0xbaba:0>>,"b":[<<marker:0xbaba:1>>],"c":"lit\"eral"}"#
        );
        assert_eq!(
            markers["<<marker:0xbaba:0>>"],
            Value::Join(
                "".into(),
                vec![
                    "\"".into(),
                    Value::Pseudo(crate::cdk::Pseudo::Region),
                    "\"".into()
                ]
            )
        );
    }
}
