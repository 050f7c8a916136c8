//! The managed policies that the roles attach: the KMS instance constraint, the notebook
//! policy, the instance-type constraints (MANAGE_IAM_ROLES) and the project-user boundary.
use crate::cdk::{App, NodeId, Value};
use crate::constructs::iam::{
    imported_managed_policy, managed_policy, managed_policy_from_name, ManagedPolicyProps,
    ManagedPolicyRef, Statement,
};
use crate::map;

use super::notebook_policy::{notebook_statements, InstanceTypes};
use super::{boundary_policy, Arns, Inputs};

/// The policies every created role shares.
pub(super) struct SharedPolicies {
    pub kms: ManagedPolicyRef,
    pub notebook: ManagedPolicyRef,
    /// Only when MANAGE_IAM_ROLES is on.
    pub endpoint: Option<ManagedPolicyRef>,
    pub job: Option<ManagedPolicyRef>,
}

impl SharedPolicies {
    /// What the notebook role attaches (and the app role, after its own policy).
    pub fn notebook_arns(&self) -> Vec<Value> {
        let mut arns = vec![self.notebook.arn.clone(), self.kms.arn.clone()];
        arns.extend(self.endpoint.iter().map(|p| p.arn.clone()));
        arns.extend(self.job.iter().map(|p| p.arn.clone()));
        arns
    }
}

pub(super) fn shared_policies(app: &mut App, scope: NodeId, i: &Inputs) -> SharedPolicies {
    let kms = kms_instance_constraint(app, scope, i);
    let notebook = managed_policy(
        app,
        scope,
        "mlspace-notebook-policy",
        ManagedPolicyProps {
            statements: notebook_statements(i, &i.here, InstanceTypes::Constrained),
            description: Some(
                "Enables general MLSpace actions in notebooks and across the entire application."
                    .into(),
            ),
            ..Default::default()
        },
    );
    let (endpoint, job) = if i.cfg.manage_iam_roles {
        (
            Some(endpoint_instance_constraint(app, scope, i)),
            Some(job_instance_constraint(app, scope, i)),
        )
    } else {
        (None, None)
    };
    SharedPolicies {
        kms,
        notebook,
        endpoint,
        job,
    }
}

/// Denies creating SageMaker resources without a volume KMS key.
fn kms_instance_constraint(app: &mut App, scope: NodeId, i: &Inputs) -> ManagedPolicyRef {
    let id = "mlspace-kms-instance-constraint-policy";
    let cfg = i.cfg;
    if let Some(arn) = &cfg.kms_instance_conditions_policy_arn {
        return imported_managed_policy(app, scope, id, arn.as_str());
    }
    let deny = Statement::deny(&[
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:CreateNotebookInstance",
        "sagemaker:CreateTrainingJob",
        "sagemaker:CreateTransformJob",
    ])
    .on_all()
    .condition(map! { "Null" => map! { "sagemaker:VolumeKmsKey" => "true" } });
    let prefix = &cfg.iam_resource_prefix;
    managed_policy(
        app,
        scope,
        id,
        ManagedPolicyProps {
            statements: vec![deny],
            managed_policy_name: Some(format!("{prefix}-kms-instance-constraint-policy").into()),
            ..Default::default()
        },
    )
}

fn endpoint_instance_constraint(app: &mut App, scope: NodeId, i: &Inputs) -> ManagedPolicyRef {
    let id = "mlspace-endpoint-config-instance-constraint";
    let cfg = i.cfg;
    if let Some(arn) = &cfg.endpoint_config_instance_constraint_policy_arn {
        return imported_managed_policy(app, scope, id, arn.as_str());
    }
    let prefix = &cfg.iam_resource_prefix;
    managed_policy(
        app,
        scope,
        id,
        ManagedPolicyProps {
            statements: vec![instance_constraint(
                &i.here,
                &[("CreateEndpointConfig", "endpoint-config")],
            )],
            managed_policy_name: Some(format!("{prefix}-endpoint-instance-constraint").into()),
            ..Default::default()
        },
    )
}

fn job_instance_constraint(app: &mut App, scope: NodeId, i: &Inputs) -> ManagedPolicyRef {
    let id = "mlspace-job-instance-constraint";
    let cfg = i.cfg;
    if let Some(arn) = &cfg.job_instance_constraint_policy_arn {
        return imported_managed_policy(app, scope, id, arn.as_str());
    }
    let prefix = &cfg.iam_resource_prefix;
    let training = [
        (
            "CreateHyperParameterTuningJob",
            "hyper-parameter-tuning-job",
        ),
        ("CreateTrainingJob", "training-job"),
    ];
    managed_policy(
        app,
        scope,
        id,
        ManagedPolicyProps {
            statements: vec![
                instance_constraint(&i.here, &training),
                instance_constraint(&i.here, &[("CreateTransformJob", "transform-job")]),
            ],
            managed_policy_name: Some(format!("{prefix}-job-instance-constraint").into()),
            ..Default::default()
        },
    )
}

/// Allow the given `sagemaker:<action>` on `<resource type>/*` for an instance-type list that
/// the app fills in at run time (empty here).
fn instance_constraint(arns: &Arns, pairs: &[(&str, &str)]) -> Statement {
    let actions: Vec<String> = pairs
        .iter()
        .map(|(a, _)| format!("sagemaker:{a}"))
        .collect();
    Statement::allow(&actions)
        .on(pairs.iter().map(|(_, r)| arns.sagemaker(&format!("{r}/*"))))
        .condition(map! { "ForAnyValue:StringEquals" => map! { "sagemaker:InstanceTypes" => Value::List(Vec::new()) } })
}

/// The boundary of the project-user roles (MANAGE_IAM_ROLES only): a configured policy name,
/// or one created here.
pub(super) fn permissions_boundary(
    app: &mut App,
    scope: NodeId,
    i: &Inputs,
) -> Option<ManagedPolicyRef> {
    let cfg = i.cfg;
    if !cfg.manage_iam_roles {
        return None;
    }
    Some(if let Some(name) = &cfg.permissions_boundary_policy_name {
        managed_policy_from_name(
            app,
            scope,
            "mlspace-existing-boundary",
            &cfg.aws_account,
            name,
        )
    } else {
        managed_policy(
            app,
            scope,
            "mlspace-project-user-role-boundary",
            ManagedPolicyProps {
                statements: boundary_policy::statements(i),
                managed_policy_name: Some("mlspace-project-user-permission-boundary".into()),
                ..Default::default()
            },
        )
    })
}
