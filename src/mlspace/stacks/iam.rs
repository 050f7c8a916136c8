//! mlspace-iam: the roles and managed policies of MLSpace. Each role or policy is created here
//! unless the configuration names an existing one, which is then referenced everywhere instead.
use crate::cdk::value::{concat, Pseudo};
use crate::cdk::{App, NodeId, Resource, StackRef, Value};
use crate::config::Config;
use crate::constructs::iam::{
    aws_managed_policy, imported_managed_policy, imported_role, managed_policy,
    managed_policy_from_name, role, ManagedPolicyProps, ManagedPolicyRef, Principal, RoleProps,
    RoleRef, Statement,
};
use crate::map;
use crate::mlspace::app::Ctx;

use super::kms::KmsOutputs;
use super::vpc::VpcOutputs;

/// Roles and policies as the other stacks see them (created here or configured).
#[derive(Debug, Clone)]
pub struct IamOutputs {
    pub notebook_role: RoleRef,
    pub app_role: RoleRef,
    pub system_role: RoleRef,
    pub s3_reader_role: RoleRef,
    pub notebook_role_arn: Value,
    pub app_role_arn: Value,
    pub system_role_arn: Value,
    pub s3_reader_role_arn: Value,
    /// Only when MANAGE_IAM_ROLES is on.
    pub endpoint_config_instance_constraint_policy_arn: Option<Value>,
    pub job_instance_constraint_policy_arn: Option<Value>,
    /// Always set (created or configured); an Option for the stacks written against that shape.
    pub kms_instance_conditions_policy_arn: Option<Value>,
    /// The boundary of the dynamically created project-user roles (MANAGE_IAM_ROLES only).
    pub permissions_boundary_arn: Option<Value>,
    pub emr_service_role_name: Value,
    pub emr_ec2_role_name: Value,
}

const NOTEBOOK_ROLE_NAME: &str = "mlspace-notebook-role";
const APP_ROLE_NAME: &str = "mlspace-app-role";
const SYSTEM_ROLE_NAME: &str = "mlspace-system-role";
const EMR_SERVICE_ROLE_NAME: &str = "EMR_DefaultRole";
const EMR_EC2_ROLE_NAME: &str = "EMR_EC2_DefaultRole";
const VPC_ACCESS_POLICY: &str = "service-role/AWSLambdaVPCAccessExecutionRole";

/// Builds ARNs in one partition/region (deploy-time pseudo parameters, or `*` for the boundary).
#[derive(Clone)]
struct Arns {
    partition: Value,
    region: Value,
    account: String,
}

impl Arns {
    fn arn(&self, service: &str, regional: bool, resource: &str) -> Value {
        let region = if regional {
            self.region.clone()
        } else {
            Value::from("")
        };
        concat([
            "arn:".into(),
            self.partition.clone(),
            format!(":{service}:").into(),
            region,
            format!(":{}:{resource}", self.account).into(),
        ])
    }
    fn s3(&self, resource: &str) -> Value {
        concat([
            "arn:".into(),
            self.partition.clone(),
            format!(":s3:::{resource}").into(),
        ])
    }
    fn sagemaker(&self, resource: &str) -> Value {
        self.arn("sagemaker", true, resource)
    }
    fn iam(&self, resource: &str) -> Value {
        self.arn("iam", false, resource)
    }
}

/// Tag conditions that tie a request or a resource to MLSpace.
struct Tags<'a> {
    system: &'a str,
}

impl Tags<'_> {
    fn request_null(&self, inverted: bool) -> Vec<(&'static str, Value)> {
        let v = if inverted { "true" } else { "false" };
        vec![
            ("aws:RequestTag/project", v.into()),
            ("aws:RequestTag/user", v.into()),
        ]
    }
    fn resource_null(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("aws:ResourceTag/project", "false".into()),
            ("aws:ResourceTag/system", "false".into()),
            ("aws:ResourceTag/user", "false".into()),
        ]
    }
    fn request_system(&self, equals: bool) -> (&'static str, Value) {
        let op = if equals {
            "StringEqualsIgnoreCase"
        } else {
            "StringNotEqualsIgnoreCase"
        };
        (op, map! { "aws:RequestTag/system" => self.system })
    }
}

fn obj(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}

/// `{"Null": {...null checks}, <system tag operator>: {...}}`.
fn null_and(null: Vec<(&'static str, Value)>, system: Option<(&'static str, Value)>) -> Value {
    let mut pairs = vec![("Null", obj(null))];
    pairs.extend(system);
    obj(pairs)
}

struct Inputs<'a> {
    cfg: &'a Config,
    data_bucket: String,
    config_bucket: String,
    website_bucket: String,
    translate: bool,
    key_arn: Value,
    private_subnets: Vec<Value>,
    security_group: Value,
    tags: Tags<'a>,
    /// Partition and region as the stack resolves them.
    here: Arns,
}

impl Inputs<'_> {
    fn ec2(&self, resource: &str) -> Value {
        self.here.arn("ec2", true, resource)
    }
}

pub fn build(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    vpc: &VpcOutputs,
    kms: &KmsOutputs,
) -> IamOutputs {
    let cfg = ctx.cfg;
    let scope = stack.node;
    app.construct(scope, "mlspace-iam");
    let here = Arns {
        partition: Value::Pseudo(Pseudo::Partition),
        region: Value::Pseudo(Pseudo::Region),
        account: cfg.aws_account.clone(),
    };
    let inputs = Inputs {
        cfg,
        data_bucket: ctx.bucket_name(&cfg.data_bucket_name),
        config_bucket: ctx.bucket_name(&cfg.config_bucket_name),
        website_bucket: ctx.bucket_name(&cfg.website_bucket_name),
        translate: ctx.translate_enabled(),
        key_arn: kms.key_arn.clone(),
        private_subnets: vpc.private_subnet_ids.clone(),
        security_group: vpc.security_group_id.clone(),
        tags: Tags {
            system: &cfg.system_tag,
        },
        here: here.clone(),
    };
    let prefix = cfg.iam_resource_prefix.as_str();

    let kms_policy = if !cfg.kms_instance_conditions_policy_arn.is_empty() {
        imported_managed_policy(
            app,
            scope,
            "mlspace-kms-instance-constraint-policy",
            &cfg.kms_instance_conditions_policy_arn,
        )
    } else {
        let deny = Statement::deny(&[
            "sagemaker:CreateEndpointConfig",
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateTransformJob",
        ])
        .on_all()
        .condition(map! { "Null" => map! { "sagemaker:VolumeKmsKey" => "true" } });
        managed_policy(
            app,
            scope,
            "mlspace-kms-instance-constraint-policy",
            ManagedPolicyProps {
                statements: vec![deny],
                managed_policy_name: Some(
                    format!("{prefix}-kms-instance-constraint-policy").into(),
                ),
                ..Default::default()
            },
        )
    };

    let notebook_policy = managed_policy(
        app,
        scope,
        "mlspace-notebook-policy",
        ManagedPolicyProps {
            statements: notebook_statements(&inputs, &here, false),
            description: Some(
                "Enables general MLSpace actions in notebooks and across the entire application."
                    .into(),
            ),
            ..Default::default()
        },
    );
    let mut notebook_policies = vec![notebook_policy.arn.clone(), kms_policy.arn.clone()];

    let (mut endpoint_policy, mut job_policy) = (None, None);
    if cfg.manage_iam_roles {
        let endpoint = if !cfg
            .endpoint_config_instance_constraint_policy_arn
            .is_empty()
        {
            imported_managed_policy(
                app,
                scope,
                "mlspace-endpoint-config-instance-constraint",
                &cfg.endpoint_config_instance_constraint_policy_arn,
            )
        } else {
            managed_policy(
                app,
                scope,
                "mlspace-endpoint-config-instance-constraint",
                ManagedPolicyProps {
                    statements: vec![instance_constraint(
                        &here,
                        &[("CreateEndpointConfig", "endpoint-config")],
                    )],
                    managed_policy_name: Some(
                        format!("{prefix}-endpoint-instance-constraint").into(),
                    ),
                    ..Default::default()
                },
            )
        };
        let job = if !cfg.job_instance_constraint_policy_arn.is_empty() {
            imported_managed_policy(
                app,
                scope,
                "mlspace-job-instance-constraint",
                &cfg.job_instance_constraint_policy_arn,
            )
        } else {
            managed_policy(
                app,
                scope,
                "mlspace-job-instance-constraint",
                ManagedPolicyProps {
                    statements: vec![
                        instance_constraint(
                            &here,
                            &[
                                (
                                    "CreateHyperParameterTuningJob",
                                    "hyper-parameter-tuning-job",
                                ),
                                ("CreateTrainingJob", "training-job"),
                            ],
                        ),
                        instance_constraint(&here, &[("CreateTransformJob", "transform-job")]),
                    ],
                    managed_policy_name: Some(format!("{prefix}-job-instance-constraint").into()),
                    ..Default::default()
                },
            )
        };
        notebook_policies.push(endpoint.arn.clone());
        notebook_policies.push(job.arn.clone());
        endpoint_policy = Some(endpoint);
        job_policy = Some(job);
    }

    let trust = |first: &str| -> Vec<Principal> {
        let mut p = vec![Principal::service(first)];
        if inputs.translate {
            p.push(Principal::service("translate.amazonaws.com"));
        }
        p
    };

    let notebook_role = if !cfg.notebook_role_arn.is_empty() {
        imported_role(app, scope, NOTEBOOK_ROLE_NAME, &cfg.notebook_role_arn)
    } else {
        role(
            app,
            scope,
            NOTEBOOK_ROLE_NAME,
            RoleProps {
                assumed_by: trust("sagemaker.amazonaws.com"),
                managed_policy_arns: notebook_policies.clone(),
                role_name: Some(NOTEBOOK_ROLE_NAME.into()),
                description: Some(
                    "Allows SageMaker Notebooks within ML Space to access necessary AWS services (S3, SQS, DynamoDB, ...)".into(),
                ),
                ..Default::default()
            },
        )
    };

    let mut boundary: Option<ManagedPolicyRef> = None;
    if cfg.manage_iam_roles {
        boundary = Some(if !cfg.permissions_boundary_policy_name.is_empty() {
            managed_policy_from_name(
                app,
                scope,
                "mlspace-existing-boundary",
                &cfg.aws_account,
                &cfg.permissions_boundary_policy_name,
            )
        } else {
            managed_policy(
                app,
                scope,
                "mlspace-project-user-role-boundary",
                ManagedPolicyProps {
                    statements: boundary_statements(&inputs),
                    managed_policy_name: Some("mlspace-project-user-permission-boundary".into()),
                    ..Default::default()
                },
            )
        });
    }

    let app_role = if !cfg.app_role_arn.is_empty() {
        imported_role(app, scope, "mlspace-app-role", &cfg.app_role_arn)
    } else {
        let policy = managed_policy(
            app,
            scope,
            "mlspace-app-policy",
            ManagedPolicyProps {
                statements: app_statements(&inputs, APP_ROLE_NAME, boundary.as_ref()),
                ..Default::default()
            },
        );
        let mut policies = vec![policy.arn];
        policies.extend(notebook_policies.iter().cloned());
        policies.push(aws_managed_policy(VPC_ACCESS_POLICY));
        role(
            app,
            scope,
            "mlspace-app-role",
            RoleProps {
                assumed_by: trust("lambda.amazonaws.com"),
                managed_policy_arns: policies,
                role_name: Some(APP_ROLE_NAME.into()),
                description: Some("Allows ML Space Application to access necessary AWS services (S3, SQS, DynamoDB, ...)".into()),
                ..Default::default()
            },
        )
    };

    let system_role = if !cfg.system_role_arn.is_empty() {
        imported_role(app, scope, SYSTEM_ROLE_NAME, &cfg.system_role_arn)
    } else {
        let policy = managed_policy(
            app,
            scope,
            "mlspace-system-policy",
            ManagedPolicyProps {
                statements: app_statements(&inputs, SYSTEM_ROLE_NAME, boundary.as_ref()),
                ..Default::default()
            },
        );
        role(
            app,
            scope,
            SYSTEM_ROLE_NAME,
            RoleProps {
                assumed_by: trust("lambda.amazonaws.com"),
                managed_policy_arns: vec![policy.arn, notebook_policy.arn.clone(), aws_managed_policy(VPC_ACCESS_POLICY)],
                role_name: Some(SYSTEM_ROLE_NAME.into()),
                description: Some(
                    "Allows ML Space System to access necessary AWS services (S3, DynamoDB, Sagemaker services, ...)".into(),
                ),
                ..Default::default()
            },
        )
    };

    let s3_reader_role = if !cfg.s3_reader_role_arn.is_empty() {
        imported_role(
            app,
            scope,
            "mlspace-s3-reader-role",
            &cfg.s3_reader_role_arn,
        )
    } else {
        let read = Statement::allow(&["s3:GetObject"])
            .on([here.s3(&format!("{}/*", inputs.website_bucket))]);
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
            "mlspace-s3-reader-role",
            RoleProps {
                assumed_by: vec![Principal::service("apigateway.amazonaws.com")],
                managed_policy_arns: vec![policy.arn],
                role_name: Some("mlspace-s3-reader-Role".into()),
                description: Some("Allows API gateway to proxy static website assets".into()),
                ..Default::default()
            },
        )
    };

    if cfg.enable_access_logging {
        let role_arn = if !cfg.apigateway_cloudwatch_role_arn.is_empty() {
            Value::from(cfg.apigateway_cloudwatch_role_arn.as_str())
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
        let props = crate::cdk::app::props([("CloudWatchRoleArn", Some(role_arn))]);
        app.resource(
            scope,
            "mlspace-cwl-api-gateway-account",
            Resource::new("AWS::ApiGateway::Account", props),
        );
    }

    let emr_service_role_name = if !cfg.emr_default_role_arn.is_empty() {
        imported_role(
            app,
            scope,
            "mlspace-emr_defaultrole",
            &cfg.emr_default_role_arn,
        )
        .name
    } else {
        emr_role(
            app,
            scope,
            "mlspace-emr_defaultrole",
            "elasticmapreduce.amazonaws.com",
            EMR_SERVICE_ROLE_NAME,
            "service-role/AmazonElasticMapReduceRole",
        );
        Value::from(EMR_SERVICE_ROLE_NAME)
    };
    let emr_ec2_role_name = if !cfg.emr_ec2_instance_role_arn.is_empty() {
        imported_role(
            app,
            scope,
            "mlspace-emr_ec2_defaultrole",
            &cfg.emr_ec2_instance_role_arn,
        )
        .name
    } else {
        let ec2_role = emr_role(
            app,
            scope,
            "mlspace-emr_ec2_defaultrole",
            "ec2.amazonaws.com",
            EMR_EC2_ROLE_NAME,
            "service-role/AmazonElasticMapReduceforEC2Role",
        );
        let props = crate::cdk::app::props([
            ("InstanceProfileName", Some(ec2_role.name.clone())),
            ("Roles", Some(Value::List(vec![ec2_role.name.clone()]))),
        ]);
        app.resource(
            scope,
            "mlspace-emr-instance-profile",
            Resource::new("AWS::IAM::InstanceProfile", props),
        );
        ec2_role.name
    };

    IamOutputs {
        notebook_role_arn: notebook_role.arn.clone(),
        app_role_arn: app_role.arn.clone(),
        system_role_arn: system_role.arn.clone(),
        s3_reader_role_arn: s3_reader_role.arn.clone(),
        notebook_role,
        app_role,
        system_role,
        s3_reader_role,
        endpoint_config_instance_constraint_policy_arn: endpoint_policy.map(|p| p.arn),
        job_instance_constraint_policy_arn: job_policy.map(|p| p.arn),
        kms_instance_conditions_policy_arn: Some(kms_policy.arn),
        permissions_boundary_arn: boundary.map(|p| p.arn),
        emr_service_role_name,
        emr_ec2_role_name,
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

/// The notebook policy: what notebooks (and the whole app) may do. `arns` gives the partition
/// and region (the boundary uses `*`); `allow_all_instances` is the boundary's variant.
fn notebook_statements(i: &Inputs, arns: &Arns, allow_all_instances: bool) -> Vec<Statement> {
    let cfg = i.cfg;
    let any_sagemaker = || arns.sagemaker("*");
    let mut ml_actions = vec!["comprehend:Detect*", "comprehend:BatchDetect*"];
    if i.translate {
        ml_actions.push("translate:TranslateText");
    }
    let mut ec2_resources: Vec<Value> = i
        .private_subnets
        .iter()
        .map(|s| concat([i.ec2("subnet/"), s.clone()]))
        .collect();
    ec2_resources.push(concat([i.ec2("security-group/"), i.security_group.clone()]));
    ec2_resources.push(i.ec2("network-interface/*"));
    ec2_resources.push(i.key_arn.clone());
    let mut model_null = vec![
        ("sagemaker:VpcSecurityGroupIds", Value::from("false")),
        ("sagemaker:VpcSubnets", "false".into()),
    ];
    model_null.extend(i.tags.request_null(false));
    let mut bedrock_null = i.tags.request_null(false);
    bedrock_null.extend(i.tags.resource_null());

    let mut s = vec![
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
            .condition(null_and(
                i.tags.request_null(false),
                Some(i.tags.request_system(true)),
            )),
        Statement::allow(&["sagemaker:CreateEndpoint"]).on([arns.sagemaker("endpoint-config/*")]),
        Statement::allow(&["sagemaker:CreateModel"])
            .on([arns.sagemaker("model/*")])
            .condition(null_and(
                model_null.clone(),
                Some(i.tags.request_system(true)),
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
            i.tags.resource_null(),
            Some((
                "StringEqualsIgnoreCase",
                map! { "aws:ResourceTag/system" => i.tags.system },
            )),
        )),
        Statement::allow(&ml_actions).on_all(),
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
        .on([any_sagemaker()])
        .condition(null_and(bedrock_null, Some(i.tags.request_system(true)))),
    ];
    if i.translate {
        s.push(
            Statement::allow(&[
                "translate:StopTextTranslationJob",
                "translate:List*",
                "translate:StartTextTranslationJob",
                "translate:DescribeTextTranslationJob",
                "translate:TranslateDocument",
                "translate:TranslateText",
            ])
            .on_all(),
        );
        s.push(
            Statement::allow(&["iam:PassRole"])
                .on([arns.iam(&format!("role/{}*", cfg.iam_resource_prefix))])
                .condition(map! { "StringEquals" => map! { "iam:PassedToService" => "translate.amazonaws.com" } }),
        );
    }
    if !cfg.manage_iam_roles {
        s.push(Statement::allow(&["s3:*"]).on([arns.s3(&format!("{}/*", i.data_bucket))]));
    }
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
    if !cfg.manage_iam_roles || allow_all_instances {
        s.push(
            Statement::allow(&endpoint_actions)
                .on([any_sagemaker()])
                .condition(null_and(
                    i.tags.request_null(false),
                    Some(i.tags.request_system(true)),
                )),
        );
        s.push(
            Statement::allow(&job_actions)
                .on(jobs)
                .condition(null_and(model_null, Some(i.tags.request_system(true)))),
        );
    } else {
        let mut inverted = vec![
            ("sagemaker:VpcSecurityGroupIds", Value::from("true")),
            ("sagemaker:VpcSubnets", "true".into()),
        ];
        inverted.extend(i.tags.request_null(true));
        s.push(
            Statement::deny(&endpoint_actions)
                .on([any_sagemaker()])
                .condition(null_and(
                    i.tags.request_null(true),
                    Some(i.tags.request_system(false)),
                )),
        );
        s.push(
            Statement::deny(&job_actions)
                .on(jobs)
                .condition(null_and(inverted, Some(i.tags.request_system(false)))),
        );
    }
    s
}

/// The permissions boundary of the project-user roles the app creates at run time.
fn boundary_statements(i: &Inputs) -> Vec<Statement> {
    let any = Arns {
        partition: "*".into(),
        region: "*".into(),
        account: i.cfg.aws_account.clone(),
    };
    let data = &i.data_bucket;
    let pass_to: Value = if i.translate {
        Value::list(["sagemaker.amazonaws.com", "translate.amazonaws.com"])
    } else {
        "sagemaker.amazonaws.com".into()
    };
    let mut s = vec![
        Statement::allow(&["s3:DeleteObject", "s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]).on([
            format!("arn:*:s3:::{data}/project/*"),
            format!("arn:*:s3:::{data}/group/*"),
            format!("arn:*:s3:::{data}/global/*"),
            format!("arn:*:s3:::{data}/private/*"),
        ]),
        Statement::allow(&["s3:GetObject", "s3:PutObject", "s3:PutObjectTagging"]).on([format!("arn:*:s3:::{data}/index/*")]),
        Statement::allow(&["s3:ListBucket"]).on([format!("arn:*:s3:::{data}")]).condition(
            map! { "StringLike" => map! { "s3:prefix" => Value::list(["global/*", "index/*", "private/*", "project/*", "group/*"]) } },
        ),
        Statement::allow(&["s3:GetBucketLocation"]).on([format!("arn:*:s3:::{data}")]),
        Statement::allow(&["iam:PassRole"])
            .on([format!("arn:*:iam::{}:role/{}*", i.cfg.aws_account, i.cfg.iam_resource_prefix)])
            .condition(map! { "StringEquals" => map! { "iam:PassedToService" => pass_to } }),
    ];
    s.extend(notebook_statements(i, &any, true));
    s
}

/// The app (and system) policy: what the application Lambdas may do beyond the notebook policy.
fn app_statements(
    i: &Inputs,
    role_name: &str,
    boundary: Option<&ManagedPolicyRef>,
) -> Vec<Statement> {
    let cfg = i.cfg;
    let here = &i.here;
    let prefix = cfg.iam_resource_prefix.as_str();
    let notebook_instances = || here.sagemaker("notebook-instance/*");
    let mut notebook_null = vec![
        ("sagemaker:VpcSecurityGroupIds", Value::from("false")),
        ("sagemaker:VpcSubnets", "false".into()),
    ];
    notebook_null.extend(i.tags.request_null(false));
    let mut s = vec![
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
        .on([here.arn("dynamodb", true, "table/mlspace-*")]),
        Statement::allow(&["ec2:AuthorizeSecurityGroupIngress"]).on([i.ec2("security-group/*")]),
        Statement::allow(&[
            "ec2:DescribeInstances",
            "ec2:DescribeRouteTables",
            "ec2:DescribeInstanceTypeOfferings",
            "ec2:DescribeInstanceTypes",
            "ec2:DescribeVpcEndpoints",
        ])
        .on_all(),
        Statement::allow(&["s3:List*", "s3:Get*", "s3:PutObject", "s3:PutObjectTagging", "s3:DeleteObject", "s3:PutBucketNotification"])
            .on([here.s3("*")]),
        Statement::allow(&["sagemaker:CreateNotebookInstance"]).on([notebook_instances()]).condition(map! {
            "StringEquals" => map! { "sagemaker:DirectInternetAccess" => "Disabled", "sagemaker:RootAccess" => "Disabled" },
            "Null" => obj(notebook_null),
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
        .on([notebook_instances()])
        .condition(null_and(i.tags.resource_null(), None)),
        Statement::allow(&["sagemaker:CreatePresignedNotebookInstanceUrl"]).on([notebook_instances()]),
        Statement::allow(&["sagemaker:ListNotebookInstanceLifecycleConfigs", "sagemaker:ListNotebookInstances"]).on_all(),
        Statement::allow(&["lambda:InvokeFunction"]).on([here.arn("lambda", true, "function:mls-lambda-*")]),
        Statement::allow(&["elasticmapreduce:RunJobFlow", "elasticmapreduce:ListClusters", "elasticmapreduce:ListReleaseLabels"]).on_all(),
        Statement::allow(&[
            "elasticmapreduce:DescribeCluster",
            "elasticmapreduce:ListInstances",
            "elasticmapreduce:AddTags",
            "elasticmapreduce:TerminateJobFlows",
            "elasticmapreduce:SetTerminationProtection",
        ])
        .on([here.arn("elasticmapreduce", true, "cluster/*")]),
    ];
    if let (true, Some(boundary)) = (cfg.manage_iam_roles, boundary) {
        let prefixed_roles = || here.iam(&format!("role/{prefix}*"));
        let system_tag = || map! { "iam:ResourceTag/system" => cfg.system_tag.as_str() };
        s.push(
            Statement::allow(&["iam:CreateRole"])
                .on([prefixed_roles()])
                .condition(map! {
                    "StringEqualsIgnoreCase" => system_tag(),
                    "StringEquals" => map! { "iam:PermissionsBoundary" => boundary.arn.clone() },
                }),
        );
        s.push(
            Statement::allow(&[
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
                "iam:DeleteRole",
                "iam:DeleteRolePolicy",
                "iam:PutRolePolicy",
            ])
            .on([prefixed_roles()])
            .condition(map! { "StringEqualsIgnoreCase" => system_tag() }),
        );
        s.push(
            Statement::allow(&["iam:AttachRolePolicy", "iam:DetachRolePolicy"])
                .on([
                    here.iam(&format!("role/{APP_ROLE_NAME}")),
                    here.iam(&format!("role/{NOTEBOOK_ROLE_NAME}")),
                    prefixed_roles(),
                ])
                .condition(map! { "StringEqualsIgnoreCase" => map! {
                    "iam:PolicyARN" => here.iam(&format!("policy/{prefix}-app-denied-services")),
                    "iam:ResourceTag/system" => cfg.system_tag.as_str(),
                } }),
        );
        s.push(
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
        );
        s.push(
            Statement::allow(&[
                "iam:CreatePolicy",
                "iam:CreatePolicyVersion",
                "iam:DeletePolicy",
                "iam:DeletePolicyVersion",
                "iam:TagPolicy",
            ])
            .on([here.iam(&format!("policy/{prefix}*"))]),
        );
        s.push(
            Statement::allow(&[
                "iam:SimulatePrincipalPolicy",
                "iam:TagRole",
                "iam:AttachRolePolicy",
            ])
            .on([prefixed_roles()]),
        );
        s.push(
            Statement::allow(&["iam:PassRole"])
                .on([prefixed_roles()])
                .condition(map! { "StringEquals" => map! { "iam:PassedToService" => "sagemaker.amazonaws.com" } }),
        );
    }
    if i.translate {
        s.push(
            Statement::allow(&["iam:PassRole"])
                .on([here.iam(&format!("role/{role_name}"))])
                .condition(map! { "StringEquals" => map! { "iam:PassedToService" => "translate.amazonaws.com" } }),
        );
    }
    s
}
