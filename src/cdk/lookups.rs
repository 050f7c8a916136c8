//! Context providers: values that need AWS, looked up by the CLI between two runs of the app.
//!
//! When a value is not in the context yet, the app carries on with the CLI's dummy value and
//! lists the lookup under `missing`; the CLI performs it, stores the result in cdk.context.json and
//! runs the app again.
use serde_json::{json, Map, Value};

use super::app::{App, MissingContext, StackRef};

/// `<provider>:` + the sorted `k=v` items of the props (compat: JS default sort, `:` in string
/// values escaped as `$:`, nested objects flattened with dotted keys).
pub fn context_key(provider: &str, props: &Map<String, Value>) -> String {
    let mut items = Vec::new();
    flatten("", &Value::Object(props.clone()), &mut items);
    items.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
    let mut key = provider.to_string();
    for item in items {
        key.push(':');
        key.push_str(&item);
    }
    key
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let key = if prefix.is_empty() {
                    i.to_string()
                } else {
                    format!("{prefix}.{i}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push(format!("{prefix}={}", s.replace(':', "$:"))),
        other => out.push(format!("{prefix}={other}")),
    }
}

fn lookup_role(app: &App, stack: StackRef) -> String {
    let env = &app.stack(stack).env;
    format!(
        "arn:${{AWS::Partition}}:iam::{a}:role/cdk-{q}-lookup-role-{a}-{r}",
        a = env.account,
        q = app.qualifier(),
        r = env.region
    )
}

/// Ask for a context value; `None` (after recording the lookup) when the CLI has not done it yet.
fn lookup(
    app: &mut App,
    stack: StackRef,
    provider: &str,
    provider_props: Map<String, Value>,
    dummy: Value,
) -> Option<Value> {
    let env = app.stack(stack).env.clone();
    let mut key_props = Map::new();
    key_props.insert("account".into(), Value::String(env.account.clone()));
    key_props.insert("region".into(), Value::String(env.region.clone()));
    key_props.extend(provider_props.clone());
    let key = context_key(provider, &key_props);
    if let Some(v) = app.context_value(&key) {
        return Some(v.clone());
    }
    let mut props = Map::new();
    props.insert("dummyValue".into(), dummy);
    props.extend(key_props);
    props.insert(
        "lookupRoleArn".into(),
        Value::String(lookup_role(app, stack)),
    );
    app.report_missing(
        stack.node,
        MissingContext {
            key,
            provider: provider.into(),
            props,
        },
    );
    None
}

/// A context value of the wrong shape: the app would build something else than what the cdk
/// CLI looked up (a VPC without subnets, for one).
#[derive(Debug, thiserror::Error)]
#[error("context value {key:?} must be {expected}, but it is {found}; fix it in cdk.context.json (or wherever it was set), or remove it (`cdk context --reset \"{key}\"`) so that the cdk CLI looks it up again")]
pub struct ContextError {
    pub key: String,
    pub expected: &'static str,
    pub found: String,
}

/// Settings the cdk CLI passes, read by the core as booleans.
pub const CORE_FLAGS: [&str; 4] = [
    "aws:cdk:enable-path-metadata",
    "aws:cdk:enable-asset-metadata",
    "aws:cdk:version-reporting",
    "aws:cdk:disable-version-reporting",
];

/// Check the shape of every context value the app reads: lookup results (availability zones,
/// VPCs; a recorded provider error is left for [`lookup`] to report), the feature `flags`
/// (booleans) and the `text_flags` (booleans, or `"true"`/`"false"` as `cdk -c KEY=VALUE` passes
/// them).
pub fn check_context(
    context: &Map<String, Value>,
    flags: &[&str],
    text_flags: &[&str],
) -> Result<(), ContextError> {
    let wrong = |key: &str, expected: &'static str, value: &Value| ContextError {
        key: key.to_owned(),
        expected,
        found: describe(value),
    };
    for (key, value) in context {
        if value.get("$providerError").is_some() {
            continue;
        }
        if key.starts_with("availability-zones:") {
            const EXPECTED: &str = "a non-empty list of availability zone names (strings)";
            let ok = value.as_array().is_some_and(|zones| {
                !zones.is_empty()
                    && zones
                        .iter()
                        .all(|z| z.as_str().is_some_and(|z| !z.is_empty()))
            });
            if !ok {
                return Err(wrong(key, EXPECTED, value));
            }
        } else if key.starts_with("vpc-provider:") {
            const EXPECTED: &str = "a VPC as the cdk CLI looks it up ({\"vpcId\": string, \"subnetGroups\": [{\"name\", \"type\", \"subnets\": [{\"subnetId\", \"availabilityZone\", \"routeTableId\"}, ...]}, ...]})";
            if !is_vpc(value) {
                return Err(wrong(key, EXPECTED, value));
            }
        } else if key == "@aws-cdk/core:bootstrapQualifier" {
            if !value.is_string() {
                return Err(wrong(key, "a string", value));
            }
        } else if (flags.contains(&key.as_str()) || CORE_FLAGS.contains(&key.as_str()))
            && !value.is_boolean()
        {
            return Err(wrong(key, "true or false (a JSON boolean)", value));
        } else if text_flags.contains(&key.as_str())
            && !(value.is_boolean() || matches!(value.as_str(), Some("true" | "false")))
        {
            // compat: aws-cdk-lib takes any non-empty text as on; only these two are unambiguous.
            return Err(wrong(key, "true or false", value));
        }
    }
    Ok(())
}

fn is_vpc(v: &Value) -> bool {
    let text = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let subnet = |s: &Value| {
        text(s, "subnetId")
            && text(s, "availabilityZone")
            && text(s, "routeTableId")
            && s.get("cidr").is_none_or(|c| c.is_null() || c.is_string())
    };
    let group = |g: &Value| {
        text(g, "name")
            && matches!(
                g.get("type").and_then(Value::as_str),
                Some("Public" | "Private" | "Isolated")
            )
            && g.get("subnets")
                .and_then(Value::as_array)
                .is_some_and(|subs| subs.iter().all(subnet))
    };
    text(v, "vpcId")
        && v.get("subnetGroups")
            .and_then(Value::as_array)
            .is_some_and(|groups| !groups.is_empty() && groups.iter().all(group))
}

/// A short description of a JSON value for messages: its type and (cut) text.
pub fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(a) if a.is_empty() => return "an empty list".to_owned(),
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    };
    let mut text = value.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    format!("{kind}: {text}")
}

/// What a missing availability-zones lookup gives, as in aws-cdk-lib.
pub const DUMMY_AVAILABILITY_ZONES: [&str; 3] = ["dummy1a", "dummy1b", "dummy1c"];

/// The region's availability zones, or the dummy `dummy1a..c` until the CLI has looked them up.
pub fn availability_zones(app: &mut App, stack: StackRef) -> Vec<String> {
    let dummy = json!(DUMMY_AVAILABILITY_ZONES);
    let value =
        lookup(app, stack, "availability-zones", Map::new(), dummy.clone()).unwrap_or(dummy);
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// A subnet of a looked-up VPC.
#[derive(Debug, Clone, PartialEq)]
pub struct LookedUpSubnet {
    pub subnet_id: String,
    pub cidr: Option<String>,
    pub availability_zone: String,
    pub route_table_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SubnetGroup {
    pub name: String,
    /// `Public`, `Private` or `Isolated`.
    pub kind: String,
    pub subnets: Vec<LookedUpSubnet>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LookedUpVpc {
    pub vpc_id: String,
    pub vpc_cidr_block: String,
    pub subnet_groups: Vec<SubnetGroup>,
    /// False while the dummy stands in for the real VPC.
    pub is_real: bool,
}

/// `Vpc.fromLookup({vpcId, vpcName})` in asymmetric mode.
pub fn vpc(
    app: &mut App,
    stack: StackRef,
    vpc_id: Option<&str>,
    vpc_name: Option<&str>,
) -> LookedUpVpc {
    let mut filter = Map::new();
    if let Some(id) = vpc_id {
        filter.insert("vpc-id".into(), Value::String(id.into()));
    }
    if let Some(name) = vpc_name {
        filter.insert("tag:Name".into(), Value::String(name.into()));
    }
    let mut props = Map::new();
    props.insert("filter".into(), Value::Object(filter));
    props.insert("returnAsymmetricSubnets".into(), Value::Bool(true));
    match lookup(app, stack, "vpc-provider", props, dummy_vpc()) {
        Some(v) => parse_vpc(&v, true),
        None => parse_vpc(&dummy_vpc(), false),
    }
}

/// The CLI's stand-in VPC while the real one is not known.
fn dummy_vpc() -> Value {
    let subnet = |id: &str, az: &str| json!({"subnetId": id, "cidr": null, "availabilityZone": az, "routeTableId": "rtb-12345s1"});
    let group = |name: &str, ids: [&str; 2]| json!({"name": name, "type": name, "subnets": [subnet(ids[0], "dummy1a"), subnet(ids[1], "dummy1b")]});
    json!({
        "vpcId": "vpc-12345",
        "vpcCidrBlock": "1.2.3.4/5",
        "availabilityZones": [],
        "subnetGroups": [
            group("Public", ["s-12345", "s-67890"]),
            group("Private", ["p-12345", "p-67890"]),
            group("Isolated", ["p-12345", "p-67890"]),
        ]
    })
}

fn parse_vpc(v: &Value, is_real: bool) -> LookedUpVpc {
    let s = |v: &Value, k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let groups = v
        .get("subnetGroups")
        .and_then(Value::as_array)
        .map(|groups| {
            groups
                .iter()
                .map(|g| SubnetGroup {
                    name: s(g, "name"),
                    kind: s(g, "type"),
                    subnets: g
                        .get("subnets")
                        .and_then(Value::as_array)
                        .map(|subs| {
                            subs.iter()
                                .map(|x| LookedUpSubnet {
                                    subnet_id: s(x, "subnetId"),
                                    cidr: x.get("cidr").and_then(Value::as_str).map(String::from),
                                    availability_zone: s(x, "availabilityZone"),
                                    route_table_id: s(x, "routeTableId"),
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    LookedUpVpc {
        vpc_id: s(v, "vpcId"),
        vpc_cidr_block: s(v, "vpcCidrBlock"),
        subnet_groups: groups,
        is_real,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_values_are_checked_for_shape() {
        let ok = |v: Value| check_context(v.as_object().unwrap(), &["@x:flag"], &["@x:text"]);
        let az = "availability-zones:account=1:region=r";
        ok(json!({ az: ["r-1a", "r-1b"] })).unwrap();
        ok(json!({ az: {"$providerError": "no access"} })).unwrap();
        for bad in [json!("r-1a"), json!([]), json!([1, 2]), json!(null)] {
            let err = ok(json!({ az: bad })).unwrap_err();
            assert!(err.to_string().contains(az), "{err}");
            assert!(err.to_string().contains("cdk context --reset"), "{err}");
        }
        ok(json!({"vpc-provider:x": dummy_vpc(), "@x:flag": true})).unwrap();
        assert!(ok(json!({"vpc-provider:x": {"vpcId": "v", "subnetGroups": []}})).is_err());
        assert!(ok(json!({"@x:flag": "true"})).is_err());
        assert!(ok(json!({"aws:cdk:version-reporting": 1})).is_err());
        ok(json!({"@other:flag": "anything"})).unwrap();
        ok(json!({"@x:text": "true"})).unwrap();
        ok(json!({"@x:text": false})).unwrap();
        assert!(ok(json!({"@x:text": "no"})).is_err());
    }

    #[test]
    fn vpc_key_matches_the_cli() {
        let props = json!({"account": "210987654321", "region": "us-west-2",
            "filter": {"vpc-id": "vpc-0a1b2c3d4e5f60718", "tag:Name": "shared-ml-vpc"}, "returnAsymmetricSubnets": true});
        assert_eq!(
            context_key("vpc-provider", props.as_object().unwrap()),
            "vpc-provider:account=210987654321:filter.tag:Name=shared-ml-vpc:filter.vpc-id=vpc-0a1b2c3d4e5f60718:region=us-west-2:returnAsymmetricSubnets=true"
        );
        let az = json!({"account": "123456789012", "region": "us-east-1"});
        assert_eq!(
            context_key("availability-zones", az.as_object().unwrap()),
            "availability-zones:account=123456789012:region=us-east-1"
        );
    }
}
