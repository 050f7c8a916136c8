//! EC2 networking: a VPC with public and private subnets per zone, NAT gateways, an internet
//! gateway, and VPC endpoints, laid out as aws-cdk-lib's `ec2.Vpc` lays them out.
use crate::cdk::app::props;
use crate::cdk::value::{concat, Map, Pseudo, Value};
use crate::cdk::{App, NodeId, Resource};

/// aws-cdk-lib tags every subnet with its group name and type under these keys.
const SUBNET_NAME_TAG: &str = "aws-cdk:subnet-name";
const SUBNET_TYPE_TAG: &str = "aws-cdk:subnet-type";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubnetKind {
    Public,
    /// Private with egress through a NAT gateway.
    Private,
}

impl SubnetKind {
    fn tag(self) -> &'static str {
        match self {
            SubnetKind::Public => "Public",
            SubnetKind::Private => "Private",
        }
    }
}

#[derive(Debug, Clone)]
pub struct SubnetConfig {
    pub name: String,
    pub cidr_mask: u8,
    pub kind: SubnetKind,
}

#[derive(Debug, Clone)]
pub struct VpcProps {
    pub cidr: String,
    pub availability_zones: Vec<String>,
    pub subnets: Vec<SubnetConfig>,
    pub enable_dns_hostnames: bool,
    pub enable_dns_support: bool,
}

#[derive(Debug, Clone)]
pub struct Subnet {
    /// The subnet's construct (`<Name>Subnet<n>`).
    pub node: NodeId,
    pub resource: NodeId,
    pub route_table: NodeId,
    pub availability_zone: String,
    pub kind: SubnetKind,
}

impl Subnet {
    pub fn id(&self) -> Value {
        Value::Ref(self.resource)
    }
}

#[derive(Debug, Clone)]
pub struct Vpc {
    pub node: NodeId,
    pub resource: NodeId,
    pub public_subnets: Vec<Subnet>,
    pub private_subnets: Vec<Subnet>,
}

impl Vpc {
    pub fn id(&self) -> Value {
        Value::Ref(self.resource)
    }
    pub fn cidr_block(&self) -> Value {
        Value::get_att(self.resource, "CidrBlock")
    }
    pub fn default_security_group(&self) -> Value {
        Value::get_att(self.resource, "DefaultSecurityGroup")
    }
}

/// Errors in the VPC's layout (a configuration that cannot be built).
#[derive(Debug, thiserror::Error)]
pub enum VpcError {
    #[error("VPC {path}: CIDR '{cidr}' is not an IPv4 block like 10.0.0.0/16")]
    BadCidr { path: String, cidr: String },
    #[error("VPC {path}: the subnets do not fit in {cidr}; use larger cidr masks or fewer zones")]
    NoSpace { path: String, cidr: String },
}

fn name_tag(app: &App, node: NodeId) -> Value {
    crate::list![crate::map! { "Key" => "Name", "Value" => app.tree.path(node).joined() }]
}

/// `new ec2.Vpc(scope, id, props)` with one NAT gateway per zone.
pub fn vpc(app: &mut App, scope: NodeId, id: &str, p: &VpcProps) -> Result<Vpc, VpcError> {
    let node = app.construct(scope, id);
    let path = app.tree.path(node).joined();
    let (base, base_mask) = parse_cidr(&p.cidr).ok_or_else(|| VpcError::BadCidr {
        path: path.clone(),
        cidr: p.cidr.clone(),
    })?;
    let vpc_props = props([
        ("CidrBlock", Some(p.cidr.clone().into())),
        ("EnableDnsHostnames", Some(p.enable_dns_hostnames.into())),
        ("EnableDnsSupport", Some(p.enable_dns_support.into())),
        ("InstanceTenancy", Some("default".into())),
        ("Tags", Some(name_tag(app, node))),
    ]);
    let resource = app.resource(node, "Resource", Resource::new("AWS::EC2::VPC", vpc_props));
    let vpc_id = Value::Ref(resource);

    let (public_subnets, private_subnets) = subnets(app, node, &vpc_id, p, (base, base_mask))?;
    if !public_subnets.is_empty() {
        internet_gateway(app, node, &vpc_id, &public_subnets);
        let nat_by_zone = if private_subnets.is_empty() {
            Vec::new()
        } else {
            nat_gateways(app, &public_subnets)
        };
        for s in &private_subnets {
            // compat: a zone without its own gateway uses the first one.
            let nat = nat_by_zone
                .iter()
                .find(|(az, _)| *az == s.availability_zone)
                .or(nat_by_zone.first())
                .map(|(_, n)| *n);
            if let Some(nat) = nat {
                route(app, s, "NatGatewayId", Value::Ref(nat));
            }
        }
    }
    Ok(Vpc {
        node,
        resource,
        public_subnets,
        private_subnets,
    })
}

/// The subnets, public and private, with blocks handed out from the VPC's CIDR.
fn subnets(
    app: &mut App,
    node: NodeId,
    vpc_id: &Value,
    p: &VpcProps,
    (base, base_mask): (u32, u8),
) -> Result<(Vec<Subnet>, Vec<Subnet>), VpcError> {
    // compat: blocks are handed out in order, subnet group by subnet group, zone by zone.
    let mut next: u64 = base as u64;
    let end = base as u64 + (1u64 << (32 - base_mask));
    let mut public_subnets = Vec::new();
    let mut private_subnets = Vec::new();
    for config in &p.subnets {
        for (i, az) in p.availability_zones.iter().enumerate() {
            let size = 1u64 << (32 - config.cidr_mask as u64);
            next = next.div_ceil(size) * size;
            if next + size > end {
                return Err(VpcError::NoSpace {
                    path: app.tree.path(node).joined(),
                    cidr: p.cidr.clone(),
                });
            }
            let cidr = format!("{}/{}", format_ip(next as u32), config.cidr_mask);
            next += size;
            let subnet = subnet(
                app,
                node,
                &format!("{}Subnet{}", config.name, i + 1),
                vpc_id,
                az,
                &cidr,
                config,
            );
            match config.kind {
                SubnetKind::Public => public_subnets.push(subnet),
                SubnetKind::Private => private_subnets.push(subnet),
            }
        }
    }
    Ok((public_subnets, private_subnets))
}

/// The internet gateway, its attachment, and the public subnets' default routes through it.
fn internet_gateway(app: &mut App, node: NodeId, vpc_id: &Value, public_subnets: &[Subnet]) {
    let igw = app.resource(
        node,
        "IGW",
        Resource::new(
            "AWS::EC2::InternetGateway",
            props([("Tags", Some(name_tag(app, node)))]),
        ),
    );
    let attachment = app.resource(
        node,
        "VPCGW",
        Resource::new(
            "AWS::EC2::VPCGatewayAttachment",
            props([
                ("InternetGatewayId", Some(Value::Ref(igw))),
                ("VpcId", Some(vpc_id.clone())),
            ]),
        ),
    );
    for s in public_subnets {
        let route = route(app, s, "GatewayId", Value::Ref(igw));
        app.add_depends_on(route, attachment);
    }
}

/// One NAT gateway (with its elastic IP) in each public subnet, by zone.
fn nat_gateways(app: &mut App, public_subnets: &[Subnet]) -> Vec<(String, NodeId)> {
    let mut nat_by_zone = Vec::new();
    for s in public_subnets {
        let tags = name_tag(app, s.node);
        let eip = app.resource(
            s.node,
            "EIP",
            Resource::new(
                "AWS::EC2::EIP",
                props([("Domain", Some("vpc".into())), ("Tags", Some(tags.clone()))]),
            ),
        );
        let nat = app.resource(
            s.node,
            "NATGateway",
            Resource::new(
                "AWS::EC2::NatGateway",
                props([
                    ("AllocationId", Some(Value::get_att(eip, "AllocationId"))),
                    ("SubnetId", Some(s.id())),
                    ("Tags", Some(tags)),
                ]),
            ),
        );
        // The gateway waits until its subnet reaches the internet.
        for dep in ["DefaultRoute", "RouteTableAssociation"] {
            if let Some(d) = app.tree.child(s.node, dep) {
                app.add_depends_on(nat, d);
            }
        }
        nat_by_zone.push((s.availability_zone.clone(), nat));
    }
    nat_by_zone
}

fn subnet(
    app: &mut App,
    vpc: NodeId,
    id: &str,
    vpc_id: &Value,
    az: &str,
    cidr: &str,
    config: &SubnetConfig,
) -> Subnet {
    let node = app.construct(vpc, id);
    let path = app.tree.path(node).joined();
    let tags = crate::list![
        crate::map! { "Key" => SUBNET_NAME_TAG, "Value" => config.name.as_str() },
        crate::map! { "Key" => SUBNET_TYPE_TAG, "Value" => config.kind.tag() },
        crate::map! { "Key" => "Name", "Value" => path },
    ];
    let resource = app.resource(
        node,
        "Subnet",
        Resource::new(
            "AWS::EC2::Subnet",
            props([
                ("AvailabilityZone", Some(az.into())),
                ("CidrBlock", Some(cidr.into())),
                (
                    "MapPublicIpOnLaunch",
                    Some((config.kind == SubnetKind::Public).into()),
                ),
                ("Tags", Some(tags)),
                ("VpcId", Some(vpc_id.clone())),
            ]),
        ),
    );
    let route_table = app.resource(
        node,
        "RouteTable",
        Resource::new(
            "AWS::EC2::RouteTable",
            props([
                ("Tags", Some(name_tag(app, node))),
                ("VpcId", Some(vpc_id.clone())),
            ]),
        ),
    );
    app.resource(
        node,
        "RouteTableAssociation",
        Resource::new(
            "AWS::EC2::SubnetRouteTableAssociation",
            props([
                ("RouteTableId", Some(Value::Ref(route_table))),
                ("SubnetId", Some(Value::Ref(resource))),
            ]),
        ),
    );
    Subnet {
        node,
        resource,
        route_table,
        availability_zone: az.to_string(),
        kind: config.kind,
    }
}

/// The subnet's `0.0.0.0/0` route through `target_key` (GatewayId, NatGatewayId).
fn route(app: &mut App, s: &Subnet, target_key: &'static str, target: Value) -> NodeId {
    app.resource(
        s.node,
        "DefaultRoute",
        Resource::new(
            "AWS::EC2::Route",
            props([
                ("DestinationCidrBlock", Some("0.0.0.0/0".into())),
                (target_key, Some(target)),
                ("RouteTableId", Some(Value::Ref(s.route_table))),
            ]),
        ),
    )
}

/// `vpc.addGatewayEndpoint(id, {service})`: routes from every private, then public, subnet.
pub fn add_gateway_endpoint(app: &mut App, vpc: &Vpc, id: &str, service: &str) -> NodeId {
    let node = app.construct(vpc.node, id);
    let route_tables: Vec<Value> = vpc
        .private_subnets
        .iter()
        .chain(&vpc.public_subnets)
        .map(|s| Value::Ref(s.route_table))
        .collect();
    let properties = props([
        ("RouteTableIds", Some(Value::List(route_tables))),
        ("ServiceName", Some(gateway_service_name(service))),
        ("Tags", Some(name_tag(app, vpc.node))),
        ("VpcEndpointType", Some("Gateway".into())),
        ("VpcId", Some(vpc.id())),
    ]);
    app.resource(
        node,
        "Resource",
        Resource::new("AWS::EC2::VPCEndpoint", properties),
    )
}

/// `com.amazonaws.<region>.<service>`, the region resolved at deploy time.
pub fn gateway_service_name(service: &str) -> Value {
    concat([
        "com.amazonaws.".into(),
        Value::Pseudo(Pseudo::Region),
        format!(".{service}").into(),
    ])
}

/// Whether an interface endpoint answers for the service's public DNS name in the VPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrivateDns {
    Enabled,
    Disabled,
}

/// `vpc.addInterfaceEndpoint(id, {service, privateDnsEnabled})`: an endpoint in the private
/// subnets (one per zone) with its own security group open to the VPC on port 443.
pub fn add_interface_endpoint(
    app: &mut App,
    vpc: &Vpc,
    id: &str,
    service_name: &str,
    private_dns: PrivateDns,
) -> NodeId {
    const PORT: u32 = 443;
    let node = app.construct(vpc.node, id);
    let sg_scope = app.construct(node, "SecurityGroup");
    let description = app.tree.path(sg_scope).joined();
    let egress = crate::map! { "CidrIp" => "0.0.0.0/0", "Description" => "Allow all outbound traffic by default", "IpProtocol" => "-1" };
    let mut ingress = Map::new();
    ingress.insert("CidrIp".into(), vpc.cidr_block());
    ingress.insert(
        "Description".into(),
        concat(["from ".into(), vpc.cidr_block(), format!(":{PORT}").into()]),
    );
    ingress.insert("FromPort".into(), PORT.into());
    ingress.insert("IpProtocol".into(), "tcp".into());
    ingress.insert("ToPort".into(), PORT.into());
    let sg = app.resource(
        sg_scope,
        "Resource",
        Resource::new(
            "AWS::EC2::SecurityGroup",
            props([
                ("GroupDescription", Some(description.into())),
                ("SecurityGroupEgress", Some(crate::list![egress])),
                (
                    "SecurityGroupIngress",
                    Some(Value::List(vec![Value::Map(ingress)])),
                ),
                ("Tags", Some(name_tag(app, vpc.node))),
                ("VpcId", Some(vpc.id())),
            ]),
        ),
    );
    let mut seen_zones: Vec<&str> = Vec::new();
    let mut subnet_ids = Vec::new();
    for s in &vpc.private_subnets {
        if !seen_zones.contains(&s.availability_zone.as_str()) {
            seen_zones.push(&s.availability_zone);
            subnet_ids.push(s.id());
        }
    }
    let properties = props([
        (
            "PrivateDnsEnabled",
            Some((private_dns == PrivateDns::Enabled).into()),
        ),
        (
            "SecurityGroupIds",
            Some(crate::list![Value::get_att(sg, "GroupId")]),
        ),
        ("ServiceName", Some(service_name.into())),
        ("SubnetIds", Some(Value::List(subnet_ids))),
        ("Tags", Some(name_tag(app, vpc.node))),
        ("VpcEndpointType", Some("Interface".into())),
        ("VpcId", Some(vpc.id())),
    ]);
    app.resource(
        node,
        "Resource",
        Resource::new("AWS::EC2::VPCEndpoint", properties),
    )
}

/// The name of an AWS interface endpoint service in `region`: `<prefix>.<region>.<name>` with the
/// prefix given, else as aws-cdk-lib names the service there (`com.amazonaws`, or
/// `cn.com.amazonaws` for many services in China; see [`crate::cdk::region_info`]).
pub fn interface_service_name(name: &str, prefix: Option<&str>, region: &str) -> String {
    match prefix {
        Some(p) => format!("{p}.{region}.{name}"),
        None => crate::cdk::region_info::interface_endpoint_service_name(name, region),
    }
}

fn parse_cidr(cidr: &str) -> Option<(u32, u8)> {
    let (ip, mask) = cidr.split_once('/')?;
    let mask: u8 = mask.parse().ok().filter(|m| *m <= 32)?;
    let octets: Vec<u8> = ip
        .split('.')
        .map(|o| o.parse().ok())
        .collect::<Option<_>>()?;
    if octets.len() != 4 {
        return None;
    }
    Some((
        u32::from_be_bytes([octets[0], octets[1], octets[2], octets[3]]),
        mask,
    ))
}

fn format_ip(ip: u32) -> String {
    let b = ip.to_be_bytes();
    format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::Environment;

    fn build(zones: &[&str]) -> (App, Vpc) {
        let mut app = App::new(serde_json::Map::new());
        let stack = app.add_stack(
            "net",
            Environment {
                account: "1".into(),
                region: "us-east-1".into(),
            },
            Vec::new(),
        );
        let props = VpcProps {
            cidr: "10.0.0.0/16".into(),
            availability_zones: zones.iter().map(|z| z.to_string()).collect(),
            subnets: vec![
                SubnetConfig {
                    name: "Pub".into(),
                    cidr_mask: 23,
                    kind: SubnetKind::Public,
                },
                SubnetConfig {
                    name: "Priv".into(),
                    cidr_mask: 23,
                    kind: SubnetKind::Private,
                },
            ],
            enable_dns_hostnames: true,
            enable_dns_support: true,
        };
        let v = vpc(&mut app, stack.node, "Vpc", &props).unwrap();
        (app, v)
    }

    #[test]
    fn subnets_get_consecutive_blocks() {
        let (app, v) = build(&["a", "b"]);
        let cidr = |s: &Subnet| app.resource_ref(s.resource).properties["CidrBlock"].clone();
        assert_eq!(cidr(&v.public_subnets[1]), Value::from("10.0.2.0/23"));
        assert_eq!(cidr(&v.private_subnets[0]), Value::from("10.0.4.0/23"));
    }

    #[test]
    fn private_routes_use_the_gateway_of_their_zone() {
        let (app, v) = build(&["a", "b"]);
        let route = app
            .tree
            .child(v.private_subnets[1].node, "DefaultRoute")
            .unwrap();
        let nat = app
            .tree
            .child(v.public_subnets[1].node, "NATGateway")
            .unwrap();
        assert_eq!(
            app.resource_ref(route).properties["NatGatewayId"],
            Value::Ref(nat)
        );
    }

    #[test]
    fn service_names_follow_the_region() {
        assert_eq!(
            interface_service_name("sts", None, "us-east-1"),
            "com.amazonaws.us-east-1.sts"
        );
        assert_eq!(
            interface_service_name("sts", None, "cn-north-1"),
            "cn.com.amazonaws.cn-north-1.sts"
        );
        assert_eq!(
            interface_service_name("logs", None, "cn-north-1"),
            "com.amazonaws.cn-north-1.logs"
        );
        assert_eq!(
            interface_service_name("notebook", Some("aws.sagemaker"), "us-east-1"),
            "aws.sagemaker.us-east-1.notebook"
        );
    }

    #[test]
    fn bad_cidr_is_an_error() {
        assert_eq!(parse_cidr("10.0.0.0/16"), Some((0x0a00_0000, 16)));
        assert_eq!(parse_cidr("10.0.0/16"), None);
        assert_eq!(parse_cidr("10.0.0.0/33"), None);
    }
}
