//! Where each value of the effective configuration comes from, and `mlspace-cdk config show`.
//!
//! Order, lowest first: the release defaults, `lib/constants.ts`, `lib/config.undefined.json`,
//! `lib/config.json`, cluster-config.json's `ec2-key`. Entries of ADDITIONAL_LAMBDA_ENVIRONMENT_VARS have their
//! own origins (`ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.NAME`).

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::constants_ts::{ConstantsTs, CONSTANTS_FILE};
use super::defaults::{default_of, DefaultValue, DEFAULTS};
use super::error::ConfigError;
use super::{ACCOUNT_CONFIG_FILE, CLUSTER_CONFIG_FILE, CONFIG_FILE};

/// The layer a value was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Default,
    /// `lib/constants.ts`, at this 1-based line.
    ConstantsTs {
        line: usize,
    },
    /// `lib/config.undefined.json` (see [`ACCOUNT_CONFIG_FILE`]).
    AccountConfigJson,
    ConfigJson,
    ClusterConfig,
}

impl Origin {
    /// The file, relative to the source root (`None` for the defaults).
    pub fn file(self) -> Option<&'static str> {
        match self {
            Origin::Default => None,
            Origin::ConstantsTs { .. } => Some(CONSTANTS_FILE),
            Origin::AccountConfigJson => Some(ACCOUNT_CONFIG_FILE),
            Origin::ConfigJson => Some(CONFIG_FILE),
            Origin::ClusterConfig => Some(CLUSTER_CONFIG_FILE),
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::ConstantsTs { line } => write!(f, "{CONSTANTS_FILE}:{line}"),
            other => f.write_str(other.file().unwrap_or("default")),
        }
    }
}

/// The origin of every value set above the defaults, by property (or `PROPERTY.ENTRY`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Origins {
    set: IndexMap<String, Origin>,
}

impl Origins {
    /// The origin of `path` (a property, or `PROPERTY.ENTRY`).
    pub fn of(&self, path: &str) -> Origin {
        self.set.get(path).copied().unwrap_or(Origin::Default)
    }

    /// Lay the values of constants.ts over `merged` (the defaults): each replaces the default
    /// (an object replaces the default object, which is empty at 1.6.10). A value equal to the
    /// release's default keeps the origin "default", so `config show` points at what was
    /// customized.
    pub fn apply_constants(&mut self, merged: &mut Map<String, Value>, constants: &ConstantsTs) {
        for constant in &constants.values {
            let origin = Origin::ConstantsTs {
                line: constant.line,
            };
            if merged.get(&constant.name) == Some(&constant.value) {
                continue;
            }
            if let Value::Object(entries) = &constant.value {
                for name in entries.keys() {
                    self.set.insert(format!("{}.{name}", constant.name), origin);
                }
            }
            self.set.insert(constant.name.clone(), origin);
            merged.insert(constant.name.clone(), constant.value.clone());
        }
    }

    /// Note what lib/config.json sets (after `merge::merge_file` has merged it): every known
    /// property it gives a value (`""` and `null` keep the value below).
    pub fn note_config_json(&mut self, file: &Map<String, Value>) {
        self.note_json_file(file, Origin::ConfigJson);
    }

    /// [`Origins::note_config_json`] for a JSON layer with origin `layer`.
    pub fn note_json_file(&mut self, file: &Map<String, Value>, layer: Origin) {
        for (key, value) in file {
            if default_of(key).is_none() {
                continue;
            }
            if value.is_null() || value.as_str() == Some("") {
                // An empty value replaces what lib/constants.ts set (see merge::merge_file);
                // over the shipped empty value it changes nothing.
                if self.set.contains_key(key.as_str()) {
                    self.set.insert(key.clone(), layer);
                }
                continue;
            }
            match value {
                Value::Object(entries) => {
                    for name in entries.keys() {
                        self.set.insert(format!("{key}.{name}"), layer);
                    }
                    if !entries.is_empty() {
                        self.set.insert(key.clone(), layer);
                    }
                }
                _ => {
                    self.set.insert(key.clone(), layer);
                }
            }
        }
    }

    pub fn note_cluster_config(&mut self) {
        self.set
            .insert("EMR_EC2_SSH_KEY".to_owned(), Origin::ClusterConfig);
    }

    /// The same error, naming the file the offending value came from: `describe(origin)` gives
    /// the name of a file origin (a path, with `:LINE` for constants.ts).
    pub fn attribute(
        &self,
        error: ConfigError,
        describe: impl Fn(Origin) -> String,
    ) -> ConfigError {
        let name = |key: &str| match self.of(key) {
            Origin::Default => None,
            origin => Some(describe(origin)),
        };
        let mut error = error;
        let (slot, key) = match &mut error {
            ConfigError::AccountId { origin, .. } => (origin, "AWS_ACCOUNT".to_owned()),
            ConfigError::Region { origin, .. } => (origin, "AWS_REGION".to_owned()),
            ConfigError::Arn { origin, key, .. } | ConfigError::Partition { origin, key, .. } => {
                let key = key.clone();
                (origin, key)
            }
            ConfigError::IncompleteVpc { origin, set, .. } => {
                let key = set.first().copied().unwrap_or_default().to_owned();
                (origin, key)
            }
            ConfigError::LambdaEnvName { origin, name, .. } => {
                let key = format!("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.{name}");
                (origin, key)
            }
            ConfigError::BucketName { origin, key, .. } => (origin, (*key).to_owned()),
            ConfigError::Architecture { origin, .. } => (origin, "LAMBDA_ARCHITECTURE".to_owned()),
            ConfigError::Runtime { origin, .. } => (origin, "LAMBDA_RUNTIME".to_owned()),
            _ => return error,
        };
        if let Some(file) = name(&key) {
            *slot = file;
        }
        error
    }
}

/// One line of `config show`.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    /// The property, or `PROPERTY.ENTRY` for an entry of an object.
    pub path: String,
    /// `null` for a property that is not set at all (the layer paths).
    pub value: Value,
    pub origin: Origin,
}

/// The effective configuration, one entry per property in the table's order (an object
/// property with entries gives one per entry).
pub fn shown(merged: &Map<String, Value>, origins: &Origins) -> Vec<Shown> {
    let mut out = Vec::new();
    for (key, kind) in DEFAULTS {
        let value = merged.get(*key).cloned().unwrap_or(Value::Null);
        match (&value, kind) {
            (Value::Object(entries), DefaultValue::TextMap) if !entries.is_empty() => {
                for (name, entry) in entries {
                    let path = format!("{key}.{name}");
                    out.push(Shown {
                        origin: origins.of(&path),
                        path,
                        value: entry.clone(),
                    });
                }
            }
            _ => out.push(Shown {
                path: (*key).to_owned(),
                value,
                origin: origins.of(key),
            }),
        }
    }
    out
}

/// `config show`'s text: `PROPERTY  ORIGIN  VALUE` in aligned columns (values as JSON).
pub fn render_text(lines: &[Shown]) -> String {
    let path_width = lines.iter().map(|l| l.path.len()).max().unwrap_or(0);
    let origins: Vec<String> = lines.iter().map(|l| l.origin.to_string()).collect();
    let origin_width = origins.iter().map(String::len).max().unwrap_or(0);
    let mut out = String::new();
    for (line, origin) in lines.iter().zip(&origins) {
        let value = match &line.value {
            Value::Null => "(not set)".to_owned(),
            v => v.to_string(),
        };
        out.push_str(&format!(
            "{:path_width$}  {:origin_width$}  {value}\n",
            line.path, origin
        ));
    }
    out
}

/// `config show --json`: `{"PROPERTY": {"value": V, "origin": "default" | FILE, "line": N?}}`.
pub fn render_json(lines: &[Shown]) -> Value {
    let mut object = Map::new();
    for line in lines {
        let mut entry = Map::new();
        entry.insert("value".to_owned(), line.value.clone());
        entry.insert(
            "origin".to_owned(),
            Value::from(line.origin.file().unwrap_or("default")),
        );
        if let Origin::ConstantsTs { line } = line.origin {
            entry.insert("line".to_owned(), Value::from(line));
        }
        object.insert(line.path.clone(), Value::Object(entry));
    }
    Value::Object(object)
}
