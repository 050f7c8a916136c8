//! The first item of the app-configuration table: which services are on, the EMR cluster types
//! (from lib/resources/config/cluster-config.json); the system banner starts off, as in MLSpace 1.6.10.
use serde_json::Value as J;

use crate::cdk::{Map, Value};
use crate::map;

/// Top-level keys of cluster-config.json that are not cluster types.
const NOT_CLUSTER_TYPES: &[&str] = &[
    "ami",
    "release",
    "log-location",
    "ec2-key",
    "applications",
    "auto-scaling",
];

/// The cluster configuration MLSpace uses when cluster-config.json is absent.
pub fn default_cluster_config() -> J {
    serde_json::json!({
        "Small": {"size": 3, "master-type": "m5.xlarge", "core-type": "m5.xlarge"},
        "Medium": {"size": 5, "master-type": "m5.xlarge", "core-type": "m5.xlarge"},
        "Large": {"size": 7, "master-type": "m5.xlarge", "core-type": "p3.8xlarge"},
        "auto-scaling": {
            "min-instances": 2, "max-instances": 15,
            "scale-out": {"increment": 1, "percentage-mem-available": 15.0, "eval-periods": 1, "cooldown": 300},
            "scale-in": {"increment": -1, "percentage-mem-available": 75.0, "eval-periods": 1, "cooldown": 300}
        },
        "applications": [{"Name": "Hadoop"}, {"Name": "Spark"}, {"Name": "Ganglia"}, {"Name": "Hive"},
                         {"Name": "Tez"}, {"Name": "Presto"}, {"Name": "Livy"}]
    })
}

/// Whether a string of cluster-config.json must be there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Presence {
    Required,
    Optional,
}

/// `v` is a number, or a string that reads as one.
fn check_number(path: &str, v: Option<&J>) -> Result<(), String> {
    match v {
        Some(J::Number(_)) => Ok(()),
        Some(J::String(t)) if t.trim().parse::<f64>().is_ok() => Ok(()),
        None => Err(format!("{path} is missing (a number)")),
        Some(other) => Err(format!(
            "{path} must be a number, but it is {}",
            crate::config::merge::describe(other)
        )),
    }
}

/// `v` is a string, or absent where that is allowed.
fn check_text(path: &str, v: Option<&J>, presence: Presence) -> Result<(), String> {
    match v {
        Some(J::String(_)) => Ok(()),
        None if presence == Presence::Optional => Ok(()),
        None => Err(format!("{path} is missing (a string)")),
        Some(other) => Err(format!(
            "{path} must be a string, but it is {}",
            crate::config::merge::describe(other)
        )),
    }
}

/// Every value the initial app configuration takes from cluster-config.json must be there and
/// of its type: compat: the TS app writes a missing one as the text "undefined" (a number
/// field DynamoDB then refuses), which we do not.
pub fn check_cluster_config(cluster: &J) -> Result<(), String> {
    let Some(obj) = cluster.as_object() else {
        return Err("it must hold a JSON object".into());
    };
    for (key, t) in obj {
        if !NOT_CLUSTER_TYPES.contains(&key.as_str()) {
            check_cluster_type(key, t)?;
        }
    }
    check_auto_scaling(cluster.get("auto-scaling"))?;
    check_applications(cluster.get("applications"))
}

/// A cluster type: `{"size": N, "master-type": ..., "core-type": ...}`.
fn check_cluster_type(key: &str, t: &J) -> Result<(), String> {
    if !t.is_object() {
        return Err(format!(
            "cluster type {key:?} must be an object ({{\"size\": N, \"master-type\": ..., \"core-type\": ...}}), but it is {}",
            crate::config::merge::describe(t)
        ));
    }
    check_number(&format!("{key}.size"), t.get("size"))?;
    for field in ["master-type", "core-type"] {
        check_text(&format!("{key}.{field}"), t.get(field), Presence::Optional)?;
    }
    Ok(())
}

/// `auto-scaling`: the instance bounds and both scaling directions.
fn check_auto_scaling(scaling: Option<&J>) -> Result<(), String> {
    for field in ["min-instances", "max-instances"] {
        check_number(
            &format!("auto-scaling.{field}"),
            scaling.and_then(|s| s.get(field)),
        )?;
    }
    for dir in ["scale-out", "scale-in"] {
        for field in [
            "cooldown",
            "increment",
            "eval-periods",
            "percentage-mem-available",
        ] {
            check_number(
                &format!("auto-scaling.{dir}.{field}"),
                scaling.and_then(|s| s.get(dir)).and_then(|d| d.get(field)),
            )?;
        }
    }
    Ok(())
}

/// `applications`: absent, or a list of `{"Name": ...}`.
fn check_applications(applications: Option<&J>) -> Result<(), String> {
    match applications {
        None => Ok(()),
        Some(J::Array(apps)) => apps.iter().enumerate().try_for_each(|(i, app)| {
            check_text(
                &format!("applications[{i}].Name"),
                app.get("Name"),
                Presence::Required,
            )
        }),
        Some(other) => Err(format!(
            "applications must be a list of {{\"Name\": ...}} objects, but it is {}",
            crate::config::merge::describe(other)
        )),
    }
}

/// compat: `String(x)` of a JSON value (`15.0` is `15`, an absent value is `undefined`).
fn js_string(v: Option<&J>) -> String {
    match v {
        None => "undefined".into(),
        Some(J::String(s)) => s.clone(),
        Some(other) => crate::cdk::json::to_compact(other),
    }
}

fn n(v: Option<&J>) -> Value {
    map! { "N" => js_string(v) }
}

fn s(v: &str) -> Value {
    map! { "S" => v }
}

/// compat: DynamoDB `BOOL` values are the strings the TS app writes (`"True"`/`"False"`).
fn flag(on: bool) -> Value {
    map! { "BOOL" => if on { "True" } else { "False" } }
}

/// compat: JS objects list integer-like keys first, in numeric order, then the others in order.
fn js_key_order(obj: &serde_json::Map<String, J>) -> Vec<&String> {
    let is_index = |k: &str| {
        !k.is_empty()
            && k.bytes().all(|b| b.is_ascii_digit())
            && (k == "0" || !k.starts_with('0'))
            && k.len() < 10
    };
    let mut indexes: Vec<&String> = obj.keys().filter(|k| is_index(k)).collect();
    indexes.sort_by_key(|k| k.parse::<u64>().unwrap_or(u64::MAX));
    indexes
        .into_iter()
        .chain(obj.keys().filter(|k| !is_index(k)))
        .collect()
}

/// The item, in DynamoDB's JSON form, in the order the TS app writes it.
pub fn initial_item(cluster: &J, created_at_seconds: u64) -> Value {
    // compat: MLSpace 1.6.10 always starts with the banner off; it is set in the web app.
    let banner = map! {
        "isEnabled" => flag(false), "text" => s(""), "textColor" => s(""), "backgroundColor" => s("")
    };
    let empty_list = || map! { "L" => Value::List(Vec::new()) };
    map! {
        "versionId" => map! { "N" => "0" },
        "changedBy" => s("InitialConfig"),
        "configScope" => s("global"),
        "changeReason" => s("Initial deployment default config"),
        "createdAt" => s(&created_at_seconds.to_string()),
        "configuration" => map! { "M" => map! {
            "EnabledServices" => map! { "M" => map! {
                "realtimeTranslate" => flag(false),
                "batchTranslate" => flag(false),
                "emrCluster" => flag(true),
                "endpoint" => flag(true),
                "endpointConfig" => flag(true),
                "labelingJob" => flag(true),
                "transformJob" => flag(true),
                "notebook" => flag(true),
                "trainingJob" => flag(true),
                "model" => flag(true),
                "hpoJob" => flag(true),
            } },
            "ProjectCreation" => map! { "M" => map! { "isAdminOnly" => flag(false), "allowedGroups" => empty_list() } },
            "SystemBanner" => map! { "M" => banner },
            "EMRConfig" => emr_config(cluster),
            "EnabledInstanceTypes" => map! { "M" => map! {
                "trainingJob" => empty_list(),
                "endpoint" => empty_list(),
                "transformJob" => empty_list(),
                "notebook" => empty_list(),
            } },
        } },
    }
}

/// `EMRConfig` of the initial item: cluster-config.json's auto scaling, cluster types (in the
/// order JavaScript lists the keys) and applications.
fn emr_config(cluster: &J) -> Value {
    let get = |path: &[&str]| -> Option<&J> { path.iter().try_fold(cluster, |v, k| v.get(k)) };
    let applications: Vec<Value> = cluster
        .get("applications")
        .and_then(J::as_array)
        .map(|apps| {
            apps.iter()
                .map(
                    |a| map! { "M" => map! { "Name" => map! { "S" => js_string(a.get("Name")) } } },
                )
                .collect()
        })
        .unwrap_or_default();
    let mut cluster_types = Vec::new();
    if let Some(obj) = cluster.as_object() {
        for key in js_key_order(obj) {
            if NOT_CLUSTER_TYPES.contains(&key.as_str()) {
                continue;
            }
            let t = &obj[key];
            let mut m = Map::new();
            m.insert("name".into(), s(key));
            m.insert("size".into(), n(t.get("size")));
            // compat: JSON.stringify drops an undefined instance type.
            let typed = |k: &str| -> Value {
                t.get(k)
                    .map(|v| map! { "S" => js_string(Some(v)) })
                    .unwrap_or(map! {})
            };
            m.insert("masterType".into(), typed("master-type"));
            m.insert("coreType".into(), typed("core-type"));
            cluster_types.push(map! { "M" => Value::Map(m) });
        }
    }
    let scaling = |dir: &str| {
        map! { "M" => map! {
            "cooldown" => n(get(&["auto-scaling", dir, "cooldown"])),
            "increment" => n(get(&["auto-scaling", dir, "increment"])),
            "evalPeriods" => n(get(&["auto-scaling", dir, "eval-periods"])),
            "percentageMemAvailable" => n(get(&["auto-scaling", dir, "percentage-mem-available"])),
        } }
    };
    map! { "M" => map! {
        "autoScaling" => map! { "M" => map! {
            "minInstances" => n(get(&["auto-scaling", "min-instances"])),
            "maxInstances" => n(get(&["auto-scaling", "max-instances"])),
            "scaleOut" => scaling("scale-out"),
            "scaleIn" => scaling("scale-in"),
        } },
        "clusterTypes" => map! { "L" => Value::List(cluster_types) },
        "applications" => map! { "L" => Value::List(applications) },
    } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_check_names_the_value_that_is_wrong() {
        let edited = |edit: fn(&mut J)| {
            let mut cluster = default_cluster_config();
            edit(&mut cluster);
            check_cluster_config(&cluster)
        };
        assert_eq!(edited(|_| {}), Ok(()));
        // The instance types may be left out; a size given as text that reads as a number is one.
        assert_eq!(
            edited(|c| {
                c["Small"].as_object_mut().unwrap().remove("master-type");
                c["Small"]["size"] = J::from(" 4 ");
            }),
            Ok(())
        );
        type Edit = fn(&mut J);
        let cases: [(Edit, &str); 6] = [
            (
                |c| c["Small"]["size"] = J::from("three"),
                "Small.size must be a number",
            ),
            (
                |c| c["Large"] = J::from(7),
                "cluster type \"Large\" must be an object",
            ),
            (
                |c| c["Medium"]["core-type"] = J::from(5),
                "Medium.core-type must be a string",
            ),
            (
                |c| {
                    c["auto-scaling"]["scale-in"]
                        .as_object_mut()
                        .unwrap()
                        .clear()
                },
                "auto-scaling.scale-in.cooldown is missing (a number)",
            ),
            (
                |c| c["applications"][1] = serde_json::json!({}),
                "applications[1].Name is missing",
            ),
            (
                |c| c["applications"] = J::from("Spark"),
                "applications must be a list",
            ),
        ];
        for (edit, expected) in cases {
            let err = edited(edit).unwrap_err();
            assert!(err.starts_with(expected), "{err}");
        }
        assert!(check_cluster_config(&J::from(1)).is_err());
    }

    #[test]
    fn numbers_print_as_javascript_does_and_clusters_keep_their_order() {
        let item = initial_item(&default_cluster_config(), 1);
        let text = match item.to_json_string() {
            Value::String(t) => t,
            other => panic!("{other:?}"),
        };
        assert!(
            text.contains(r#""percentageMemAvailable":{"N":"15"}"#),
            "{text}"
        );
        assert!(text.contains(r#""increment":{"N":"-1"}"#));
        let small = text.find("Small").unwrap();
        let large = text.find("Large").unwrap();
        assert!(small < large);
        assert!(!text.contains("auto-scaling\"}"));
        assert!(
            text.contains(r#""SystemBanner":{"M":{"isEnabled":{"BOOL":"False"},"text":{"S":""}"#)
        );
    }
}
