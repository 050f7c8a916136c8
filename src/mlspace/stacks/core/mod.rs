//! mlspace-core: the state MLSpace keeps (buckets, tables, trail), its system Lambdas, the
//! configuration files it deploys and the calls it makes at deploy time.
//!
//! Everything is created directly in the stack, in the order of MLSpace's CoreConstruct, so
//! that logical ids, manifest metadata and cross-stack exports come out as the TS app's.
mod app_config;
mod deployments;
mod event_functions;
mod functions;
mod on_deploy;
mod storage;

use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, StackRef, Value};
use crate::constructs::custom_resources::{aws_custom_resource, AwsCustomResourceProps, SdkCall};
use crate::constructs::handlers::HandlerCode;
use crate::constructs::s3_deployment::DeploymentHandler;
use crate::constructs::sns;
use crate::constructs::ssm::string_parameter as ssm_parameter;
use crate::map;
use crate::mlspace::app::{BuildError, Ctx};

pub use app_config::{check_cluster_config, default_cluster_config, initial_item};
pub use deployments::{CONFIG_FILES, EXAMPLE_NOTEBOOKS};
use functions::{add_ca_bundle, layer, system_function, FunctionDefaults, FunctionSpec};

use super::iam::IamOutputs;
use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;

/// What mlspace-core takes from the stacks before it.
pub struct CoreInputs<'a> {
    pub vpc: &'a VpcOutputs,
    pub kms: &'a KmsOutputs,
    pub iam: &'a IamOutputs,
}

pub fn build(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    vpc: &VpcOutputs,
    kms: &KmsOutputs,
    iam: &IamOutputs,
) -> Result<(), BuildError> {
    let inputs = CoreInputs { vpc, kms, iam };
    let cfg = ctx.cfg;
    let scope = stack.node;
    // The CoreConstruct itself: everything below is created in the stack, next to it.
    app.construct(scope, "mlspace-core");

    if let Some(distro) = &cfg.notification_distro {
        notification_topic(app, scope, distro);
    }
    let access_logs = storage::access_logs_bucket(app, scope, ctx);
    let config_bucket = storage::config_bucket(app, scope, ctx, &inputs, access_logs.as_ref());
    let params = deployments::notebook_parameters(app, scope, ctx, &inputs);
    let mut deployer = DeploymentHandler::new(ctx.inputs.handlers.bucket_deployment.clone());
    deployments::config_files(app, scope, ctx, &params, &config_bucket, &mut deployer)?;
    let _website = storage::website_bucket(app, scope, ctx, access_logs.as_ref());
    let data_bucket = storage::data_bucket(app, scope, ctx, &inputs, access_logs.as_ref());
    deployments::example_notebooks(app, scope, ctx, &params, &data_bucket, &mut deployer)?;

    let common_layer = layer(app, stack, ctx, "common", None, &ctx.inputs.layers.common);
    ssm_parameter(
        app,
        scope,
        "VersionArn",
        &cfg.common_layer_arn_param,
        Value::Ref(common_layer),
    );
    let functions = SystemFunctions {
        stack,
        ctx,
        defaults: FunctionDefaults::new(ctx, &inputs),
        common_layer,
    };
    let on_deploy = on_deploy::functions(app, &functions, iam);
    let calls = DeployCalls {
        code: ctx.inputs.handlers.sdk_call.clone(),
        role_arn: iam.app_role_arn.clone(),
        now_ms: ctx.inputs.now_ms,
    };
    on_deploy::attach_policies(app, scope, &calls, &on_deploy);
    on_deploy::instance_kms_conditions(app, &functions, &calls, iam);
    let s3_notifier = event_functions::s3_notifier(app, &functions, &data_bucket)?;
    let terminator = event_functions::resource_terminator(app, &functions)?;

    let logs_bucket = storage::logs_bucket(app, scope, ctx, &inputs, access_logs.as_ref());
    storage::cloudtrail(app, scope, ctx, &logs_bucket);
    storage::tables(app, scope, ctx, &inputs);

    on_deploy::initial_app_config(app, scope, ctx, &calls, &on_deploy)?;
    emr_security_configuration(app, scope, &cfg.emr_security_config_name);
    let metadata_fn = event_functions::resource_metadata(app, &functions);

    if ctx.is_iso() {
        // compat: MLSpace's ADC aspect reaches the deployments' shared handler and three functions.
        for function in [
            deployer.function(),
            Some(metadata_fn),
            Some(s3_notifier),
            Some(terminator),
        ]
        .into_iter()
        .flatten()
        {
            add_ca_bundle(app, function);
        }
    }
    Ok(())
}

/// What the system functions share: their stack, defaults and the common layer.
struct SystemFunctions<'a> {
    stack: StackRef,
    ctx: &'a Ctx<'a>,
    defaults: FunctionDefaults,
    common_layer: NodeId,
}

impl SystemFunctions<'_> {
    fn add(&self, app: &mut App, spec: FunctionSpec) -> NodeId {
        system_function(app, self.stack, self.ctx, &self.defaults, spec)
    }
}

/// The calls MLSpace makes at deploy time: the SDK call handler, the role they run as and the
/// synthesis time that stamps the calls made on every deploy.
struct DeployCalls {
    code: HandlerCode,
    role_arn: Value,
    now_ms: u128,
}

impl DeployCalls {
    /// An `AwsCustomResource` that makes `call` when it is created.
    fn on_create(&self, app: &mut App, scope: NodeId, id: &str, call: SdkCall) {
        let props = AwsCustomResourceProps {
            on_create: Some(call),
            on_update: None,
            on_delete: None,
            role_arn: self.role_arn.clone(),
            install_latest_aws_sdk: None,
        };
        aws_custom_resource(app, scope, id, props, &self.code);
    }
}

/// An environment in the order given.
fn env(pairs: Vec<(&str, Value)>) -> Vec<(String, Value)> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The notification topic and its e-mail subscription (NOTIFICATION_DISTRO).
fn notification_topic(app: &mut App, scope: NodeId, email: &str) {
    let topic = sns::topic(app, scope, "mlspace-topic");
    // compat: MLSpace creates the subscription in the stack, beside the topic, not below it.
    sns::email_subscription(app, scope, "Subscription", topic, email);
}

/// An asset error, with what the asset was for.
fn asset_error(what: &'static str) -> impl Fn(crate::cdk::assets::AssetError) -> BuildError {
    move |source| BuildError::Asset {
        what: format!("mlspace-core {what}: "),
        source,
    }
}

/// The EMR security configuration: instance metadata v2 only, one hop.
fn emr_security_configuration(app: &mut App, scope: NodeId, name: &str) {
    let properties = props([
        ("Name", Some(name.into())),
        (
            "SecurityConfiguration",
            Some(map! { "InstanceMetadataServiceConfiguration" => map! {
                "MinimumInstanceMetadataServiceVersion" => 2,
                "HttpPutResponseHopLimit" => 1,
            } }),
        ),
    ]);
    app.resource(
        scope,
        "mlspace-emr-security-config",
        Resource::new("AWS::EMR::SecurityConfiguration", properties),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as J};

    use super::super::testing::{app_templates, property_values, resources};

    fn core(extra: &str) -> J {
        app_templates(extra).remove("mlspace-core").unwrap()
    }

    fn function_names(t: &J) -> Vec<J> {
        property_values(t, "AWS::Lambda::Function", "FunctionName")
    }

    #[test]
    fn holds_the_tables_buckets_trail_and_system_functions() {
        let t = core("");
        assert_eq!(resources(&t, "AWS::DynamoDB::Table").len(), 12);
        assert_eq!(resources(&t, "AWS::CloudTrail::Trail").len(), 1);
        assert!(resources(&t, "AWS::SNS::Topic").is_empty());
        let buckets = property_values(&t, "AWS::S3::Bucket", "BucketName");
        for bucket in ["mlspace-data", "mlspace-config", "mlspace-website"] {
            assert!(
                buckets.contains(&json!(format!("{bucket}-123456789012"))),
                "{bucket} in {buckets:?}"
            );
        }
        let names = function_names(&t);
        for name in [
            "mls-lambda-app-config-deployment",
            "mls-lambda-permission-cleanup",
            "mls-lambda-dr-attach-policies-on-deploy",
            "mls-lambda-instance-kms-conditions",
            "mls-lambda-s3-notifier",
            "mls-lambda-resource-terminator",
            "mls-lambda-resource-metadata",
        ] {
            assert!(names.contains(&json!(name)), "{name} in {names:?}");
        }
        let parameters = property_values(&t, "AWS::SSM::Parameter", "Name");
        assert!(parameters.contains(&json!("notebook-param-notebook-role-arn")));
        assert_eq!(
            resources(&t, "Custom::CDKBucketDeployment").len(),
            2,
            "config files and example notebooks"
        );
    }

    #[test]
    fn notification_distro_adds_a_topic_and_trail_setting_removes_the_trail() {
        let t = core(
            r#""NOTIFICATION_DISTRO": "ops@example.com",
            "CREATE_MLSPACE_CLOUDTRAIL_TRAIL": false"#,
        );
        assert_eq!(resources(&t, "AWS::SNS::Topic").len(), 1);
        assert_eq!(
            property_values(&t, "AWS::SNS::Subscription", "Endpoint"),
            vec![json!("ops@example.com")]
        );
        assert!(resources(&t, "AWS::CloudTrail::Trail").is_empty());
    }

    /// The deploy-time calls that run on every deploy carry the planned synthesis time.
    #[test]
    fn deploy_time_calls_are_stamped_with_the_planned_time() {
        let text = core("").to_string();
        for call in [
            "drAttachPoliciesOnDeployLambda",
            "kmsKeyConstraints",
            "cleanupDeprecatedResources",
        ] {
            assert!(text.contains(&format!("{call}-1780315200000")), "{call}");
        }
        assert!(text.contains(r#"\"createdAt\":{\"S\":\"1780315200\""#));
    }

    #[test]
    fn the_terminator_runs_every_termination_interval() {
        let t = core(r#""RESOURCE_TERMINATION_INTERVAL": 30"#);
        let schedules = property_values(&t, "AWS::Events::Rule", "ScheduleExpression");
        assert!(
            schedules.contains(&json!("rate(30 minutes)")),
            "{schedules:?}"
        );
    }
}
