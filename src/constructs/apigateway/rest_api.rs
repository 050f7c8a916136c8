//! The REST API itself: the `AWS::ApiGateway::RestApi`, its CloudWatch role and account, the
//! automatic deployment (whose logical id carries a content hash) and its stage; or an API
//! imported by id.
use md5::{Digest, Md5};

use crate::cdk::app::props;
use crate::cdk::logical_id::make_unique_id;
use crate::cdk::synth::{render_resource, render_value, SynthError};
use crate::cdk::{concat, App, NodeId, Output, Pseudo, RemovalPolicy, Resource, Value};
use crate::constructs::iam::{self, Principal, RoleProps};
use crate::map;

use super::cors::{add_cors_preflight, CorsOptions};
use super::method::ApiResource;
use super::APIGATEWAY_SERVICE;

/// Stage settings of the automatic deployment.
#[derive(Debug, Clone)]
pub struct StageOptions {
    pub stage_name: String,
    pub throttling_rate_limit: Option<u32>,
    pub throttling_burst_limit: Option<u32>,
    /// The log group ARN and the access log format.
    pub access_log: Option<(Value, String)>,
}

#[derive(Debug, Clone)]
pub struct RestApiProps {
    pub rest_api_name: String,
    pub description: Option<String>,
    pub endpoint_types: Vec<String>,
    pub binary_media_types: Vec<String>,
    /// Create `CloudWatchRole` and the `Account` that uses it (aws-cdk-lib's default).
    pub cloud_watch_role: bool,
    /// `deploy: true` with these stage options; `None`: no deployment.
    pub deploy: Option<StageOptions>,
    /// Preflight on the root and, inherited, on every resource below it.
    pub default_cors: Option<CorsOptions>,
}

/// The automatic deployment and what its logical id is hashed from.
#[derive(Debug, Clone)]
struct Deployment {
    resource: NodeId,
    /// camelCase hash components in the order they were added, each rendered at the end.
    components: Vec<Value>,
}

/// A REST API: created here, or imported by id (as every MLSpace API stack does).
#[derive(Debug, Clone)]
pub struct RestApi {
    pub node: NodeId,
    /// The `AWS::ApiGateway::RestApi`; `None` for an imported API.
    pub resource: Option<NodeId>,
    pub rest_api_id: Value,
    pub root: ApiResource,
    /// The deployment stage's resource and name, when the API deploys itself.
    pub stage: Option<(NodeId, String)>,
    deployment: Option<Deployment>,
}

impl RestApi {
    /// `api.url`: `https://<id>.execute-api.<region>.<suffix>/<stage>/`.
    pub fn url(&self, app: &App) -> Option<Value> {
        let (stage, _) = self.stage.clone()?;
        let region = app.stack(app.stack_ref(self.node)).env.region.clone();
        Some(concat([
            Value::from("https://"),
            self.rest_api_id.clone(),
            format!(".execute-api.{region}.").into(),
            Pseudo::UrlSuffix.into(),
            "/".into(),
            Value::Ref(stage),
            "/".into(),
        ]))
    }

    /// `arnForExecuteApi(method, path, stage)` (stage `*` when the API has none).
    pub fn arn_for_execute_api(
        &self,
        app: &App,
        method: &str,
        path: &str,
        stage: Option<&str>,
    ) -> Value {
        let env = &app.stack(app.stack_ref(self.node)).env;
        let stage = stage
            .map(str::to_string)
            .or_else(|| self.stage.as_ref().map(|(_, n)| n.clone()))
            .unwrap_or_else(|| "*".into());
        let method = if method.eq_ignore_ascii_case("ANY") {
            "*".to_string()
        } else {
            method.to_string()
        };
        concat([
            Value::from("arn:"),
            Pseudo::Partition.into(),
            format!(":execute-api:{}:{}:", env.region, env.account).into(),
            self.rest_api_id.clone(),
            format!("/{stage}/{method}{}", path_for_arn(path)).into(),
        ])
    }

    pub(super) fn add_hash_component(&mut self, app: &mut App, component: Value, depends: NodeId) {
        if let Some(d) = &mut self.deployment {
            d.components.push(component);
            app.add_depends_on(d.resource, depends);
        }
    }
}

/// compat: path parameters (`{id}`, `{proxy+}`) stand as `*` in execute-api ARNs.
pub fn path_for_arn(path: &str) -> String {
    let mut out = String::new();
    let mut in_param = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_param = true;
                out.push('*');
            }
            '}' if in_param => in_param = false,
            _ if in_param => {}
            c => out.push(c),
        }
    }
    out
}

/// `new apigateway.RestApi(scope, id, props)`.
pub fn rest_api(app: &mut App, scope: NodeId, id: &str, p: RestApiProps) -> RestApi {
    let node = app.construct(scope, id);
    let strings = |v: &[String]| (!v.is_empty()).then(|| Value::list(v.iter().cloned()));
    let properties = props([
        ("BinaryMediaTypes", strings(&p.binary_media_types)),
        ("Description", p.description.clone().map(Value::from)),
        (
            "EndpointConfiguration",
            (!p.endpoint_types.is_empty())
                .then(|| map! { "Types" => Value::list(p.endpoint_types.iter().cloned()) }),
        ),
        ("Name", Some(p.rest_api_name.clone().into())),
    ]);
    let resource = app.resource(
        node,
        "Resource",
        Resource::new("AWS::ApiGateway::RestApi", properties),
    );
    let rest_api_id = Value::Ref(resource);

    let account = p
        .cloud_watch_role
        .then(|| cloud_watch_account(app, node, resource));
    let (deployment, stage) = match &p.deploy {
        Some(options) => {
            let (d, s) = deployment_and_stage(app, node, &p, options, &rest_api_id, account);
            (Some(d), Some(s))
        }
        None => (None, None),
    };

    let placeholder = ApiResource {
        node,
        resource_id: Value::Null,
        path: "/".into(),
        default_cors: None,
    };
    let mut api = RestApi {
        node,
        resource: Some(resource),
        rest_api_id,
        root: placeholder,
        stage,
        deployment,
    };
    if let Some(url) = api.url(app) {
        // compat: the endpoint output comes before the root resource in the tree.
        app.output(
            node,
            "Endpoint",
            Output {
                value: url,
                description: None,
                export_name: None,
                condition: None,
            },
        );
    }
    let root_node = app.construct(node, "Default");
    api.root = ApiResource {
        node: root_node,
        resource_id: Value::get_att(resource, "RootResourceId"),
        path: "/".into(),
        default_cors: p.default_cors.clone(),
    };
    if let Some(cors) = p.default_cors {
        let root = api.root.clone();
        add_cors_preflight(app, &mut api, &root, &cors);
    }
    api
}

/// `cloudWatchRole: true`: the role API Gateway logs with and the account setting that names it.
fn cloud_watch_account(app: &mut App, node: NodeId, rest_api: NodeId) -> NodeId {
    let role = iam::role(
        app,
        node,
        "CloudWatchRole",
        RoleProps {
            assumed_by: vec![Principal::service(APIGATEWAY_SERVICE)],
            managed_policy_arns: vec![iam::aws_managed_policy(
                "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
            )],
            ..Default::default()
        },
    );
    let role_resource = role.resource.expect("a created role has a resource");
    app.resource_mut(role_resource)
        .removal_policy(RemovalPolicy::Retain);
    let mut account = Resource::new(
        "AWS::ApiGateway::Account",
        props([("CloudWatchRoleArn", Some(role.arn.clone()))]),
    );
    account.removal_policy(RemovalPolicy::Retain);
    account.depends_on.push(rest_api);
    app.resource(node, "Account", account)
}

/// `deploy: true`: the deployment (its logical id hashed later from the methods) and its stage.
fn deployment_and_stage(
    app: &mut App,
    node: NodeId,
    p: &RestApiProps,
    options: &StageOptions,
    rest_api_id: &Value,
    account: Option<NodeId>,
) -> (Deployment, (NodeId, String)) {
    let scope = app.construct(node, "Deployment");
    let mut d = Resource::new(
        "AWS::ApiGateway::Deployment",
        props([
            ("Description", p.description.clone().map(Value::from)),
            ("RestApiId", Some(rest_api_id.clone())),
        ]),
    );
    d.metadata
        .insert("aws:cdk:do-not-refactor".into(), true.into());
    let d = app.resource(scope, "Resource", d);
    let deployment = Deployment {
        resource: d,
        components: Vec::new(),
    };

    let stage_scope = app.construct(node, &format!("DeploymentStage.{}", options.stage_name));
    let properties = props([
        (
            "AccessLogSetting",
            options
                .access_log
                .as_ref()
                .map(|(arn, format)| map! { "DestinationArn" => arn.clone(), "Format" => format.as_str() }),
        ),
        ("DeploymentId", Some(Value::Ref(d))),
        ("MethodSettings", method_settings(options)),
        ("RestApiId", Some(rest_api_id.clone())),
        ("StageName", Some(options.stage_name.clone().into())),
    ]);
    let mut s = Resource::new("AWS::ApiGateway::Stage", properties);
    if let Some(account) = account {
        s.depends_on.push(account);
    }
    let s = app.resource(stage_scope, "Resource", s);
    (deployment, (s, options.stage_name.clone()))
}

/// The stage's throttling, for every method, when a limit is set.
fn method_settings(options: &StageOptions) -> Option<Value> {
    (options.throttling_rate_limit.is_some() || options.throttling_burst_limit.is_some()).then(
        || {
            Value::List(vec![Value::Map(props([
                ("DataTraceEnabled", Some(false.into())),
                ("HttpMethod", Some("*".into())),
                ("ResourcePath", Some("/*".into())),
                (
                    "ThrottlingBurstLimit",
                    options.throttling_burst_limit.map(Value::from),
                ),
                (
                    "ThrottlingRateLimit",
                    options.throttling_rate_limit.map(Value::from),
                ),
            ]))])
        },
    )
}

/// `RestApi.fromRestApiAttributes(scope, id, {restApiId, rootResourceId})`: resources and
/// methods are added to an API created elsewhere; there is no deployment and no stage.
pub fn imported_rest_api(
    app: &mut App,
    scope: NodeId,
    id: &str,
    rest_api_id: Value,
    root_resource_id: Value,
) -> RestApi {
    let node = app.construct(scope, id);
    let root_node = app.construct(node, "Default");
    let root = ApiResource {
        node: root_node,
        resource_id: root_resource_id,
        path: "/".into(),
        default_cors: None,
    };
    RestApi {
        node,
        resource: None,
        rest_api_id,
        root,
        stage: None,
        deployment: None,
    }
}

/// The deployment's logical id: its normal id plus the MD5 of every hash component and of the
/// API's own template entry (aws-cdk-lib's `addToLogicalId`). Call once every resource and
/// method of the API exists; it fixes the id on the deployment resource and returns it.
pub fn finish_deployment(app: &mut App, api: &RestApi) -> Result<Option<String>, SynthError> {
    let (Some(d), Some(api_resource)) = (&api.deployment, api.resource) else {
        return Ok(None);
    };
    let stack = app.stack_ref(api.node).index;
    let path = app.tree.path(d.resource).joined();
    let mut text = String::new();
    for component in &d.components {
        text.push_str(&crate::cdk::json::to_compact(&render_value(
            app, stack, component, &path,
        )?));
    }
    let api_lid = make_unique_id(&app.tree.path_below_stack(api_resource));
    let api_path = app.tree.path(api_resource).joined();
    let entry = render_resource(
        app,
        stack,
        api_resource,
        app.resource_ref(api_resource),
        &api_path,
    )?;
    text.push_str(&crate::cdk::json::to_compact(
        &serde_json::json!({ "Resources": { api_lid: entry } }),
    ));
    let hash = crate::cdk::digest::hex(&Md5::digest(text.as_bytes()));
    let id = format!(
        "{}{hash}",
        make_unique_id(&app.tree.path_below_stack(d.resource))
    );
    app.override_logical_id(d.resource, &id);
    Ok(Some(id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constructs::apigateway::{add_method, add_resource, Integration, MethodOptions};

    fn api_with(extra_method: bool) -> (App, RestApi) {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            crate::cdk::Environment {
                account: "1".into(),
                region: "us-east-1".into(),
            },
            Vec::new(),
        );
        let mut api = rest_api(
            &mut app,
            s.node,
            "api",
            RestApiProps {
                rest_api_name: "n".into(),
                description: None,
                endpoint_types: vec!["REGIONAL".into()],
                binary_media_types: Vec::new(),
                cloud_watch_role: true,
                deploy: Some(StageOptions {
                    stage_name: "Prod".into(),
                    throttling_rate_limit: None,
                    throttling_burst_limit: None,
                    access_log: None,
                }),
                default_cors: Some(CorsOptions::all_origins(&[])),
            },
        );
        let root = api.root.clone();
        let child = add_resource(&mut app, &mut api, &root, "{proxy+}");
        if extra_method {
            let mock = Integration::Mock {
                request_templates: Vec::new(),
                integration_responses: Vec::new(),
            };
            add_method(
                &mut app,
                &mut api,
                &child,
                "GET",
                mock,
                MethodOptions::default(),
            );
        }
        (app, api)
    }

    #[test]
    fn deployment_id_hashes_the_api_content() {
        let (mut app, api) = api_with(false);
        let plain = finish_deployment(&mut app, &api).unwrap().unwrap();
        assert!(plain.starts_with("apiDeployment"), "{plain}");
        let suffix = &plain[plain.len() - 32..];
        assert!(
            suffix
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{plain}"
        );
        // Same content, same id; one more method, another id.
        let (mut again, api_again) = api_with(false);
        assert_eq!(
            finish_deployment(&mut again, &api_again).unwrap().unwrap(),
            plain
        );
        let (mut more, api_more) = api_with(true);
        assert_ne!(
            finish_deployment(&mut more, &api_more).unwrap().unwrap(),
            plain
        );
        // The deployment depends on both preflights, the resource and (in `more`) the method.
        let d = api_more.deployment.as_ref().unwrap().resource;
        assert_eq!(more.resource_ref(d).depends_on.len(), 4);
    }

    #[test]
    fn imported_api_has_no_deployment() {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            crate::cdk::Environment {
                account: "1".into(),
                region: "r".into(),
            },
            Vec::new(),
        );
        let api = imported_rest_api(&mut app, s.node, "RestApi", "id".into(), "root".into());
        assert_eq!(finish_deployment(&mut app, &api).unwrap(), None);
        assert_eq!(
            api.arn_for_execute_api(&app, "ANY", "/a/{b}", None),
            concat([
                Value::from("arn:"),
                Pseudo::Partition.into(),
                ":execute-api:r:1:id/*/*/a/*".into()
            ])
        );
    }

    #[test]
    fn arn_paths_replace_parameters() {
        assert_eq!(
            path_for_arn("/user/{username}/projects"),
            "/user/*/projects"
        );
        assert_eq!(path_for_arn("/{proxy+}"), "/*");
        assert_eq!(path_for_arn("/"), "/");
    }
}
