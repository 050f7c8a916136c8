//! The Lambda runtimes of the Python family that aws-cdk-lib names (`Runtime.PYTHON_3_12` is
//! `python3.12`), generated from the package by `scripts/gen-region-facts.sh` into
//! `lambda_runtimes.json`, which records the version it came from.
use std::sync::OnceLock;

use serde::Deserialize;

const TABLE_JSON: &str = include_str!("lambda_runtimes.json");

/// One member of aws-cdk-lib's `Runtime` class.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PythonRuntime {
    /// The member's name, e.g. `PYTHON_3_12`.
    pub member: String,
    /// The runtime's name as Lambda knows it, e.g. `python3.12`.
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Table {
    #[allow(dead_code)] // documents the table's origin; checked by the tests
    source: serde_json::Value,
    #[allow(dead_code)] // documents the table's origin
    generated_by: String,
    python_runtimes: Vec<PythonRuntime>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is part of the program; the unit tests below check that it parses.
        serde_json::from_str(TABLE_JSON).expect("src/cdk/lambda_runtimes.json is a valid table")
    })
}

/// Every Python runtime aws-cdk-lib names, in its order.
pub fn python_runtimes() -> &'static [PythonRuntime] {
    &table().python_runtimes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_names_its_source() {
        let t = table();
        assert_eq!(t.source["package"], "aws-cdk-lib");
        assert_eq!(
            t.source["version"],
            crate::cdk::region_info::source_version()
        );
        let names: Vec<&str> = python_runtimes().iter().map(|r| r.name.as_str()).collect();
        assert!(names.contains(&"python3.12") && names.contains(&"python3.6"));
        for r in python_runtimes() {
            let (major, minor) = r.name["python".len()..].split_once('.').unwrap();
            assert_eq!(r.member, format!("PYTHON_{major}_{minor}"), "{r:?}");
        }
    }
}
