//! mlspace-vpc: the network every MLSpace Lambda runs in: a new VPC with public and private
//! subnets per zone and the VPC endpoints MLSpace needs, or an existing VPC looked up by id and
//! name (then this stack creates nothing).
use crate::cdk::lookups;
use crate::cdk::{App, StackRef, Value};
use crate::config::Config;
use crate::constructs::ec2::{self, SubnetConfig, SubnetKind, VpcProps};
use crate::mlspace::app::{BuildError, Ctx};

/// The network as the other stacks see it.
#[derive(Debug, Clone)]
pub struct VpcOutputs {
    pub vpc_id: Value,
    /// The VPC's private subnets (with egress), in zone order.
    pub private_subnet_ids: Vec<Value>,
    /// Subnets the Lambda functions are placed in (aws-cdk-lib's default selection: the private
    /// subnets, else the isolated ones, else the public ones).
    pub lambda_subnet_ids: Vec<Value>,
    /// The security group the Lambda functions use (the VPC's default group, or the configured one).
    pub security_group_id: Value,
}

/// The address range of a new VPC (aws-cdk-lib's default).
const VPC_CIDR: &str = "10.0.0.0/16";
/// compat: `ec2.Vpc` uses at most three zones unless told otherwise.
const MAX_AZS: usize = 3;
/// compat: us-isob-east-1 is given its zones explicitly.
const ISOB_ZONES: &[&str] = &["us-isob-east-1b", "us-isob-east-1c"];

pub fn build(app: &mut App, stack: StackRef, ctx: &Ctx) -> Result<VpcOutputs, BuildError> {
    let cfg = ctx.cfg;
    app.construct(stack.node, "mlspace-vpc");
    let outputs = match &cfg.existing_vpc {
        Some(vpc) => imported(app, stack, &vpc.id, &vpc.name, &vpc.default_security_group),
        None => created(app, stack, cfg)?,
    };
    // The TS app wraps the security group id in an imported group; it creates nothing.
    app.construct(stack.node, "mls-vpc-default-sg");
    Ok(outputs)
}

fn imported(
    app: &mut App,
    stack: StackRef,
    id: &str,
    name: &str,
    security_group: &str,
) -> VpcOutputs {
    let looked_up = lookups::vpc(app, stack, Some(id), Some(name));
    app.construct(stack.node, "imported-vpc");
    let of_kind = |kind: &str| -> Vec<Value> {
        looked_up
            .subnet_groups
            .iter()
            .filter(|g| g.kind == kind)
            .flat_map(|g| g.subnets.iter().map(|s| Value::from(s.subnet_id.as_str())))
            .collect()
    };
    let private = of_kind("Private");
    let lambda = [of_kind("Private"), of_kind("Isolated"), of_kind("Public")]
        .into_iter()
        .find(|ids| !ids.is_empty())
        .unwrap_or_default();
    VpcOutputs {
        vpc_id: looked_up.vpc_id.as_str().into(),
        private_subnet_ids: private,
        lambda_subnet_ids: lambda,
        security_group_id: security_group.into(),
    }
}

fn created(app: &mut App, stack: StackRef, cfg: &Config) -> Result<VpcOutputs, BuildError> {
    let region = cfg.aws_region.as_str();
    let availability_zones: Vec<String> = if region == "us-isob-east-1" {
        // As aws-cdk-lib's Vpc with given zones: the stack's zones are still looked up, and the
        // given ones must be among them (the dummy zones of a missing lookup do not count).
        let known: Vec<String> = lookups::availability_zones(app, stack)
            .into_iter()
            .filter(|z| !lookups::DUMMY_AVAILABILITY_ZONES.contains(&z.as_str()))
            .collect();
        if !known.is_empty() && !ISOB_ZONES.iter().all(|z| known.iter().any(|k| k == z)) {
            return Err(BuildError::AvailabilityZones {
                region: region.to_owned(),
                given: ISOB_ZONES.join(", "),
                known: known.join(", "),
            });
        }
        ISOB_ZONES.iter().map(|z| z.to_string()).collect()
    } else {
        lookups::availability_zones(app, stack)
            .into_iter()
            .take(MAX_AZS)
            .collect()
    };
    let props = VpcProps {
        cidr: VPC_CIDR.into(),
        availability_zones,
        subnets: vec![
            SubnetConfig {
                name: "MLSpace-Public".into(),
                cidr_mask: 23,
                kind: SubnetKind::Public,
            },
            SubnetConfig {
                name: "MLSpace-Private".into(),
                cidr_mask: 23,
                kind: SubnetKind::Private,
            },
        ],
        enable_dns_hostnames: true,
        enable_dns_support: true,
    };
    // The layout is fixed (a /16 holding at most 3 x 2 /23 blocks), so it always fits.
    let vpc = ec2::vpc(app, stack.node, "MLSpace-VPC", &props)
        .expect("the MLSpace VPC layout fits its CIDR");
    add_endpoints(app, &vpc, cfg);
    let private: Vec<Value> = vpc.private_subnets.iter().map(ec2::Subnet::id).collect();
    Ok(VpcOutputs {
        vpc_id: vpc.id(),
        lambda_subnet_ids: private.clone(),
        private_subnet_ids: private,
        security_group_id: vpc.default_security_group(),
    })
}

/// The endpoints of the TS app's VPC, with its region rules: the isolated regions get fewer
/// endpoints and their own SageMaker service names; us-iso-east-1 has no DynamoDB gateway;
/// Translate only where the service exists. Every other name is aws-cdk-lib's (by the region
/// facts: `cn.com.amazonaws` for some services in China, `com.amazonaws` elsewhere).
fn add_endpoints(app: &mut App, vpc: &ec2::Vpc, cfg: &Config) {
    let region = cfg.aws_region.as_str();
    let is_iso = cfg.is_iso();
    let translate = cfg.translate_enabled();
    // compat: MLSpace's own rule, by region name: the SageMaker API and runtime endpoints of
    // us-iso-east-1, us-iso-west-1 and us-isob-east-1 use those partitions' prefixes; other
    // isolated regions (us-isob-west-1, eu-isoe-west-1, ...) keep aws-cdk-lib's default names.
    let iso_prefix = match region {
        "us-iso-east-1" | "us-iso-west-1" => Some("gov.ic.c2s"),
        "us-isob-east-1" => Some("gov.sgov.sc2s"),
        _ => None,
    };
    let aws_service = |name: &str| ec2::interface_service_name(name, None, region);

    ec2::add_gateway_endpoint(app, vpc, "mlspace-S3-gateway-endpoint", "s3");
    // compat: MLSpace leaves the DynamoDB gateway out in us-iso-east-1 only, by name.
    if region != "us-iso-east-1" {
        ec2::add_gateway_endpoint(app, vpc, "mlspace-ddb-gateway-endpoint", "dynamodb");
    }
    let interface = |app: &mut App, id: &str, service: String| {
        ec2::add_interface_endpoint(app, vpc, id, &service, ec2::PrivateDns::Enabled);
    };
    if !is_iso {
        interface(
            app,
            "mlspace-cw-interface-endpoint",
            aws_service("monitoring"),
        );
        interface(app, "mlspace-cwl-interface-endpoint", aws_service("logs"));
    }
    let sagemaker = |name: &str| match iso_prefix {
        Some(prefix) => format!("{prefix}.{region}.{name}"),
        None => aws_service(name),
    };
    interface(
        app,
        "mlspace-sm-api-interface-endpoint",
        sagemaker("sagemaker.api"),
    );
    interface(
        app,
        "mlspace-sm-runtime-interface-endpoint",
        sagemaker("sagemaker.runtime"),
    );
    interface(
        app,
        "mlspace-sm-notebook-interface-endpoint",
        ec2::interface_service_name("notebook", Some("aws.sagemaker"), region),
    );
    if !is_iso {
        interface(app, "mlspace-sts-interface-endpoint", aws_service("sts"));
        interface(
            app,
            "mlspace-cfn-interface-endpoint",
            aws_service("cloudformation"),
        );
        if translate {
            interface(
                app,
                "mlspace-translate-interface-endpoint",
                aws_service("translate"),
            );
        }
        interface(
            app,
            "mlspace-emr-interface-endpoint",
            aws_service("elasticmapreduce"),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value as J};

    use super::super::testing::{base, config, ctx, property_values, resources, templates};
    use crate::cdk::App;

    /// The VPC stack's template, and the context providers it asked the CLI for.
    fn vpc_template(extra: &str) -> (J, Vec<String>) {
        let cfg = config(extra);
        let ctx = ctx(&cfg);
        let mut app = App::new(Default::default());
        base(&mut app, &ctx);
        let missing = app.missing.iter().map(|m| m.provider.clone()).collect();
        (templates(app).remove("mlspace-vpc").unwrap(), missing)
    }

    fn service_names(t: &J) -> Vec<String> {
        property_values(t, "AWS::EC2::VPCEndpoint", "ServiceName")
            .iter()
            .map(|v| v.to_string())
            .collect()
    }

    #[test]
    fn creates_a_vpc_with_a_public_and_private_subnet_per_zone() {
        let (t, _) = vpc_template("");
        assert_eq!(resources(&t, "AWS::EC2::VPC").len(), 1);
        let subnets = resources(&t, "AWS::EC2::Subnet").len();
        let nats = resources(&t, "AWS::EC2::NatGateway").len();
        assert!(
            subnets >= 2 && subnets.is_multiple_of(2),
            "{subnets} subnets"
        );
        assert_eq!(nats, subnets / 2, "one NAT gateway per public subnet");
        assert_eq!(
            property_values(&t, "AWS::EC2::VPC", "CidrBlock"),
            vec![json!(super::VPC_CIDR)]
        );
        let services = service_names(&t);
        for service in [
            "sagemaker.api",
            "sagemaker.runtime",
            "monitoring",
            "logs",
            "sts",
        ] {
            assert!(
                services.iter().any(|s| s.contains(service)),
                "{service} in {services:?}"
            );
        }
        assert!(services.iter().any(|s| s.contains("translate")));
    }

    #[test]
    fn isob_zones_must_be_among_the_accounts_zones_as_aws_cdk_lib_checks() {
        let cfg = config(r#""AWS_REGION": "us-isob-east-1""#);
        let ctx = ctx(&cfg);
        let key = "availability-zones:account=123456789012:region=us-isob-east-1";
        let build = |zones: J| {
            let context = json!({ key: zones }).as_object().unwrap().clone();
            let mut app = App::new(context);
            let stack = super::super::testing::stack(&mut app, &ctx, "mlspace-vpc");
            super::build(&mut app, stack, &ctx).map(|_| ())
        };
        let err = build(json!(["us-isob-east-1a", "us-isob-east-1b"])).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("us-isob-east-1b, us-isob-east-1c")
                && text.contains("us-isob-east-1a, us-isob-east-1b"),
            "{text}"
        );
        build(json!([
            "us-isob-east-1a",
            "us-isob-east-1b",
            "us-isob-east-1c"
        ]))
        .unwrap();
        // Without the lookup yet, it is asked for (as aws-cdk-lib asks), and the dummy zones
        // do not fail the check.
        let (_, missing) = vpc_template(r#""AWS_REGION": "us-isob-east-1""#);
        assert!(
            missing.iter().any(|p| p == "availability-zones"),
            "{missing:?}"
        );
    }

    #[test]
    fn isob_uses_its_two_zones_and_fewer_endpoints() {
        let (t, _) = vpc_template(r#""AWS_REGION": "us-isob-east-1""#);
        assert_eq!(resources(&t, "AWS::EC2::Subnet").len(), 4);
        let services = service_names(&t);
        assert!(
            services
                .iter()
                .any(|s| s.contains("gov.sgov.sc2s.us-isob-east-1.sagemaker.api")),
            "{services:?}"
        );
        for absent in ["monitoring", "sts", "translate"] {
            assert!(!services.iter().any(|s| s.contains(absent)), "{absent}");
        }
    }

    #[test]
    fn an_existing_vpc_is_looked_up_not_created() {
        let (t, missing) = vpc_template(
            r#""EXISTING_VPC_NAME": "shared", "EXISTING_VPC_ID": "vpc-0123456789abcdef0",
            "EXISTING_VPC_DEFAULT_SECURITY_GROUP": "sg-0123456789abcdef0""#,
        );
        assert!(resources(&t, "AWS::EC2::VPC").is_empty());
        assert!(resources(&t, "AWS::EC2::Subnet").is_empty());
        assert!(missing.iter().any(|p| p == "vpc-provider"), "{missing:?}");
    }
}
