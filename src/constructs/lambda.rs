//! Lambda functions, layer versions and invoke permissions, rendered as aws-cdk-lib's
//! `lambda.Function`, `lambda.LayerVersion` and `addPermission` render them.
//!
//! ```ignore
//! let f = lambda::function(app, stack.node, "my-fn", FunctionProps {
//!     handler: "index.handler".into(),
//!     role: FunctionRole::Arn(role_arn),
//!     ..FunctionProps::new(Code::Registered(location), LambdaRuntime::PYTHON_3_11)
//! });
//! lambda::add_permission(app, &f, f.node, "invoke", PermissionProps::service("events.amazonaws.com"));
//! ```
use std::any::Any;
use std::rc::Rc;

use indexmap::IndexMap;

use crate::cdk::app::props;
use crate::cdk::assets::PlannedAsset;
use crate::cdk::lambda_runtimes::LambdaRuntime;
use crate::cdk::{App, Map, NodeId, Resource, Value};

use super::assets::{add_asset_metadata, register, AssetLocation};
use super::iam::{self, Principal, RoleProps, RoleRef};

/// Where a function's (or layer's) code comes from.
#[derive(Clone)]
pub enum Code {
    /// A planned asset; it is registered with the function's stack as `<function>/Code`.
    /// The second field is kept alive until staging (e.g. a temporary directory).
    Asset(PlannedAsset, Option<Rc<dyn Any>>),
    /// An asset the caller has registered already.
    Registered(AssetLocation),
    /// An object in a bucket (`Code.fromBucket`), e.g. an asset of another construct: rendered
    /// as its bucket and key only, with no `Code` asset child and no `aws:asset:*` metadata.
    Bucket(AssetLocation),
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Code::Asset(p, _) => f.debug_tuple("Asset").field(&p.hash).finish(),
            Code::Registered(l) => f.debug_tuple("Registered").field(&l.object_key).finish(),
            Code::Bucket(l) => f.debug_tuple("Bucket").field(&l.object_key).finish(),
        }
    }
}

impl Code {
    /// Registers the code (when needed) as the asset `<scope path below the stack>/Code`, adds
    /// the `Code` child of an asset, and gives the location with whether it is the resource's
    /// own asset (which gets the `aws:asset:*` metadata).
    fn location(self, app: &mut App, scope: NodeId) -> (AssetLocation, bool) {
        let location = match self {
            Code::Bucket(location) => return (location, false),
            Code::Registered(location) => location,
            Code::Asset(planned, keep) => {
                let stack = app.stack_ref(scope);
                let display_name = format!("{}/Code", app.tree.path_below_stack(scope).join("/"));
                register(app, stack, &display_name, planned, keep)
            }
        };
        app.construct(scope, "Code");
        (location, true)
    }
}

/// The role a function runs as.
#[derive(Debug, Clone)]
pub enum FunctionRole {
    /// An existing role, by ARN (`Role.fromRoleArn`): nothing is created.
    Arn(Value),
    /// A role the caller created or imported.
    Role(RoleRef),
    /// A new `<function>/ServiceRole` assumed by Lambda with the basic execution policy (and the
    /// VPC access policy when the function is in a VPC), as aws-cdk-lib creates by default.
    Create,
}

/// Subnets and security groups of a function placed in a VPC.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VpcPlacement {
    pub subnet_ids: Vec<Value>,
    pub security_group_ids: Vec<Value>,
}

/// The instruction set a function runs on (`lambda.Architecture`), read from the configuration
/// by the name Lambda uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Architecture {
    #[serde(rename = "x86_64")]
    X86_64,
    #[serde(rename = "arm64")]
    Arm64,
}

impl Architecture {
    /// The name Lambda uses in `Architectures` (`x86_64`, `arm64`).
    pub fn name(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }

    /// The Docker platform that builds code for this architecture.
    pub fn docker_platform(self) -> &'static str {
        match self {
            Architecture::X86_64 => "linux/amd64",
            Architecture::Arm64 => "linux/arm64",
        }
    }

    /// Parse a Lambda architecture name.
    pub fn from_name(name: &str) -> Option<Architecture> {
        match name {
            "x86_64" => Some(Architecture::X86_64),
            "arm64" => Some(Architecture::Arm64),
            _ => None,
        }
    }
}

/// What a function is made of (aws-cdk-lib's `FunctionProps`, the parts MLSpace uses).
#[derive(Debug, Clone)]
pub struct FunctionProps {
    pub code: Code,
    pub handler: String,
    pub runtime: LambdaRuntime,
    /// `None` leaves `Architectures` out (the Lambda default, x86_64).
    pub architecture: Option<Architecture>,
    pub function_name: Option<Value>,
    pub description: Option<String>,
    /// In insertion order; `Environment` is left out when empty.
    pub environment: IndexMap<String, Value>,
    /// Layer ARNs in order.
    pub layers: Vec<Value>,
    pub memory_size: Option<u32>,
    pub timeout_seconds: Option<u32>,
    pub role: FunctionRole,
    pub vpc: Option<VpcPlacement>,
    pub reserved_concurrent_executions: Option<u32>,
    /// Further L1 properties, by CloudFormation name (rendered in alphabetical order with the rest).
    pub extra: Map,
}

impl FunctionProps {
    /// Props with the given code and runtime; the handler still to be set.
    pub fn new(code: Code, runtime: LambdaRuntime) -> Self {
        FunctionProps {
            code,
            handler: String::new(),
            runtime,
            architecture: None,
            function_name: None,
            description: None,
            environment: IndexMap::new(),
            layers: Vec::new(),
            memory_size: None,
            timeout_seconds: None,
            role: FunctionRole::Create,
            vpc: None,
            reserved_concurrent_executions: None,
            extra: Map::new(),
        }
    }
}

/// A function other constructs use.
#[derive(Debug, Clone)]
pub struct FunctionRef {
    /// The function's construct (`<id>`).
    pub node: NodeId,
    /// The `AWS::Lambda::Function` at `<id>/Resource`.
    pub resource: NodeId,
    /// The role the function created (`<id>/ServiceRole`), or the one it was given.
    pub role: Option<RoleRef>,
    pub role_arn: Value,
}

impl FunctionRef {
    /// `{"Fn::GetAtt": [<function>, "Arn"]}`.
    pub fn arn(&self) -> Value {
        Value::get_att(self.resource, "Arn")
    }
    /// `{"Ref": <function>}` (the function name).
    pub fn name(&self) -> Value {
        Value::Ref(self.resource)
    }
}

pub const LAMBDA_SERVICE: &str = "lambda.amazonaws.com";
const BASIC_EXECUTION_POLICY: &str = "service-role/AWSLambdaBasicExecutionRole";
const VPC_ACCESS_POLICY: &str = "service-role/AWSLambdaVPCAccessExecutionRole";

/// The role aws-cdk-lib creates for a function: Lambda may assume it, with the basic execution
/// policy and, for a function in a VPC, the VPC access policy.
pub fn service_role(app: &mut App, scope: NodeId, id: &str, in_vpc: bool) -> RoleRef {
    let mut managed = vec![iam::aws_managed_policy(BASIC_EXECUTION_POLICY)];
    if in_vpc {
        managed.push(iam::aws_managed_policy(VPC_ACCESS_POLICY));
    }
    iam::role(
        app,
        scope,
        id,
        RoleProps {
            assumed_by: vec![Principal::service(LAMBDA_SERVICE)],
            managed_policy_arns: managed,
            ..Default::default()
        },
    )
}

/// `new lambda.Function(scope, id, props)`.
pub fn function(app: &mut App, scope: NodeId, id: &str, p: FunctionProps) -> FunctionRef {
    let node = app.construct(scope, id);
    let (role, role_arn) = match p.role {
        FunctionRole::Arn(arn) => (None, arn),
        FunctionRole::Role(r) => {
            let arn = r.arn.clone();
            (Some(r), arn)
        }
        FunctionRole::Create => {
            let r = service_role(app, node, "ServiceRole", p.vpc.is_some());
            let arn = r.arn.clone();
            (Some(r), arn)
        }
    };
    let (location, own_asset) = p.code.location(app, node);

    let environment = (!p.environment.is_empty()).then(|| {
        let vars: Map = p.environment.into_iter().collect();
        crate::map! { "Variables" => Value::Map(vars) }
    });
    let vpc_config = p.vpc.map(|v| {
        crate::map! {
            "SecurityGroupIds" => Value::List(v.security_group_ids),
            "SubnetIds" => Value::List(v.subnet_ids),
        }
    });
    let mut properties = props([
        (
            "Architectures",
            p.architecture.map(|a| Value::list([a.name()])),
        ),
        ("Code", Some(location.s3_location())),
        ("Description", p.description.map(Value::from)),
        ("Environment", environment),
        ("FunctionName", p.function_name),
        ("Handler", Some(p.handler.into())),
        (
            "Layers",
            (!p.layers.is_empty()).then(|| Value::List(p.layers)),
        ),
        ("MemorySize", p.memory_size.map(Value::from)),
        (
            "ReservedConcurrentExecutions",
            p.reserved_concurrent_executions.map(Value::from),
        ),
        ("Role", Some(role_arn.clone())),
        ("Runtime", Some(p.runtime.into())),
        ("Timeout", p.timeout_seconds.map(Value::from)),
        ("VpcConfig", vpc_config),
    ]);
    properties.extend(p.extra);
    let mut resource = Resource::new("AWS::Lambda::Function", properties);
    if own_asset {
        add_asset_metadata(&mut resource, &location, "Code");
    }
    // compat: the function depends on its role's construct, which covers a created role's
    // DefaultPolicy too; an imported role has no resources, so nothing is rendered.
    if let Some(r) = role.as_ref().filter(|r| !r.is_imported()) {
        resource.depends_on.push(r.node);
    }
    let resource = app.resource(node, "Resource", resource);
    FunctionRef {
        node,
        resource,
        role,
        role_arn,
    }
}

/// The context flag under which aws-cdk-lib orders a function's layers by construct path.
pub const RECOGNIZE_LAYER_VERSION_FLAG: &str = "@aws-cdk/aws-lambda:recognizeLayerVersion";

/// A function's `Layers` from `(layer construct, layer ARN)` pairs: in the given order, or
/// (compat: with the recognizeLayerVersion flag on, aws-cdk-lib sorts the layer objects, which
/// compare by construct path) ordered by the layers' construct paths.
pub fn ordered_layers(app: &App, layers: &[(NodeId, Value)]) -> Vec<Value> {
    let mut layers = layers.to_vec();
    if app
        .context_value(RECOGNIZE_LAYER_VERSION_FLAG)
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
    {
        layers.sort_by(|a, b| {
            crate::cdk::assets::js_string_cmp(
                &app.tree.path(a.0).joined(),
                &app.tree.path(b.0).joined(),
            )
        });
    }
    layers.into_iter().map(|(_, arn)| arn).collect()
}

/// What a layer version is made of.
#[derive(Debug, Clone)]
pub struct LayerProps {
    pub code: Code,
    pub description: Option<String>,
    pub compatible_runtimes: Vec<LambdaRuntime>,
    pub compatible_architectures: Vec<Architecture>,
    pub layer_name: Option<String>,
    pub license: Option<String>,
}

impl LayerProps {
    pub fn new(code: Code) -> Self {
        LayerProps {
            code,
            description: None,
            compatible_runtimes: Vec::new(),
            compatible_architectures: Vec::new(),
            layer_name: None,
            license: None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LayerRef {
    pub node: NodeId,
    pub resource: NodeId,
}

impl LayerRef {
    /// The layer version ARN (`{"Ref": <layer>}`).
    pub fn arn(&self) -> Value {
        Value::Ref(self.resource)
    }
}

/// `new lambda.LayerVersion(scope, id, props)`: an `AWS::Lambda::LayerVersion` at `<id>/Resource`.
pub fn layer_version(app: &mut App, scope: NodeId, id: &str, p: LayerProps) -> LayerRef {
    let node = app.construct(scope, id);
    let (location, own_asset) = p.code.location(app, node);
    let names = |v: Vec<&'static str>| {
        (!v.is_empty()).then(|| Value::List(v.into_iter().map(Value::from).collect()))
    };
    let architectures = p.compatible_architectures.iter().map(|a| a.name());
    let runtimes = p.compatible_runtimes.iter().map(|r| r.name());
    let properties = props([
        ("CompatibleArchitectures", names(architectures.collect())),
        ("CompatibleRuntimes", names(runtimes.collect())),
        ("Content", Some(location.s3_location())),
        ("Description", p.description.map(Value::from)),
        ("LayerName", p.layer_name.map(Value::from)),
        ("LicenseInfo", p.license.map(Value::from)),
    ]);
    let mut resource = Resource::new("AWS::Lambda::LayerVersion", properties);
    if own_asset {
        add_asset_metadata(&mut resource, &location, "Content");
    }
    let resource = app.resource(node, "Resource", resource);
    LayerRef { node, resource }
}

/// A grant to invoke a function (`lambda.Permission`).
#[derive(Debug, Clone)]
pub struct PermissionProps {
    /// e.g. `apigateway.amazonaws.com`.
    pub principal: Value,
    /// Defaults to `lambda:InvokeFunction`.
    pub action: Option<String>,
    pub source_arn: Option<Value>,
    pub source_account: Option<Value>,
}

impl PermissionProps {
    pub fn service(service: &str) -> Self {
        PermissionProps {
            principal: service.into(),
            action: None,
            source_arn: None,
            source_account: None,
        }
    }
    pub fn source_arn(mut self, arn: Value) -> Self {
        self.source_arn = Some(arn);
        self
    }
    pub fn source_account(mut self, account: Value) -> Self {
        self.source_account = Some(account);
        self
    }
}

/// `function.addPermission(id, {scope, ...})`: an `AWS::Lambda::Permission` named `id` under
/// `scope` (aws-cdk-lib's default scope is the function's construct, `function.node`).
pub fn add_permission(
    app: &mut App,
    function: &FunctionRef,
    scope: NodeId,
    id: &str,
    p: PermissionProps,
) -> NodeId {
    let properties = props([
        (
            "Action",
            Some(
                p.action
                    .unwrap_or_else(|| "lambda:InvokeFunction".into())
                    .into(),
            ),
        ),
        ("FunctionName", Some(function.arn())),
        ("Principal", Some(p.principal)),
        ("SourceAccount", p.source_account),
        ("SourceArn", p.source_arn),
    ]);
    app.resource(
        scope,
        id,
        Resource::new("AWS::Lambda::Permission", properties),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::Environment;

    fn location() -> AssetLocation {
        AssetLocation {
            bucket_name: "b".into(),
            object_key: "k.zip".into(),
            staged_name: "asset.k".into(),
        }
    }

    fn app() -> (App, crate::cdk::StackRef) {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            Environment {
                account: "1".into(),
                region: "us-east-1".into(),
            },
            Vec::new(),
        );
        (app, s)
    }

    /// Props with a handler, a runtime and registered code; tests override the rest.
    fn basic_props() -> FunctionProps {
        FunctionProps {
            handler: "h".into(),
            ..FunctionProps::new(Code::Registered(location()), LambdaRuntime::PYTHON_3_11)
        }
    }

    #[test]
    fn imported_role_function_has_no_dependencies() {
        let (mut app, s) = app();
        let f = function(
            &mut app,
            s.node,
            "fn",
            FunctionProps {
                role: FunctionRole::Arn("arn:role".into()),
                memory_size: Some(512),
                ..basic_props()
            },
        );
        let r = app.resource_ref(f.resource);
        assert!(r.depends_on.is_empty());
        assert_eq!(r.properties["Role"], Value::from("arn:role"));
        assert!(!r.properties.contains_key("Environment"));
        assert_eq!(r.metadata["aws:asset:property"], Value::from("Code"));
        assert_eq!(
            app.tree.path_below_stack(f.resource),
            vec!["fn", "Resource"]
        );
    }

    #[test]
    fn created_role_gets_vpc_policy_and_dependency() {
        let (mut app, s) = app();
        let f = function(
            &mut app,
            s.node,
            "fn",
            FunctionProps {
                vpc: Some(VpcPlacement {
                    subnet_ids: vec!["s1".into()],
                    security_group_ids: vec!["g".into()],
                }),
                ..basic_props()
            },
        );
        let role = f.role.clone().unwrap();
        assert_eq!(app.resource_ref(f.resource).depends_on, vec![role.node]);
        let role_props = &app.resource_ref(role.resource.unwrap()).properties;
        match &role_props["ManagedPolicyArns"] {
            Value::List(items) => assert_eq!(items.len(), 2),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn permission_lands_under_the_given_scope() {
        let (mut app, s) = app();
        let f = function(
            &mut app,
            s.node,
            "fn",
            FunctionProps {
                role: FunctionRole::Arn("r".into()),
                ..basic_props()
            },
        );
        let scope = app.construct(s.node, "rule");
        let p = add_permission(
            &mut app,
            &f,
            scope,
            "Allow",
            PermissionProps::service("events.amazonaws.com"),
        );
        assert_eq!(app.tree.path_below_stack(p), vec!["rule", "Allow"]);
        let props = &app.resource_ref(p).properties;
        assert_eq!(props["Action"], Value::from("lambda:InvokeFunction"));
        assert_eq!(props["FunctionName"], f.arn());
    }
}
