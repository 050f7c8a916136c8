//! The notebook policy: what notebooks (and the whole app) may do. The project-user boundary
//! repeats it with `*` for partition and region and any instance type.
use crate::cdk::value::concat;
use crate::cdk::Value;
use crate::constructs::iam::Statement;
use crate::map;

use super::{null_and, vpc_and_request_tags, Arns, Inputs, Presence, SystemTag};

/// Whether training, transform and endpoint-config creation is left to the instance-type
/// constraint policies (MANAGE_IAM_ROLES), or allowed for any instance type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum InstanceTypes {
    /// Constrained when MANAGE_IAM_ROLES is on (the notebook policy).
    Constrained,
    /// Any instance type (the project-user boundary).
    Any,
}

/// `arns` gives the partition and region (the boundary uses `*`).
pub(super) fn notebook_statements(i: &Inputs, arns: &Arns, types: InstanceTypes) -> Vec<Statement> {
    let mut s = key_and_network(i);
    s.extend(sagemaker_resources(i, arns));
    s.push(ml_services(i));
    s.extend(shared_reads(i, arns));
    s.push(bedrock(i, arns));
    if i.translate {
        s.extend(translate(i, arns));
    }
    if !i.cfg.manage_iam_roles {
        s.push(Statement::allow(&["s3:*"]).on([arns.s3(&format!("{}/*", i.data_bucket))]));
    }
    s.extend(jobs_and_endpoint_configs(i, arns, types));
    s
}

/// Grants on the MLSpace key, and network interfaces in MLSpace's subnets and security group.
fn key_and_network(i: &Inputs) -> Vec<Statement> {
    let mut ec2_resources: Vec<Value> = i
        .private_subnets
        .iter()
        .map(|s| concat([i.ec2("subnet/"), s.clone()]))
        .collect();
    ec2_resources.push(concat([i.ec2("security-group/"), i.security_group.clone()]));
    ec2_resources.push(i.ec2("network-interface/*"));
    ec2_resources.push(i.key_arn.clone());
    vec![
        Statement::allow(&["kms:CreateGrant"])
            .on([i.key_arn.clone()])
            .condition(map! { "Bool" => map! { "kms:GrantIsForAWSResource" => "true" } }),
        Statement::allow(&[
            "ec2:CreateNetworkInterface",
            "ec2:CreateNetworkInterfacePermission",
            "ec2:DeleteNetworkInterface",
            "ec2:DeleteNetworkInterfacePermission",
            "kms:Decrypt",
            "kms:DescribeKey",
            "kms:Encrypt",
            "kms:GenerateDataKey",
        ])
        .on(ec2_resources),
    ]
}

/// Tagging, listing, and creating or managing SageMaker resources tagged for MLSpace.
fn sagemaker_resources(i: &Inputs, arns: &Arns) -> Vec<Statement> {
    let any_sagemaker = || arns.sagemaker("*");
    let tagged_request = || {
        null_and(
            i.tags.request(Presence::Present),
            Some(i.tags.request_system(SystemTag::Equals)),
        )
    };
    vec![
        Statement::allow(&["sagemaker:AddTags"]).on([any_sagemaker()]),
        Statement::allow(&[
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeDhcpOptions",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeVpcs",
            "sagemaker:DescribeWorkteam",
            "sagemaker:ListEndpointConfigs",
            "sagemaker:ListEndpoints",
            "sagemaker:ListLabelingJobs",
            "sagemaker:ListModels",
            "sagemaker:ListTags",
            "sagemaker:ListTrainingJobs",
            "sagemaker:ListTransformJobs",
            "sagemaker:ListHyperParameterTuningJobs",
            "sagemaker:ListTrainingJobsForHyperParameterTuningJob",
            "sagemaker:ListWorkteams",
            "iam:GetRole",
            "cloudwatch:PutMetricData",
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:DescribeLogStreams",
            "logs:PutLogEvents",
        ])
        .on_all(),
        Statement::allow(&["sagemaker:CreateEndpoint", "sagemaker:CreateLabelingJob"])
            .on([any_sagemaker()])
            .condition(tagged_request()),
        Statement::allow(&["sagemaker:CreateEndpoint"]).on([arns.sagemaker("endpoint-config/*")]),
        Statement::allow(&["sagemaker:CreateModel"])
            .on([arns.sagemaker("model/*")])
            .condition(null_and(
                vpc_and_request_tags(&i.tags, Presence::Present),
                Some(i.tags.request_system(SystemTag::Equals)),
            )),
        Statement::allow(&[
            "sagemaker:DescribeTrainingJob",
            "sagemaker:StopTrainingJob",
            "sagemaker:DescribeTransformJob",
            "sagemaker:StopTransformJob",
            "sagemaker:DescribeModel",
            "sagemaker:DeleteModel",
            "sagemaker:DescribeHyperParameterTuningJob",
            "sagemaker:StopHyperParameterTuningJob",
            "sagemaker:DescribeEndpoint",
            "sagemaker:DeleteEndpoint",
            "sagemaker:InvokeEndpoint",
            "sagemaker:UpdateEndpoint",
            "sagemaker:UpdateEndpointWeightsAndCapacities",
            "sagemaker:DescribeEndpointConfig",
            "sagemaker:DeleteEndpointConfig",
            "sagemaker:DescribeLabelingJob",
            "sagemaker:StopLabelingJob",
        ])
        .on([any_sagemaker()])
        .condition(null_and(
            i.tags.resource_present(),
            Some((
                "StringEqualsIgnoreCase",
                map! { "aws:ResourceTag/system" => i.tags.system },
            )),
        )),
    ]
}

/// Comprehend detection, and Translate's text translation when translation is on.
fn ml_services(i: &Inputs) -> Statement {
    let mut actions = vec!["comprehend:Detect*", "comprehend:BatchDetect*"];
    if i.translate {
        actions.push("translate:TranslateText");
    }
    Statement::allow(&actions).on_all()
}

/// The config bucket, SageMaker's sample files and the data bucket's global read-only prefix.
fn shared_reads(i: &Inputs, arns: &Arns) -> Vec<Statement> {
    vec![
        Statement::allow(&["s3:GetObject", "s3:ListBucket"]).on([
            arns.s3(&i.config_bucket),
            arns.s3(&format!("{}/*", i.config_bucket)),
            arns.s3("sagemaker-sample-files"),
            arns.s3("sagemaker-sample-files/*"),
            arns.s3(&format!("{}/global-read-only/*", i.data_bucket)),
        ]),
        Statement::allow(&["s3:ListBucket"])
            .on([arns.s3(&i.data_bucket)])
            .condition(map! { "StringLike" => map! { "s3:prefix" => "global-read-only/*" } }),
    ]
}

fn bedrock(i: &Inputs, arns: &Arns) -> Statement {
    let mut null = i.tags.request(Presence::Present);
    null.extend(i.tags.resource_present());
    // compat: MLSpace lists Retrieve* twice and scopes Bedrock to SageMaker ARNs.
    Statement::allow(&[
        "bedrock:Associate*",
        "bedrock:Create*",
        "bedrock:BatchDelete*",
        "bedrock:Delete*",
        "bedrock:Put*",
        "bedrock:Retrieve*",
        "bedrock:Start*",
        "bedrock:Update*",
        "bedrock:Apply*",
        "bedrock:Detect*",
        "bedrock:List*",
        "bedrock:Get*",
        "bedrock:Invoke*",
        "bedrock:Retrieve*",
    ])
    .on([arns.sagemaker("*")])
    .condition(null_and(
        null,
        Some(i.tags.request_system(SystemTag::Equals)),
    ))
}

/// Batch translation jobs, and passing MLSpace's roles to Translate.
fn translate(i: &Inputs, arns: &Arns) -> Vec<Statement> {
    vec![
        Statement::allow(&[
            "translate:StopTextTranslationJob",
            "translate:List*",
            "translate:StartTextTranslationJob",
            "translate:DescribeTextTranslationJob",
            "translate:TranslateDocument",
            "translate:TranslateText",
        ])
        .on_all(),
        Statement::allow(&["iam:PassRole"])
            .on([arns.iam(&format!("role/{}*", i.cfg.iam_resource_prefix))])
            .condition(map! { "StringEquals" => map! { "iam:PassedToService" => "translate.amazonaws.com" } }),
    ]
}

/// Endpoint configs, transform, training and tuning jobs: allowed when tagged for MLSpace, or,
/// where the instance-type constraint policies allow them, denied unless tagged.
fn jobs_and_endpoint_configs(i: &Inputs, arns: &Arns, types: InstanceTypes) -> Vec<Statement> {
    let jobs = [
        arns.sagemaker("training-job/*"),
        arns.sagemaker("hyper-parameter-tuning-job/*"),
    ];
    let job_actions = [
        "sagemaker:CreateHyperParameterTuningJob",
        "sagemaker:CreateTrainingJob",
    ];
    let endpoint_actions = [
        "sagemaker:CreateEndpointConfig",
        "sagemaker:CreateTransformJob",
    ];
    if !i.cfg.manage_iam_roles || types == InstanceTypes::Any {
        let present = Presence::Present;
        let equals = || Some(i.tags.request_system(SystemTag::Equals));
        vec![
            Statement::allow(&endpoint_actions)
                .on([arns.sagemaker("*")])
                .condition(null_and(i.tags.request(present), equals())),
            Statement::allow(&job_actions)
                .on(jobs)
                .condition(null_and(vpc_and_request_tags(&i.tags, present), equals())),
        ]
    } else {
        let absent = Presence::Absent;
        let differs = || Some(i.tags.request_system(SystemTag::Differs));
        vec![
            Statement::deny(&endpoint_actions)
                .on([arns.sagemaker("*")])
                .condition(null_and(i.tags.request(absent), differs())),
            Statement::deny(&job_actions)
                .on(jobs)
                .condition(null_and(vpc_and_request_tags(&i.tags, absent), differs())),
        ]
    }
}
