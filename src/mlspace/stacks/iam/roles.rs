//! The roles: notebook, app, system, S3 reader, API Gateway logging and the EMR defaults.
//! Each is imported instead when the configuration names an existing one.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, Resource, Value};
use crate::config::Arn;
use crate::constructs::iam::{
    aws_managed_policy, imported_role, managed_policy, role, ManagedPolicyProps, ManagedPolicyRef,
    Principal, RoleProps, RoleRef, Statement,
};

use super::app_policy::app_statements;
use super::policies::SharedPolicies;
use super::{
    Inputs, APP_ROLE_NAME, EMR_EC2_ROLE_NAME, EMR_SERVICE_ROLE_NAME, NOTEBOOK_ROLE_NAME,
    SYSTEM_ROLE_NAME,
};

const VPC_ACCESS_POLICY: &str = "service-role/AWSLambdaVPCAccessExecutionRole";

/// `service`, and Amazon Translate when translation is on (it assumes the same roles).
fn trust(i: &Inputs, service: &str) -> Vec<Principal> {
    let mut p = vec![Principal::service(service)];
    if i.translate {
        p.push(Principal::service("translate.amazonaws.com"));
    }
    p
}

pub(super) fn notebook_role(
    app: &mut App,
    scope: NodeId,
    i: &Inputs,
    policies: &SharedPolicies,
) -> RoleRef {
    if let Some(arn) = &i.cfg.notebook_role_arn {
        return imported_role(app, scope, NOTEBOOK_ROLE_NAME, arn.as_str());
    }
    role(
        app,
        scope,
        NOTEBOOK_ROLE_NAME,
        RoleProps {
            assumed_by: trust(i, "sagemaker.amazonaws.com"),
            managed_policy_arns: policies.notebook_arns(),
            role_name: Some(NOTEBOOK_ROLE_NAME.into()),
            description: Some(
                "Allows SageMaker Notebooks within ML Space to access necessary AWS services (S3, SQS, DynamoDB, ...)".into(),
            ),
            ..Default::default()
        },
    )
}

pub(super) fn app_role(
    app: &mut App,
    scope: NodeId,
    i: &Inputs,
    policies: &SharedPolicies,
    boundary: Option<&ManagedPolicyRef>,
) -> RoleRef {
    let role = LambdaRole {
        name: APP_ROLE_NAME,
        policy_id: "mlspace-app-policy",
        existing: i.cfg.app_role_arn.as_ref(),
        shared_policy_arns: policies.notebook_arns(),
        description:
            "Allows ML Space Application to access necessary AWS services (S3, SQS, DynamoDB, ...)",
    };
    lambda_role(app, scope, i, role, boundary)
}

pub(super) fn system_role(
    app: &mut App,
    scope: NodeId,
    i: &Inputs,
    policies: &SharedPolicies,
    boundary: Option<&ManagedPolicyRef>,
) -> RoleRef {
    let role = LambdaRole {
        name: SYSTEM_ROLE_NAME,
        policy_id: "mlspace-system-policy",
        existing: i.cfg.system_role_arn.as_ref(),
        shared_policy_arns: vec![policies.notebook.arn.clone()],
        description: "Allows ML Space System to access necessary AWS services (S3, DynamoDB, Sagemaker services, ...)",
    };
    lambda_role(app, scope, i, role, boundary)
}

/// The app and system roles differ only in these.
struct LambdaRole<'a> {
    name: &'static str,
    policy_id: &'static str,
    existing: Option<&'a Arn>,
    /// Shared managed policies attached after the role's own policy.
    shared_policy_arns: Vec<Value>,
    description: &'static str,
}

/// A role MLSpace's Lambda functions run as: its own policy of the app statements, the shared
/// policies, and Lambda's VPC access; imported instead when the configuration names one.
fn lambda_role(
    app: &mut App,
    scope: NodeId,
    i: &Inputs,
    spec: LambdaRole,
    boundary: Option<&ManagedPolicyRef>,
) -> RoleRef {
    if let Some(arn) = spec.existing {
        return imported_role(app, scope, spec.name, arn.as_str());
    }
    let policy = managed_policy(
        app,
        scope,
        spec.policy_id,
        ManagedPolicyProps {
            statements: app_statements(i, spec.name, boundary),
            ..Default::default()
        },
    );
    let mut arns = vec![policy.arn];
    arns.extend(spec.shared_policy_arns);
    arns.push(aws_managed_policy(VPC_ACCESS_POLICY));
    role(
        app,
        scope,
        spec.name,
        RoleProps {
            assumed_by: trust(i, "lambda.amazonaws.com"),
            managed_policy_arns: arns,
            role_name: Some(spec.name.into()),
            description: Some(spec.description.into()),
            ..Default::default()
        },
    )
}

/// The role API Gateway assumes to proxy the static website from its bucket.
pub(super) fn s3_reader_role(app: &mut App, scope: NodeId, i: &Inputs) -> RoleRef {
    let id = "mlspace-s3-reader-role";
    if let Some(arn) = &i.cfg.s3_reader_role_arn {
        return imported_role(app, scope, id, arn.as_str());
    }
    let read =
        Statement::allow(&["s3:GetObject"]).on([i.here.s3(&format!("{}/*", i.website_bucket))]);
    let policy = managed_policy(
        app,
        scope,
        "mlspace-website-read-policy",
        ManagedPolicyProps {
            statements: vec![read],
            ..Default::default()
        },
    );
    role(
        app,
        scope,
        id,
        RoleProps {
            assumed_by: vec![Principal::service("apigateway.amazonaws.com")],
            managed_policy_arns: vec![policy.arn],
            role_name: Some("mlspace-s3-reader-Role".into()),
            description: Some("Allows API gateway to proxy static website assets".into()),
            ..Default::default()
        },
    )
}

/// The account-wide API Gateway setting that lets it write access logs (with a configured
/// role, or one created here).
pub(super) fn api_gateway_account(app: &mut App, scope: NodeId, i: &Inputs) {
    let role_arn = if let Some(arn) = &i.cfg.apigateway_cloudwatch_role_arn {
        Value::from(arn.as_str())
    } else {
        role(
            app,
            scope,
            "mlspace-cwl-role",
            RoleProps {
                assumed_by: vec![Principal::service("apigateway.amazonaws.com")],
                managed_policy_arns: vec![aws_managed_policy(
                    "service-role/AmazonAPIGatewayPushToCloudWatchLogs",
                )],
                ..Default::default()
            },
        )
        .arn
    };
    app.resource(
        scope,
        "mlspace-cwl-api-gateway-account",
        Resource::new(
            "AWS::ApiGateway::Account",
            props([("CloudWatchRoleArn", Some(role_arn))]),
        ),
    );
}

/// The names of the EMR service role and EC2 instance role.
pub(super) struct EmrRoles {
    pub service_role_name: Value,
    pub ec2_role_name: Value,
}

pub(super) fn emr_roles(app: &mut App, scope: NodeId, i: &Inputs) -> EmrRoles {
    let cfg = i.cfg;
    let service_id = "mlspace-emr_defaultrole";
    let service_role_name = if let Some(arn) = &cfg.emr_default_role_arn {
        imported_role(app, scope, service_id, arn.as_str()).name
    } else {
        emr_role(
            app,
            scope,
            service_id,
            "elasticmapreduce.amazonaws.com",
            EMR_SERVICE_ROLE_NAME,
            "service-role/AmazonElasticMapReduceRole",
        );
        Value::from(EMR_SERVICE_ROLE_NAME)
    };
    let ec2_id = "mlspace-emr_ec2_defaultrole";
    let ec2_role_name = if let Some(arn) = &cfg.emr_ec2_instance_role_arn {
        imported_role(app, scope, ec2_id, arn.as_str()).name
    } else {
        let ec2_role = emr_role(
            app,
            scope,
            ec2_id,
            "ec2.amazonaws.com",
            EMR_EC2_ROLE_NAME,
            "service-role/AmazonElasticMapReduceforEC2Role",
        );
        let profile = props([
            ("InstanceProfileName", Some(ec2_role.name.clone())),
            ("Roles", Some(Value::List(vec![ec2_role.name.clone()]))),
        ]);
        app.resource(
            scope,
            "mlspace-emr-instance-profile",
            Resource::new("AWS::IAM::InstanceProfile", profile),
        );
        ec2_role.name
    };
    EmrRoles {
        service_role_name,
        ec2_role_name,
    }
}

fn emr_role(
    app: &mut App,
    scope: NodeId,
    id: &str,
    service: &str,
    name: &str,
    policy: &str,
) -> RoleRef {
    role(
        app,
        scope,
        id,
        RoleProps {
            assumed_by: vec![Principal::service(service)],
            managed_policy_arns: vec![aws_managed_policy(policy)],
            role_name: Some(name.into()),
            description: Some("Provides needed permissions for running an EMR Cluster.".into()),
            ..Default::default()
        },
    )
}
