//! The files mlspace-core deploys into its buckets: the notebook parameters (through SSM
//! parameters) with the config files, and the example notebooks.
use crate::cdk::{App, NodeId, Value};
use crate::constructs::iam::{imported_role, RoleRef};
use crate::constructs::s3::Bucket;
use crate::constructs::s3_deployment::{
    bucket_deployment, BucketDeploymentProps, DeploymentHandler, Source,
};
use crate::map;
use crate::mlspace::app::{BuildError, Ctx};

use super::{asset_error, ssm_parameter, CoreInputs};

/// The example notebooks and their parameters, relative to the source root.
/// The example notebooks and their parameters, relative to the source root.
pub const CONFIG_FILES: &str = "lib/resources/config";
pub const EXAMPLE_NOTEBOOKS: &str = "lib/resources/sagemaker/global";

/// The notebook parameters file's content, with the deploy-time values read from SSM.
pub(super) fn notebook_parameters(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    inputs: &CoreInputs,
) -> Value {
    let cfg = ctx.cfg;
    // compat: the TS app passes these through SSM parameters (jsonData cannot take cross-stack
    // values) and deploys their values in the notebook parameters file.
    let notebook_role = ssm_parameter(
        app,
        scope,
        "dynamic-config-notebook-role",
        "notebook-param-notebook-role-arn",
        inputs.iam.notebook_role_arn.clone(),
    );
    let security_group = ssm_parameter(
        app,
        scope,
        "dynamic-config-security-group",
        "notebook-param-vpc-security-group",
        inputs.vpc.security_group_id.clone(),
    );
    let subnets = ssm_parameter(
        app,
        scope,
        "dynamic-config-subnets",
        "notebook-param-subnet-ids",
        comma_joined(&inputs.vpc.lambda_subnet_ids),
    );
    let kms_id = ssm_parameter(
        app,
        scope,
        "dynamic-config-kms-id",
        "notebook-param-kms-id",
        inputs.kms.key_id.clone(),
    );
    map! {
        "pSMSKMSKeyId" => Value::get_att(kms_id, "Value"),
        "pSMSRoleARN" => Value::get_att(notebook_role, "Value"),
        "pSMSSecurityGroupId" => Value::list([Value::get_att(security_group, "Value")]),
        "pSMSSubnetIds" => Value::get_att(subnets, "Value"),
        "pSMSLifecycleConfigName" => cfg.mlspace_lifecycle_config_name.as_str(),
        "pSMSDataBucketName" => ctx.bucket_name(&cfg.data_bucket_name),
    }
}

/// The notebook parameters and MLSpace's config files, into the config bucket.
pub(super) fn config_files(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    params: &Value,
    config_bucket: &Bucket,
    deployer: &mut DeploymentHandler,
) -> Result<(), BuildError> {
    let role = deployment_role(app, scope, ctx, "mlspace-config-deploy-role");
    let props = BucketDeploymentProps {
        sources: vec![
            params_source(ctx, params),
            Source::Asset(ctx.inputs.assets.config_files.clone()),
        ],
        destination: config_bucket.clone().into(),
        destination_key_prefix: None,
        prune: true,
        role,
        memory_limit: None,
    };
    bucket_deployment(app, scope, "MLSpaceConfigDeployment", props, deployer)
        .map_err(asset_error("MLSpaceConfigDeployment"))?;
    Ok(())
}

/// The notebook parameters and the example notebooks, into the data bucket's read-only prefix.
pub(super) fn example_notebooks(
    app: &mut App,
    scope: NodeId,
    ctx: &Ctx,
    params: &Value,
    data_bucket: &Bucket,
    deployer: &mut DeploymentHandler,
) -> Result<(), BuildError> {
    let role = deployment_role(app, scope, ctx, "mlspace-example-data-deploy-role");
    let props = BucketDeploymentProps {
        sources: vec![
            params_source(ctx, params),
            Source::Asset(ctx.inputs.assets.example_notebooks.clone()),
        ],
        destination: data_bucket.clone().into(),
        destination_key_prefix: Some("global-read-only/resources/".into()),
        prune: false,
        role,
        memory_limit: None,
    };
    bucket_deployment(app, scope, "MLSpaceExampleDataDeployment", props, deployer)
        .map_err(asset_error("MLSpaceExampleDataDeployment"))?;
    Ok(())
}

fn params_source(ctx: &Ctx, params: &Value) -> Source {
    Source::JsonData {
        object_key: ctx.cfg.notebook_parameters_file_name.clone(),
        value: params.clone(),
    }
}

/// BUCKET_DEPLOYMENT_ROLE_ARN, when configured: the role the deployment runs as.
fn deployment_role(app: &mut App, scope: NodeId, ctx: &Ctx, id: &str) -> Option<RoleRef> {
    let arn = ctx.cfg.bucket_deployment_role_arn.as_ref()?;
    Some(imported_role(app, scope, id, arn.as_str()))
}

/// `ids.join(',')` of deploy-time values.
fn comma_joined(ids: &[Value]) -> Value {
    let mut parts = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            parts.push(Value::from(","));
        }
        parts.push(id.clone());
    }
    crate::cdk::concat(parts)
}
