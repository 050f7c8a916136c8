//! The app (and system) policy: what the application Lambdas may do beyond the notebook policy.
use crate::constructs::iam::{ManagedPolicyRef, Statement};
use crate::map;

use super::{
    null_and, obj, vpc_and_request_tags, Inputs, Presence, APP_ROLE_NAME, EMR_EC2_ROLE_NAME,
    EMR_SERVICE_ROLE_NAME, NOTEBOOK_ROLE_NAME,
};

/// `role_name` is the role that carries the policy (it may pass itself).
pub(super) fn app_statements(
    i: &Inputs,
    role_name: &str,
    boundary: Option<&ManagedPolicyRef>,
) -> Vec<Statement> {
    let mut s = services(i, role_name);
    s.extend(notebook_instances(i));
    s.extend(lambda_and_emr(i));
    if let (true, Some(boundary)) = (i.cfg.manage_iam_roles, boundary) {
        s.extend(project_roles(i, boundary));
    }
    if i.translate {
        s.push(
            Statement::allow(&["iam:PassRole"])
                .on([i.here.iam(&format!("role/{role_name}"))])
                .condition(map! { "StringEquals" => map! { "iam:PassedToService" => "translate.amazonaws.com" } }),
        );
    }
    s
}

/// Key, logs, passing the EMR roles and itself, MLSpace's tables, security groups and S3.
fn services(i: &Inputs, role_name: &str) -> Vec<Statement> {
    let here = &i.here;
    vec![
        Statement::allow(&["kms:RetireGrant"]).on([i.key_arn.clone()]),
        Statement::allow(&["logs:FilterLogEvents"]).on_all(),
        Statement::allow(&["iam:PassRole", "iam:ListRoleTags"]).on([
            here.iam(&format!("role/{EMR_SERVICE_ROLE_NAME}")),
            here.iam(&format!("role/{EMR_EC2_ROLE_NAME}")),
            here.iam(&format!("role/{role_name}")),
        ]),
        Statement::allow(&[
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:Scan",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
            "dynamodb:UpdateItem",
        ])
        .on([here.regional("dynamodb", "table/mlspace-*")]),
        Statement::allow(&["ec2:AuthorizeSecurityGroupIngress"]).on([i.ec2("security-group/*")]),
        Statement::allow(&[
            "ec2:DescribeInstances",
            "ec2:DescribeRouteTables",
            "ec2:DescribeInstanceTypeOfferings",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeVpcEndpoints",
        ])
        .on_all(),
        Statement::allow(&[
            "s3:List*",
            "s3:Get*",
            "s3:PutObject",
            "s3:PutObjectTagging",
            "s3:DeleteObject",
            "s3:PutBucketNotification",
        ])
        .on([here.s3("*")]),
    ]
}

/// Creating notebook instances (no internet, no root, in MLSpace's VPC, tagged), their
/// lifecycle configs, and managing tagged ones.
fn notebook_instances(i: &Inputs) -> Vec<Statement> {
    let here = &i.here;
    let instances = || here.sagemaker("notebook-instance/*");
    vec![
        Statement::allow(&["sagemaker:CreateNotebookInstance"]).on([instances()]).condition(map! {
            "StringEquals" => map! { "sagemaker:DirectInternetAccess" => "Disabled", "sagemaker:RootAccess" => "Disabled" },
            "Null" => obj(vpc_and_request_tags(&i.tags, Presence::Present)),
        }),
        Statement::allow(&[
            "sagemaker:CreateNotebookInstanceLifecycleConfig",
            "sagemaker:UpdateNotebookInstanceLifecycleConfig",
            "sagemaker:DeleteNotebookInstanceLifecycleConfig",
            "sagemaker:DescribeNotebookInstanceLifecycleConfig",
        ])
        .on([here.sagemaker("notebook-instance-lifecycle-config/*")]),
        Statement::allow(&[
            "sagemaker:DeleteNotebookInstance",
            "sagemaker:DescribeNotebookInstance",
            "sagemaker:StartNotebookInstance",
            "sagemaker:StopNotebookInstance",
            "sagemaker:UpdateNotebookInstance",
        ])
        .on([instances()])
        .condition(null_and(i.tags.resource_present(), None)),
        Statement::allow(&["sagemaker:CreatePresignedNotebookInstanceUrl"]).on([instances()]),
        Statement::allow(&["sagemaker:ListNotebookInstanceLifecycleConfigs", "sagemaker:ListNotebookInstances"]).on_all(),
    ]
}

/// Invoking MLSpace's Lambdas, and running and managing EMR clusters.
fn lambda_and_emr(i: &Inputs) -> Vec<Statement> {
    let here = &i.here;
    vec![
        Statement::allow(&["lambda:InvokeFunction"])
            .on([here.regional("lambda", "function:mls-lambda-*")]),
        Statement::allow(&[
            "elasticmapreduce:RunJobFlow",
            "elasticmapreduce:ListClusters",
            "elasticmapreduce:ListReleaseLabels",
        ])
        .on_all(),
        Statement::allow(&[
            "elasticmapreduce:DescribeCluster",
            "elasticmapreduce:ListInstances",
            "elasticmapreduce:AddTags",
            "elasticmapreduce:TerminateJobFlows",
            "elasticmapreduce:SetTerminationProtection",
        ])
        .on([here.regional("elasticmapreduce", "cluster/*")]),
    ]
}

/// MANAGE_IAM_ROLES: creating and managing the project-user roles (within `boundary`) and
/// their policies, and passing them to SageMaker.
fn project_roles(i: &Inputs, boundary: &ManagedPolicyRef) -> Vec<Statement> {
    let here = &i.here;
    let prefix = i.cfg.iam_resource_prefix.as_str();
    let system = i.cfg.system_tag.as_str();
    let prefixed_roles = || here.iam(&format!("role/{prefix}*"));
    let system_tag = || map! { "iam:ResourceTag/system" => system };
    vec![
        Statement::allow(&["iam:CreateRole"])
            .on([prefixed_roles()])
            .condition(map! {
                "StringEqualsIgnoreCase" => system_tag(),
                "StringEquals" => map! { "iam:PermissionsBoundary" => boundary.arn.clone() },
            }),
        Statement::allow(&[
            "iam:AttachRolePolicy",
            "iam:DetachRolePolicy",
            "iam:DeleteRole",
            "iam:DeleteRolePolicy",
            "iam:PutRolePolicy",
        ])
        .on([prefixed_roles()])
        .condition(map! { "StringEqualsIgnoreCase" => system_tag() }),
        Statement::allow(&["iam:AttachRolePolicy", "iam:DetachRolePolicy"])
            .on([
                here.iam(&format!("role/{APP_ROLE_NAME}")),
                here.iam(&format!("role/{NOTEBOOK_ROLE_NAME}")),
                prefixed_roles(),
            ])
            .condition(map! { "StringEqualsIgnoreCase" => map! {
                "iam:PolicyARN" => here.iam(&format!("policy/{prefix}-app-denied-services")),
                "iam:ResourceTag/system" => system,
            } }),
        Statement::allow(&[
            "iam:ListRoles",
            "iam:ListEntitiesForPolicy",
            "iam:ListPolicyVersions",
            "iam:ListAttachedRolePolicies",
            "iam:GetRole",
            "iam:GetPolicy",
            "iam:ListRoleTags",
        ])
        .on_all(),
        Statement::allow(&[
            "iam:CreatePolicy",
            "iam:CreatePolicyVersion",
            "iam:DeletePolicy",
            "iam:DeletePolicyVersion",
            "iam:TagPolicy",
        ])
        .on([here.iam(&format!("policy/{prefix}*"))]),
        Statement::allow(&[
            "iam:SimulatePrincipalPolicy",
            "iam:TagRole",
            "iam:AttachRolePolicy",
        ])
        .on([prefixed_roles()]),
        Statement::allow(&["iam:PassRole"])
            .on([prefixed_roles()])
            .condition(map! { "StringEquals" => map! { "iam:PassedToService" => "sagemaker.amazonaws.com" } }),
    ]
}
