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

/// A Python 3 Lambda runtime that aws-cdk-lib names: the `Runtime` of a function, an entry of a
/// layer's `CompatibleRuntimes`. Only [`LambdaRuntime::python`] (which looks the name up in the
/// table) and the constants below make one, so a value is always a runtime Lambda knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LambdaRuntime(&'static str);

impl LambdaRuntime {
    /// `Runtime.PYTHON_3_11` (the runtime of our own custom-resource handlers; the tests check
    /// that the table has it).
    pub const PYTHON_3_11: LambdaRuntime = LambdaRuntime("python3.11");

    /// The Python 3 runtime called `name` (e.g. `python3.12`), when aws-cdk-lib names it.
    pub fn python(name: &str) -> Option<LambdaRuntime> {
        python_runtimes()
            .iter()
            .find(|r| r.name == name && r.name.starts_with("python3."))
            .map(|r| LambdaRuntime(r.name.as_str()))
    }

    /// The name Lambda uses, e.g. `python3.12`.
    pub fn name(self) -> &'static str {
        self.0
    }

    /// The Python version, e.g. `3.12` (every runtime is `python3.x`, see [`LambdaRuntime::python`]).
    pub fn python_version(self) -> &'static str {
        self.0.strip_prefix("python").unwrap_or(self.0)
    }
}

impl std::fmt::Display for LambdaRuntime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// The name, where a `&str` is wanted (as a `String` is read as its text).
impl std::ops::Deref for LambdaRuntime {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl From<LambdaRuntime> for crate::cdk::Value {
    fn from(r: LambdaRuntime) -> Self {
        r.0.into()
    }
}

/// Read from the runtime's name. Configuration validation has already rejected other names with
/// its own message (listing the known ones); this is the last check.
impl<'de> Deserialize<'de> for LambdaRuntime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        LambdaRuntime::python(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "{name:?} is not one of aws-cdk-lib's Python 3 Lambda runtimes"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_are_looked_up_in_the_table() {
        assert_eq!(
            LambdaRuntime::python("python3.11"),
            Some(LambdaRuntime::PYTHON_3_11)
        );
        assert_eq!(
            LambdaRuntime::python("python3.12").unwrap().name(),
            "python3.12"
        );
        assert_eq!(LambdaRuntime::python("python2.7"), None);
        assert_eq!(LambdaRuntime::python("nodejs18.x"), None);
        assert_eq!(LambdaRuntime::python(""), None);
        let r: LambdaRuntime = serde_json::from_str("\"python3.10\"").unwrap();
        assert_eq!(r.to_string(), "python3.10");
        assert!(serde_json::from_str::<LambdaRuntime>("\"python9.9\"").is_err());
    }

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
