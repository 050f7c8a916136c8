//! `BucketDeployment`: copies asset zips into a bucket at deploy time, filling in deploy-time
//! values (markers), through a handler function shared by the stack (our `handlers/bucket_deployment`).
//!
//! compat: aws-cdk-lib gives the handler the AWS CLI layer; ours needs no AWS CLI, so there is
//! no `AwsCliLayer` (a declared deviation, see tests/parity/deviations.json).
use crate::cdk::app::props;
use crate::cdk::assets::{AssetError, AssetOptions, AssetSource, PlannedAsset};
use crate::cdk::{concat, App, Map, NodeId, Pseudo, RemovalPolicy, Resource, Value};
use crate::constructs::iam::{self, RoleRef, Statement};
use crate::map;

use super::assets::{add_asset, add_asset_metadata, register};
use super::custom_resources::mark_singleton;
use super::handlers::{HandlerCode, HANDLER_ENTRY, HANDLER_RUNTIME};
use super::names::singleton_id;
use super::s3::{Bucket, READ_ACTIONS, READ_WRITE_ACTIONS};

/// compat: aws-cdk-lib's handler is the singleton function of this purpose and UUID.
pub const HANDLER_PURPOSE: &str = "Custom::CDKBucketDeployment";
pub const HANDLER_UUID: &str = "8693BB64-9689-44B6-9AAF-B0CC9EB8756C";
/// compat: aws-cdk-lib points the AWS CLI and boto3 at this bundle in every region.
pub const CA_BUNDLE: &str = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
const HANDLER_TIMEOUT_S: u32 = 900;
const OWNER_TAG: &str = "aws-cdk:cr-owned";
/// compat: `Source.data` replaces each deploy-time part with this prefix, a counter and `>>`.
const MARKER_PREFIX: &str = "<<marker:0xbaba:";

/// What goes into the bucket.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// `Source.jsonData(objectKey, value)`: one JSON file; deploy-time leaves become markers.
    JsonData { object_key: String, value: Value },
    /// `Source.data(objectKey, data)`: one text file; each deploy-time part of `data` (a string
    /// or a `concat` of strings and deploy-time values) becomes a marker.
    Data { object_key: String, data: Value },
    /// `Source.asset(path)`: a directory (or zip) from the source tree, planned (fingerprinted)
    /// ahead of building.
    Asset(PlannedAsset),
}

/// Where the files go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// A bucket of this app: grants name its ARN and the bucket is tagged as owned.
    Bucket(Bucket),
    /// `Bucket.fromBucketName`: a bucket known by its name only (nothing to tag).
    Named(String),
}

impl From<Bucket> for Destination {
    fn from(bucket: Bucket) -> Self {
        Destination::Bucket(bucket)
    }
}

impl Destination {
    fn name(&self) -> Value {
        match self {
            Destination::Bucket(b) => b.name(),
            Destination::Named(name) => name.as_str().into(),
        }
    }

    /// `destinationBucket.grantReadWrite(handler)`.
    fn grant_read_write(&self, app: &mut App, role: &RoleRef) {
        match self {
            Destination::Bucket(b) => b.grant_read_write(app, role),
            Destination::Named(name) => {
                let arn = |suffix: &str| {
                    concat([
                        Value::from("arn:"),
                        Pseudo::Partition.into(),
                        format!(":s3:::{name}{suffix}").into(),
                    ])
                };
                iam::add_to_principal_policy(
                    app,
                    role,
                    Statement::allow(READ_WRITE_ACTIONS).on([arn(""), arn("/*")]),
                );
            }
        }
    }

    /// `Tags.of(destinationBucket).add(key, "true")`: an imported bucket has no resource to tag.
    fn add_owner_tag(&self, app: &mut App, key: &str) {
        if let Destination::Bucket(b) = self {
            b.add_tag(app, key, "true");
        }
    }
}

#[derive(Debug, Clone)]
pub struct BucketDeploymentProps {
    pub sources: Vec<Source>,
    pub destination: Destination,
    pub destination_key_prefix: Option<String>,
    pub prune: bool,
    /// An existing role for the handler; without one the handler gets its own service role.
    pub role: Option<RoleRef>,
    /// `memoryLimit` in MiB: the handler's memory, and part of the handler's and the custom
    /// resource's construct ids (a deployment with another limit gets its own handler).
    pub memory_limit: Option<u32>,
}

/// compat: `renderUniqueId`: what tells handlers apart (only the memory limit here; aws-cdk-lib
/// also counts ephemeral storage and a VPC, which we do not support).
fn unique_suffix(memory_limit: Option<u32>) -> String {
    memory_limit.map(|m| format!("-{m}MiB")).unwrap_or_default()
}

/// The handler singleton's construct id at the stack's top: the purpose followed by the UUID
/// and the unique suffix, slugified.
pub fn handler_id(memory_limit: Option<u32>) -> String {
    let uuid = format!("{HANDLER_UUID}{}", unique_suffix(memory_limit));
    singleton_id(HANDLER_PURPOSE, &uuid)
}

/// `Source.data` rendering: the text with every deploy-time part of `data` replaced by a
/// marker, and the markers' values.
pub fn render_data(data: &Value) -> (String, Map) {
    let parts = match data {
        Value::Join(d, parts) if d.is_empty() => parts.clone(),
        other => vec![other.clone()],
    };
    let mut text = String::new();
    let mut markers = Map::new();
    for part in parts {
        match part {
            Value::String(s) => text.push_str(&s),
            token => {
                let marker = format!("{MARKER_PREFIX}{}>>", markers.len());
                text.push_str(&marker);
                markers.insert(marker, token);
            }
        }
    }
    (text, markers)
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
                let marker = format!("{MARKER_PREFIX}{}>>", markers.len());
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

/// A handler function and the role it runs as.
#[derive(Debug, Clone)]
struct Singleton {
    /// Its construct id at the stack's top.
    id: String,
    function: NodeId,
    role: RoleRef,
}

/// The stack's deployment handlers: their code, and the singletons created so far (the first
/// deployment with a given memory limit creates one, with that deployment's role).
#[derive(Debug, Clone)]
pub struct DeploymentHandler {
    code: HandlerCode,
    created: Vec<Singleton>,
}

impl DeploymentHandler {
    pub fn new(code: HandlerCode) -> Self {
        DeploymentHandler {
            code,
            created: Vec::new(),
        }
    }

    /// The first `AWS::Lambda::Function` created, if any.
    pub fn function(&self) -> Option<NodeId> {
        self.created.first().map(|s| s.function)
    }

    /// `handler.addEnvironment(key, value)` on every function created so far.
    pub fn add_environment(&self, app: &mut App, key: &str, value: &str) {
        for singleton in &self.created {
            let properties = &mut app.resource_mut(singleton.function).properties;
            if let Some(Value::Map(environment)) = properties.get_mut("Environment") {
                if let Some(Value::Map(vars)) = environment.get_mut("Variables") {
                    vars.insert(key.to_string(), value.into());
                }
            }
        }
    }
}

/// How a source lands in the custom resource: its asset and its markers.
struct BoundSource {
    source: Bound,
    markers: Option<Map>,
    markers_config: Option<Value>,
}

/// A source's asset: to be planned (in-memory data) or planned ahead.
enum Bound {
    Plan(AssetSource),
    Planned(PlannedAsset),
}

fn bind(source: &Source) -> BoundSource {
    match source {
        Source::JsonData { object_key, value } => {
            let (text, markers) = render_json_data(value);
            BoundSource {
                source: Bound::Plan(AssetSource::Data {
                    file_name: object_key.clone(),
                    contents: text.into_bytes(),
                }),
                markers: Some(markers),
                // compat: `jsonData` always passes a (here empty) markers config.
                markers_config: Some(map! {}),
            }
        }
        Source::Data { object_key, data } => {
            let (text, markers) = render_data(data);
            BoundSource {
                source: Bound::Plan(AssetSource::Data {
                    file_name: object_key.clone(),
                    contents: text.into_bytes(),
                }),
                markers: Some(markers),
                markers_config: None,
            }
        }
        Source::Asset(planned) => BoundSource {
            source: Bound::Planned(planned.clone()),
            markers: None,
            markers_config: None,
        },
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
    app.construct(deployment, "CustomResourceHandler");
    let (function, role) = handler_function(app, stack.node, &p, handler);

    let sources = add_sources(app, deployment, &p.sources, &role)?;
    p.destination.grant_read_write(app, &role);

    // compat: a source without markers (or markers config) gets `{}` only when there are
    // several sources; the list is left out when empty.
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
        ("SourceBucketNames", Some(Value::List(sources.bucket_names))),
        ("SourceObjectKeys", Some(Value::List(sources.object_keys))),
        ("SourceMarkers", fill(sources.markers)),
        ("SourceMarkersConfig", fill(sources.markers_config)),
        ("DestinationBucketName", Some(p.destination.name())),
        (
            "DestinationBucketKeyPrefix",
            p.destination_key_prefix.clone().map(Value::from),
        ),
        ("Prune", Some(p.prune.into())),
        ("OutputObjectKeys", Some(true.into())),
    ]);
    let wrapper_id = format!("CustomResource{}", unique_suffix(p.memory_limit));
    let wrapper = app.construct(deployment, &wrapper_id);
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
    p.destination.add_owner_tag(app, &tag);
    Ok(resource)
}

/// The deployment's sources as the custom resource lists them, one entry per source.
#[derive(Default)]
struct SourceLists {
    bucket_names: Vec<Value>,
    object_keys: Vec<Value>,
    markers: Vec<Option<Value>>,
    markers_config: Vec<Option<Value>>,
}

/// Each source as an asset (`<deployment>/AssetN`) the handler's role may read.
fn add_sources(
    app: &mut App,
    deployment: NodeId,
    sources: &[Source],
    role: &RoleRef,
) -> Result<SourceLists, AssetError> {
    let stack = app.stack_ref(deployment);
    let mut out = SourceLists::default();
    for (i, source) in sources.iter().enumerate() {
        let asset_id = format!("Asset{}", i + 1);
        let display_name = format!(
            "{}/{asset_id}",
            app.tree.path_below_stack(deployment).join("/")
        );
        let bound = bind(source);
        let location = match bound.source {
            Bound::Plan(source) => add_asset(
                app,
                stack,
                &display_name,
                source,
                &AssetOptions::default(),
                None,
            )?,
            Bound::Planned(planned) => register(app, stack, &display_name, planned, None),
        };
        app.construct(deployment, &asset_id);
        iam::add_to_principal_policy(
            app,
            role,
            Statement::allow(READ_ACTIONS).on([
                location.bucket_arn(),
                concat([location.bucket_arn(), "/*".into()]),
            ]),
        );
        out.bucket_names.push(Value::from(location.bucket_name));
        out.object_keys.push(Value::from(location.object_key));
        out.markers.push(bound.markers.map(Value::Map));
        out.markers_config.push(bound.markers_config);
    }
    Ok(out)
}

/// The handler function for `p`'s memory limit and the role it runs as, created on first use.
fn handler_function(
    app: &mut App,
    stack_node: NodeId,
    p: &BucketDeploymentProps,
    handler: &mut DeploymentHandler,
) -> (NodeId, RoleRef) {
    let stack = app.stack_ref(stack_node);
    let id = handler_id(p.memory_limit);
    if let Some(existing) = handler.created.iter().find(|s| s.id == id) {
        let (function, role) = (existing.function, existing.role.clone());
        let singleton = app
            .tree
            .node(function)
            .parent
            .expect("the function has a construct");
        mark_singleton(app, singleton);
        return (function, role);
    }
    let singleton = app.construct(stack_node, &id);
    let role = match p.role.clone() {
        Some(r) => r,
        None => super::lambda::service_role(app, singleton, "ServiceRole", false),
    };
    let location = handler.code.register(app, stack, &format!("{id}/Code"));
    let properties = props([
        ("Code", Some(location.s3_location())),
        (
            "Environment",
            Some(map! { "Variables" => map! { "AWS_CA_BUNDLE" => CA_BUNDLE } }),
        ),
        ("Handler", Some(HANDLER_ENTRY.into())),
        ("MemorySize", p.memory_limit.map(Value::from)),
        ("Role", Some(role.arn.clone())),
        ("Runtime", Some(HANDLER_RUNTIME.into())),
        ("Timeout", Some(HANDLER_TIMEOUT_S.into())),
    ]);
    let mut function = Resource::new("AWS::Lambda::Function", properties);
    if !role.is_imported() {
        function.depends_on.push(role.node);
    }
    add_asset_metadata(&mut function, &location, "Code");
    let function = app.resource(singleton, "Resource", function);
    mark_singleton(app, singleton);
    handler.created.push(Singleton {
        id,
        function,
        role: role.clone(),
    });
    (function, role)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::Environment;
    use crate::constructs::handlers::HandlerKind;

    fn app() -> (App, NodeId, DeploymentHandler) {
        let mut app = App::new(Default::default());
        let env = Environment {
            account: "111".into(),
            region: "us-east-1".into(),
        };
        let stack = app.add_stack("s", env, Vec::new()).node;
        let code = HandlerCode::load(HandlerKind::BucketDeployment).unwrap();
        (app, stack, DeploymentHandler::new(code))
    }

    fn props(sources: Vec<Source>, destination: Destination) -> BucketDeploymentProps {
        BucketDeploymentProps {
            sources,
            destination,
            destination_key_prefix: None,
            prune: true,
            role: None,
            memory_limit: None,
        }
    }

    fn data(object_key: &str, data: Value) -> Source {
        Source::Data {
            object_key: object_key.into(),
            data,
        }
    }

    fn contains(haystack: &Value, needle: &Value) -> bool {
        haystack == needle
            || match haystack {
                Value::List(items) | Value::Join(_, items) => {
                    items.iter().any(|v| contains(v, needle))
                }
                Value::Map(m) => m.values().any(|v| contains(v, needle)),
                _ => false,
            }
    }

    fn path(app: &App, node: NodeId) -> String {
        app.tree.path_below_stack(node).join("/")
    }

    #[test]
    fn handler_ids_are_the_purpose_and_the_slugified_uuid() {
        // Vectors: the handler paths in templates aws-cdk-lib 2.212.0 wrote.
        assert_eq!(
            handler_id(None),
            "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"
        );
        assert_eq!(
            handler_id(Some(1024)),
            "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C1024MiB"
        );
    }

    #[test]
    fn a_memory_limit_names_its_own_handler_and_custom_resource() {
        let (mut app, stack, mut handler) = app();
        let limited = BucketDeploymentProps {
            memory_limit: Some(1024),
            ..props(vec![data("a", "x".into())], Destination::Named("b".into()))
        };
        let first =
            bucket_deployment(&mut app, stack, "One", limited.clone(), &mut handler).unwrap();
        assert_eq!(path(&app, first), "One/CustomResource-1024MiB/Default");
        let function = handler.function().unwrap();
        assert_eq!(
            path(&app, function),
            format!("{}/Resource", handler_id(Some(1024)))
        );
        assert_eq!(
            app.resource_ref(function).properties["MemorySize"],
            Value::from(1024u32)
        );

        // The same limit shares the handler; no limit gets another one, without MemorySize.
        let second = bucket_deployment(&mut app, stack, "Two", limited, &mut handler).unwrap();
        assert_eq!(
            app.resource_ref(second).properties["ServiceToken"],
            Value::get_att(function, "Arn")
        );
        let plain = props(vec![data("a", "x".into())], Destination::Named("b".into()));
        let third = bucket_deployment(&mut app, stack, "Three", plain, &mut handler).unwrap();
        assert_eq!(path(&app, third), "Three/CustomResource/Default");
        let Value::GetAtt(other, _) = &app.resource_ref(third).properties["ServiceToken"] else {
            panic!("the service token is the handler's ARN");
        };
        assert_ne!(*other, function);
        assert_eq!(path(&app, *other), format!("{}/Resource", handler_id(None)));
        assert!(!app
            .resource_ref(*other)
            .properties
            .contains_key("MemorySize"));
    }

    #[test]
    fn a_bucket_known_by_name_is_granted_by_its_arn() {
        let (mut app, stack, mut handler) = app();
        let p = props(
            vec![data("a", "x".into())],
            Destination::Named("site".into()),
        );
        let cr = bucket_deployment(&mut app, stack, "Deploy", p, &mut handler).unwrap();
        assert_eq!(
            app.resource_ref(cr).properties["DestinationBucketName"],
            Value::from("site")
        );
        let role = app
            .tree
            .child(stack, &handler_id(None))
            .and_then(|s| app.tree.child(s, "ServiceRole"))
            .unwrap();
        let policy = app
            .tree
            .child(role, "DefaultPolicy")
            .and_then(|p| app.tree.child(p, "Resource"))
            .unwrap();
        let document = &app.resource_ref(policy).properties["PolicyDocument"];
        let objects = concat([
            Value::from("arn:"),
            Pseudo::Partition.into(),
            ":s3:::site/*".into(),
        ]);
        assert!(contains(document, &objects), "{document:?}");
        assert!(contains(document, &Value::from("s3:PutObject")));
    }

    #[test]
    fn an_owned_bucket_is_tagged_with_the_custom_resource_address() {
        let (mut app, stack, mut handler) = app();
        let bucket = super::super::s3::bucket(&mut app, stack, "Site", Default::default());
        let p = BucketDeploymentProps {
            destination_key_prefix: Some("p/".into()),
            ..props(vec![data("a", "x".into())], bucket.clone().into())
        };
        let cr = bucket_deployment(&mut app, stack, "Deploy", p, &mut handler).unwrap();
        let wrapper = app.tree.node(cr).parent.unwrap();
        let addr = super::super::names::node_addr(&app, wrapper);
        let tags = &app.resource_ref(bucket.resource).properties["Tags"];
        let key = format!("aws-cdk:cr-owned:p/:{}", &addr[addr.len() - 8..]);
        assert!(contains(tags, &Value::from(key.as_str())), "{tags:?}");
    }

    #[test]
    fn data_markers_replace_each_deploy_time_part_in_order() {
        let data = concat([
            Value::from("a"),
            Value::Pseudo(Pseudo::Region),
            Value::from("b"),
            Value::Pseudo(Pseudo::UrlSuffix),
        ]);
        let (text, markers) = render_data(&data);
        assert_eq!(text, "a<<marker:0xbaba:0>>b<<marker:0xbaba:1>>");
        assert_eq!(
            markers["<<marker:0xbaba:1>>"],
            Value::Pseudo(Pseudo::UrlSuffix)
        );
        let (plain, none) = render_data(&Value::from("x"));
        assert_eq!((plain.as_str(), none.len()), ("x", 0));
        let (whole, one) = render_data(&Value::Pseudo(Pseudo::Region));
        assert_eq!(whole, "<<marker:0xbaba:0>>");
        assert_eq!(one.len(), 1);
    }

    #[test]
    fn data_sources_carry_markers_but_no_markers_config() {
        let (mut app, stack, mut handler) = app();
        let env = concat([Value::from("u="), Value::Pseudo(Pseudo::Region)]);
        let alone = props(
            vec![data("env.js", env.clone())],
            Destination::Named("b".into()),
        );
        let cr = bucket_deployment(&mut app, stack, "Alone", alone, &mut handler).unwrap();
        let properties = &app.resource_ref(cr).properties;
        assert_eq!(
            properties["SourceMarkers"],
            Value::list([map! { "<<marker:0xbaba:0>>" => Value::Pseudo(Pseudo::Region) }])
        );
        assert!(!properties.contains_key("SourceMarkersConfig"));

        // Beside another source, each gets `{}` where it has nothing; JSON data has a config.
        let json = Source::JsonData {
            object_key: "p.json".into(),
            value: map! { "k" => "v" },
        };
        let both = props(
            vec![data("env.js", env), json],
            Destination::Named("b".into()),
        );
        let cr = bucket_deployment(&mut app, stack, "Both", both, &mut handler).unwrap();
        let properties = &app.resource_ref(cr).properties;
        assert_eq!(
            properties["SourceMarkersConfig"],
            Value::list([map! {}, map! {}])
        );
        let Value::List(markers) = &properties["SourceMarkers"] else {
            panic!("markers are a list");
        };
        assert_eq!(markers[1], map! {});
        assert_eq!(
            path(
                &app,
                app.tree
                    .child(app.tree.child(stack, "Both").unwrap(), "Asset2")
                    .unwrap()
            ),
            "Both/Asset2"
        );
    }

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
