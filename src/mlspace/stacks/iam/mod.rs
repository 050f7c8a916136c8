//! mlspace-iam: the roles and managed policies of MLSpace. Each role or policy is created here
//! unless the configuration names an existing one, which is then referenced everywhere instead.
//!
//! `policies` builds the managed policies the roles attach (KMS and instance-type constraints,
//! the notebook policy, the project-user boundary), `roles` the roles; the statements of the
//! three large policies are in `notebook_policy`, `app_policy` and `boundary_policy`.
mod app_policy;
mod boundary_policy;
mod notebook_policy;
mod policies;
mod roles;

use crate::cdk::value::{concat, Pseudo};
use crate::cdk::{App, StackRef, Value};
use crate::config::Config;
use crate::constructs::iam::RoleRef;
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

/// Builds ARNs in one partition/region (deploy-time pseudo parameters, or `*` for the boundary).
#[derive(Clone)]
struct Arns {
    partition: Value,
    region: Value,
    account: String,
}

impl Arns {
    /// `arn:<partition>:<service>:<region>:<account>:<resource>`.
    fn regional(&self, service: &str, resource: &str) -> Value {
        self.with_region(service, self.region.clone(), resource)
    }
    /// `arn:<partition>:<service>::<account>:<resource>` (IAM).
    fn global(&self, service: &str, resource: &str) -> Value {
        self.with_region(service, Value::from(""), resource)
    }
    fn with_region(&self, service: &str, region: Value, resource: &str) -> Value {
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
        self.regional("sagemaker", resource)
    }
    fn iam(&self, resource: &str) -> Value {
        self.global("iam", resource)
    }
}

/// What a `Null` condition requires of a key: `Present` is `"false"`, `Absent` is `"true"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Presence {
    Present,
    Absent,
}

impl Presence {
    fn null(self) -> Value {
        match self {
            Presence::Present => "false".into(),
            Presence::Absent => "true".into(),
        }
    }
}

/// Whether the request's `system` tag must equal MLSpace's system tag or differ from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SystemTag {
    Equals,
    Differs,
}

/// Tag conditions that tie a request or a resource to MLSpace.
struct Tags<'a> {
    system: &'a str,
}

impl Tags<'_> {
    /// Null checks on the request's `project` and `user` tags.
    fn request(&self, presence: Presence) -> Vec<(&'static str, Value)> {
        vec![
            ("aws:RequestTag/project", presence.null()),
            ("aws:RequestTag/user", presence.null()),
        ]
    }
    /// The resource carries all three MLSpace tags.
    fn resource_present(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("aws:ResourceTag/project", "false".into()),
            ("aws:ResourceTag/system", "false".into()),
            ("aws:ResourceTag/user", "false".into()),
        ]
    }
    /// The request's `system` tag compared (ignoring case) with MLSpace's.
    fn request_system(&self, tag: SystemTag) -> (&'static str, Value) {
        let op = match tag {
            SystemTag::Equals => "StringEqualsIgnoreCase",
            SystemTag::Differs => "StringNotEqualsIgnoreCase",
        };
        (op, map! { "aws:RequestTag/system" => self.system })
    }
}

/// Null checks on the SageMaker VPC keys (security groups and subnets) and the request tags.
fn vpc_and_request_tags(tags: &Tags, presence: Presence) -> Vec<(&'static str, Value)> {
    let mut null = vec![
        ("sagemaker:VpcSecurityGroupIds", presence.null()),
        ("sagemaker:VpcSubnets", presence.null()),
    ];
    null.extend(tags.request(presence));
    null
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

impl<'a> Inputs<'a> {
    fn new(ctx: &'a Ctx, vpc: &VpcOutputs, kms: &KmsOutputs) -> Self {
        let cfg = ctx.cfg;
        Inputs {
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
            here: Arns {
                partition: Value::Pseudo(Pseudo::Partition),
                region: Value::Pseudo(Pseudo::Region),
                account: cfg.aws_account.clone(),
            },
        }
    }
    fn ec2(&self, resource: &str) -> Value {
        self.here.regional("ec2", resource)
    }
}

pub fn build(
    app: &mut App,
    stack: StackRef,
    ctx: &Ctx,
    vpc: &VpcOutputs,
    kms: &KmsOutputs,
) -> IamOutputs {
    let scope = stack.node;
    app.construct(scope, "mlspace-iam");
    let inputs = Inputs::new(ctx, vpc, kms);
    let policies = policies::shared_policies(app, scope, &inputs);
    let notebook_role = roles::notebook_role(app, scope, &inputs, &policies);
    let boundary = policies::permissions_boundary(app, scope, &inputs);
    let app_role = roles::app_role(app, scope, &inputs, &policies, boundary.as_ref());
    let system_role = roles::system_role(app, scope, &inputs, &policies, boundary.as_ref());
    let s3_reader_role = roles::s3_reader_role(app, scope, &inputs);
    if inputs.cfg.enable_access_logging {
        roles::api_gateway_account(app, scope, &inputs);
    }
    let emr = roles::emr_roles(app, scope, &inputs);
    IamOutputs {
        notebook_role_arn: notebook_role.arn.clone(),
        app_role_arn: app_role.arn.clone(),
        system_role_arn: system_role.arn.clone(),
        s3_reader_role_arn: s3_reader_role.arn.clone(),
        notebook_role,
        app_role,
        system_role,
        s3_reader_role,
        endpoint_config_instance_constraint_policy_arn: policies.endpoint.map(|p| p.arn),
        job_instance_constraint_policy_arn: policies.job.map(|p| p.arn),
        kms_instance_conditions_policy_arn: Some(policies.kms.arn),
        permissions_boundary_arn: boundary.map(|p| p.arn),
        emr_service_role_name: emr.service_role_name,
        emr_ec2_role_name: emr.ec2_role_name,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as J};

    use super::super::testing::{base, config, ctx, property_values, resources, templates};
    use crate::cdk::App;

    fn iam_template(extra: &str) -> J {
        let cfg = config(extra);
        let ctx = ctx(&cfg);
        let mut app = App::new(Default::default());
        base(&mut app, &ctx);
        templates(app).remove("mlspace-iam").unwrap()
    }

    fn role_names(t: &J) -> Vec<J> {
        property_values(t, "AWS::IAM::Role", "RoleName")
    }

    fn policy_names(t: &J) -> Vec<J> {
        property_values(t, "AWS::IAM::ManagedPolicy", "ManagedPolicyName")
    }

    /// Every statement of every managed policy created here.
    fn statements(t: &J) -> Vec<J> {
        resources(t, "AWS::IAM::ManagedPolicy")
            .values()
            .flat_map(|p| {
                p["Properties"]["PolicyDocument"]["Statement"]
                    .as_array()
                    .unwrap()
                    .clone()
            })
            .collect()
    }

    fn with_action<'a>(s: &'a [J], action: &str) -> Vec<&'a J> {
        s.iter()
            .filter(|st| match &st["Action"] {
                J::String(a) => a == action,
                J::Array(a) => a.iter().any(|x| x == action),
                _ => false,
            })
            .collect()
    }

    #[test]
    fn creates_the_named_roles_with_their_trust() {
        let t = iam_template("");
        let names = role_names(&t);
        for name in [
            "mlspace-notebook-role",
            "mlspace-app-role",
            "mlspace-system-role",
            "mlspace-s3-reader-Role",
            "EMR_DefaultRole",
            "EMR_EC2_DefaultRole",
        ] {
            assert!(names.contains(&json!(name)), "{name} in {names:?}");
        }
        // Translate is offered in us-east-1: it may assume the notebook role too.
        let notebook = resources(&t, "AWS::IAM::Role")
            .into_values()
            .find(|r| r["Properties"]["RoleName"] == "mlspace-notebook-role")
            .unwrap();
        let trust = &notebook["Properties"]["AssumeRolePolicyDocument"]["Statement"];
        let text = trust.to_string();
        assert!(text.contains("sagemaker.amazonaws.com"), "{text}");
        assert!(text.contains("translate.amazonaws.com"), "{text}");
        assert_eq!(resources(&t, "AWS::IAM::InstanceProfile").len(), 1);
        assert_eq!(resources(&t, "AWS::ApiGateway::Account").len(), 1);
    }

    #[test]
    fn managed_roles_add_the_constraints_and_the_boundary() {
        let t = iam_template("");
        let names = policy_names(&t);
        for name in [
            "MLSpace-kms-instance-constraint-policy",
            "MLSpace-endpoint-instance-constraint",
            "MLSpace-job-instance-constraint",
            "mlspace-project-user-permission-boundary",
        ] {
            assert!(names.contains(&json!(name)), "{name} in {names:?}");
        }
        let s = statements(&t);
        // The app may create project-user roles only within the boundary.
        let create_role = with_action(&s, "iam:CreateRole");
        assert_eq!(create_role.len(), 2, "app and system policies");
        assert!(create_role[0]["Condition"]["StringEquals"]
            .get("iam:PermissionsBoundary")
            .is_some());
        // The notebook policy denies untagged jobs (the constraint policies allow them).
        let denies: Vec<_> = with_action(&s, "sagemaker:CreateTrainingJob")
            .into_iter()
            .filter(|st| st["Effect"] == "Deny" && st["Condition"].get("Null").is_some())
            .collect();
        assert!(!denies.is_empty());
        assert!(with_action(&s, "s3:*").is_empty());
    }

    #[test]
    fn unmanaged_roles_drop_the_constraints_and_open_the_data_bucket() {
        let t = iam_template(r#""MANAGE_IAM_ROLES": false"#);
        assert_eq!(
            policy_names(&t),
            vec![json!("MLSpace-kms-instance-constraint-policy")]
        );
        let s = statements(&t);
        assert!(with_action(&s, "iam:CreateRole").is_empty());
        let data = with_action(&s, "s3:*");
        assert_eq!(data.len(), 1);
        assert!(data[0]["Resource"]
            .to_string()
            .contains("mlspace-data-123456789012/*"));
        // The only denial left is the KMS constraint's (no volume key).
        let denies: Vec<_> = s.iter().filter(|st| st["Effect"] == "Deny").collect();
        assert_eq!(denies.len(), 1);
        assert!(denies[0]["Condition"]["Null"]
            .get("sagemaker:VolumeKmsKey")
            .is_some());
    }

    #[test]
    fn configured_roles_and_policies_are_referenced_not_created() {
        let t = iam_template(
            r#""NOTEBOOK_ROLE_ARN": "arn:aws:iam::123456789012:role/nb",
            "APP_ROLE_ARN": "arn:aws:iam::123456789012:role/app",
            "SYSTEM_ROLE_ARN": "arn:aws:iam::123456789012:role/sys",
            "S3_READER_ROLE_ARN": "arn:aws:iam::123456789012:role/reader",
            "EMR_DEFAULT_ROLE_ARN": "arn:aws:iam::123456789012:role/emr",
            "EMR_EC2_INSTANCE_ROLE_ARN": "arn:aws:iam::123456789012:role/emr-ec2",
            "APIGATEWAY_CLOUDWATCH_ROLE_ARN": "arn:aws:iam::123456789012:role/cwl",
            "KMS_INSTANCE_CONDITIONS_POLICY_ARN": "arn:aws:iam::123456789012:policy/kms",
            "MANAGE_IAM_ROLES": false"#,
        );
        assert!(resources(&t, "AWS::IAM::Role").is_empty(), "{t:#}");
        assert!(resources(&t, "AWS::IAM::InstanceProfile").is_empty());
        // Only the notebook policy is left; the logging setting uses the configured role.
        assert_eq!(resources(&t, "AWS::IAM::ManagedPolicy").len(), 1);
        assert_eq!(
            property_values(&t, "AWS::ApiGateway::Account", "CloudWatchRoleArn"),
            vec![json!("arn:aws:iam::123456789012:role/cwl")]
        );
    }

    #[test]
    fn access_logging_off_leaves_out_the_api_gateway_account() {
        let t = iam_template(r#""ENABLE_ACCESS_LOGGING": false"#);
        assert!(resources(&t, "AWS::ApiGateway::Account").is_empty());
    }
}
