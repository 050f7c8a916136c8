//! The API stacks: each adds its Lambda functions and routes (the rows of [`routes::ROUTES`])
//! to the REST API of the web tier, which it imports by id.
pub mod routes;

use indexmap::IndexMap;

use crate::cdk::assets::PlannedAsset;
use crate::cdk::{App, NodeId, StackRef, Value};
use crate::constructs::apigateway::{
    self, ApiResource, CorsOptions, Integration, MethodOptions, RestApi,
};
use crate::constructs::lambda::{self, Code, FunctionProps, FunctionRole, VpcPlacement};
use crate::mlspace::app::{BuildError, Ctx};

use super::iam::IamOutputs;
use super::vpc::VpcOutputs;
use super::web_tier::WebTierOutputs;
use routes::{routes_of, Env, Route};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiKind {
    Admin,
    Datasets,
    Inference,
    Jobs,
    Notebooks,
    Projects,
    Emr,
    AppConfiguration,
    Groups,
    GroupMembershipHistory,
    Translate,
}

pub struct ApiInputs<'a> {
    pub vpc: &'a VpcOutputs,
    pub iam: &'a IamOutputs,
    pub web: &'a WebTierOutputs,
}

/// The headers MLSpace's web app sends besides the default CORS headers.
pub const MLSPACE_CORS_HEADERS: &[&str] = &[
    "x-mlspace-dataset-scope",
    "x-mlspace-dataset-type",
    "x-mlspace-project",
];
/// The environment name the job and notebook functions tag their resources with.
pub const DEPLOYMENT_ENVIRONMENT_NAME: &str = "mlspace";
/// compat: the CA bundle MLSpace points Lambda functions at in the isolated regions.
pub const ISO_CA_BUNDLE: &str = "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem";
pub const ISO_CA_BUNDLE_VARS: &[&str] = &["AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"];
const API_FUNCTION_MEMORY_MB: u32 = 512;
const API_FUNCTION_TIMEOUT_S: u32 = 180;

/// compat: aws-cdk-lib's fixed suffix of the ids `StringParameter.valueForStringParameter` gives
/// the CloudFormation parameter it creates.
pub const SSM_VALUE_ID_SUFFIX: &str = "C96584B6-F00A-464E-AD19-53AFF4B05118";

/// `StringParameter.valueForStringParameter(stack, name)`: a stack parameter resolved from SSM
/// at deploy time (created once per stack and name), as `{"Ref": <parameter>}`.
pub fn string_parameter_value(app: &mut App, stack: StackRef, name: &str) -> Value {
    let id = format!("SsmParameterValue:{name}:{SSM_VALUE_ID_SUFFIX}");
    let parameter_id = format!("{id}.Parameter");
    let sanitized = crate::cdk::logical_id::sanitize_construct_id(&parameter_id);
    if let Some(existing) = app.tree.child(stack.node, &sanitized) {
        return Value::Ref(existing);
    }
    let body: crate::cdk::Map = [
        (
            "Type".to_string(),
            Value::from("AWS::SSM::Parameter::Value<String>"),
        ),
        ("Default".to_string(), Value::from(name)),
    ]
    .into_iter()
    .collect();
    let parameter = app.element(
        stack.node,
        &parameter_id,
        crate::cdk::ElementKind::Parameter(body),
    );
    app.construct(stack.node, &id);
    Value::Ref(parameter)
}

/// The name of a role given by its ARN: `{"Ref"}` of a role of this app, or the last path
/// component of a configured ARN (as `Role.fromRoleArn` parses it).
pub fn role_name_of(arn: &Value) -> Value {
    match arn {
        Value::GetAtt(node, attr) if attr == "Arn" => Value::Ref(*node),
        Value::String(s) => s.rsplit('/').next().unwrap_or(s).into(),
        other => other.clone(),
    }
}

/// `value || ''`: an optional deploy-time value as an environment variable.
fn or_empty(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => "".into(),
        Some(v) => v.clone(),
    }
}

/// The common layer (its construct and ARN), read from SSM: MLSpace avoids a cross-stack
/// reference to mlspace-core here on purpose.
pub fn common_layer(app: &mut App, stack: StackRef, ctx: &Ctx) -> (NodeId, Value) {
    let arn = string_parameter_value(app, stack, &ctx.cfg.common_layer_arn_param);
    let node = app.construct(stack.node, "mls-common-lambda-layer");
    (node, arn)
}

/// Where the MLSpace Lambda functions run: the VPC's Lambda subnets and security group.
pub fn vpc_placement(vpc: &VpcOutputs) -> VpcPlacement {
    VpcPlacement {
        subnet_ids: vpc.lambda_subnet_ids.clone(),
        security_group_ids: vec![vpc.security_group_id.clone()],
    }
}

/// Adds the ISO CA bundle variables (MLSpace's aspect for the isolated regions).
pub fn add_iso_ca_bundle(env: &mut IndexMap<String, Value>) {
    for var in ISO_CA_BUNDLE_VARS {
        env.insert(var.to_string(), ISO_CA_BUNDLE.into());
    }
}

struct StackCtx<'a> {
    ctx: &'a Ctx<'a>,
    inputs: &'a ApiInputs<'a>,
    code: PlannedAsset,
    layers: Vec<Value>,
    api: RestApi,
}

pub fn build(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    kind: ApiKind,
    inputs: &ApiInputs,
) -> Result<(), BuildError> {
    let name = app.stack(stack).name.clone();
    app.construct(stack.node, &name);
    let layers = vec![common_layer(app, stack, ctx).1];
    let api = apigateway::imported_rest_api(
        app,
        stack.node,
        "RestApi",
        inputs.web.rest_api_id.clone(),
        inputs.web.root_resource_id.clone(),
    );
    let mut s = StackCtx {
        ctx,
        inputs,
        code: inputs.web.lambda_code.clone(),
        layers,
        api,
    };
    for route in routes_of(kind) {
        add_route(app, stack, &mut s, route);
    }
    Ok(())
}

/// The environment every API function gets, then the route's own, then the configured extras.
fn environment(s: &StackCtx, route: &Route) -> IndexMap<String, Value> {
    let mut env = shared_environment(s);
    for (key, source) in route.env {
        env.insert(key.to_string(), route_value(s, source));
    }
    for (k, v) in &s.ctx.cfg.additional_lambda_environment_vars {
        env.insert(k.to_string(), v.as_str().into());
    }
    if s.ctx.is_iso() {
        add_iso_ca_bundle(&mut env);
    }
    env
}

/// What every API function gets: the tables, the system tag and the IAM settings.
fn shared_environment(s: &StackCtx) -> IndexMap<String, Value> {
    let cfg = s.ctx.cfg;
    let iam = s.inputs.iam;
    let mut env: IndexMap<String, Value> = IndexMap::new();
    let mut put = |k: &str, v: Value| {
        env.insert(k.to_string(), v);
    };
    put(
        "GROUPS_MEMBERSHIP_HISTORY_TABLE_NAME",
        cfg.groups_membership_history_table_name.as_str().into(),
    );
    put("DATASETS_TABLE", cfg.datasets_table_name.as_str().into());
    put("PROJECTS_TABLE", cfg.projects_table_name.as_str().into());
    put(
        "PROJECT_USERS_TABLE",
        cfg.project_users_table_name.as_str().into(),
    );
    put(
        "PROJECT_GROUPS_TABLE",
        cfg.project_groups_table_name.as_str().into(),
    );
    put("USERS_TABLE", cfg.users_table_name.as_str().into());
    put(
        "RESOURCE_SCHEDULE_TABLE",
        cfg.resource_schedule_table_name.as_str().into(),
    );
    put(
        "RESOURCE_METADATA_TABLE",
        cfg.resource_metadata_table_name.as_str().into(),
    );
    put(
        "APP_CONFIGURATION_TABLE",
        cfg.app_configuration_table_name.as_str().into(),
    );
    put("GROUPS_TABLE_NAME", cfg.groups_table_name.as_str().into());
    put(
        "GROUP_DATASETS_TABLE",
        cfg.group_datasets_table_name.as_str().into(),
    );
    put(
        "GROUP_USERS_TABLE_NAME",
        cfg.group_users_table_name.as_str().into(),
    );
    put("SYSTEM_TAG", cfg.system_tag.as_str().into());
    put(
        "MANAGE_IAM_ROLES",
        if cfg.manage_iam_roles { "True" } else { "" }.into(),
    );
    put("NOTEBOOK_ROLE_NAME", role_name_of(&iam.notebook_role_arn));
    put("APP_ROLE_NAME", role_name_of(&iam.app_role_arn));
    put(
        "PERMISSIONS_BOUNDARY_ARN",
        or_empty(iam.permissions_boundary_arn.as_ref()),
    );
    put(
        "IAM_RESOURCE_PREFIX",
        cfg.iam_resource_prefix.as_str().into(),
    );
    env
}

/// The value of one of a route's own variables.
fn route_value(s: &StackCtx, source: &Env) -> Value {
    let cfg = s.ctx.cfg;
    let iam = s.inputs.iam;
    match source {
        Env::DataBucket => s.ctx.bucket_name(&cfg.data_bucket_name).into(),
        Env::ConfigBucket => s.ctx.bucket_name(&cfg.config_bucket_name).into(),
        Env::LogsBucket => s.ctx.bucket_name(&cfg.logs_bucket_name).into(),
        Env::NotebookParamsFile => cfg.notebook_parameters_file_name.as_str().into(),
        Env::DeploymentEnvironment => DEPLOYMENT_ENVIRONMENT_NAME.into(),
        Env::NotebookRoleArn => iam.notebook_role_arn.clone(),
        Env::AppRoleArn => iam.app_role_arn.clone(),
        Env::NewUserSuspension => if cfg.new_users_suspended {
            "True"
        } else {
            "False"
        }
        .into(),
        Env::EmrSecurityConfiguration => cfg.emr_security_config_name.as_str().into(),
        Env::EmrEc2RoleName => or_empty(Some(&iam.emr_ec2_role_name)),
        Env::EmrServiceRoleName => or_empty(Some(&iam.emr_service_role_name)),
        Env::EmrEc2SshKey => cfg.emr_ec2_ssh_key.as_str().into(),
        Env::EndpointConfigInstanceConstraintPolicyArn => {
            or_empty(iam.endpoint_config_instance_constraint_policy_arn.as_ref())
        }
        Env::JobInstanceConstraintPolicyArn => {
            or_empty(iam.job_instance_constraint_policy_arn.as_ref())
        }
    }
}

/// One route: its function, the resources of its path (each new one with a preflight), and the
/// method (with the MLSpace authorizer unless the route is public).
fn add_route(app: &mut App, stack: StackRef, s: &mut StackCtx, route: &Route) {
    let cfg = s.ctx.cfg;
    let role = if route.system_role {
        &s.inputs.iam.system_role_arn
    } else {
        &s.inputs.iam.app_role_arn
    };
    let function_id = route.function_id();
    let function = lambda::function(
        app,
        stack.node,
        &function_id,
        FunctionProps {
            function_name: Some(function_id.clone().into()),
            architecture: Some(s.ctx.lambda_architecture()),
            handler: route.handler(),
            description: Some(route.description.to_string()),
            environment: environment(s, route),
            timeout_seconds: Some(API_FUNCTION_TIMEOUT_S),
            memory_size: Some(API_FUNCTION_MEMORY_MB),
            role: FunctionRole::Arn(role.clone()),
            layers: s.layers.clone(),
            vpc: Some(vpc_placement(s.inputs.vpc)),
            ..FunctionProps::new(Code::Asset(s.code.clone(), None), cfg.lambda_runtime)
        },
    );
    let mut resource = s.api.root.clone();
    for part in route.path.split('/') {
        resource = child_resource(app, &mut s.api, &resource, part);
    }
    let options = if route.no_authorizer {
        MethodOptions {
            authorization_type: Some("NONE".into()),
            ..Default::default()
        }
    } else {
        MethodOptions {
            authorization_type: Some("CUSTOM".into()),
            authorizer_id: Some(s.inputs.web.authorizer_id.clone()),
            ..Default::default()
        }
    };
    apigateway::add_method(
        app,
        &mut s.api,
        &resource,
        route.method,
        Integration::Lambda(&function),
        options,
    );
}

/// The child resource `part` of `parent`, created with MLSpace's preflight when new.
fn child_resource(
    app: &mut App,
    api: &mut RestApi,
    parent: &ApiResource,
    part: &str,
) -> ApiResource {
    if let Some(node) = app.tree.child(parent.node, part) {
        return resource_at(app, parent, node, part);
    }
    let child = apigateway::add_resource(app, api, parent, part);
    apigateway::add_cors_preflight(
        app,
        api,
        &child,
        &CorsOptions::all_origins(MLSPACE_CORS_HEADERS),
    );
    child
}

fn resource_at(app: &App, parent: &ApiResource, node: NodeId, part: &str) -> ApiResource {
    let resource = app
        .tree
        .child(node, "Resource")
        .expect("an API resource construct has its resource");
    let path = if parent.path == "/" {
        format!("/{part}")
    } else {
        format!("{}/{part}", parent.path)
    };
    ApiResource {
        node,
        resource_id: Value::Ref(resource),
        path,
        default_cors: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::Value as J;

    use super::super::testing::{app_templates, property_values, resources};
    use super::{routes_of, ApiKind};
    use crate::mlspace::app::API_STACKS;

    #[test]
    fn each_api_stack_holds_one_function_per_route_with_its_method() {
        let templates = app_templates("");
        for (id, kind) in API_STACKS {
            let t = &templates[*id];
            let expected: BTreeSet<String> = routes_of(*kind).map(|r| r.function_id()).collect();
            let names: BTreeSet<String> =
                property_values(t, "AWS::Lambda::Function", "FunctionName")
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect();
            assert_eq!(names, expected, "{id}");
            let methods = resources(t, "AWS::ApiGateway::Method")
                .into_values()
                .filter(|m| m["Properties"]["HttpMethod"] != "OPTIONS")
                .count();
            assert_eq!(methods, routes_of(*kind).count(), "{id}");
        }
    }

    #[test]
    fn public_routes_skip_the_authorizer_and_system_routes_use_the_system_role() {
        let templates = app_templates("");
        let t = &templates["mlspace-app-config-apis"];
        let auth: Vec<J> = resources(t, "AWS::ApiGateway::Method")
            .into_values()
            .filter(|m| m["Properties"]["HttpMethod"] != "OPTIONS")
            .map(|m| m["Properties"]["AuthorizationType"].clone())
            .collect();
        assert!(auth.iter().any(|a| a == "NONE"), "{auth:?}");
        assert!(auth.iter().any(|a| a == "CUSTOM"), "{auth:?}");
        // Each function runs as the system role exactly when its route says so.
        let t = &templates["mlspace-project-apis"];
        for route in routes_of(ApiKind::Projects) {
            let function = resources(t, "AWS::Lambda::Function")
                .into_values()
                .find(|f| f["Properties"]["FunctionName"] == route.function_id().as_str())
                .unwrap();
            let role = function["Properties"]["Role"].to_string();
            let expected = if route.system_role {
                "mlspacesystemrole"
            } else {
                "mlspaceapprole"
            };
            assert!(role.contains(expected), "{}: {role}", route.function_id());
        }
    }
}
