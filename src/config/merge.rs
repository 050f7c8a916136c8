//! Lay `lib/config.json` over the defaults.
//!
//! Rules: a value set in the file wins; `""` is "none" for a property whose shipped value is
//! empty, and empties the environment-variable object; `""` for a name, and `null` for a name or
//! ARN, is an error (the TS app would take it as the value); an object
//! (ADDITIONAL_LAMBDA_ENVIRONMENT_VARS) merges key by key; a value of the wrong JSON type is an
//! error; a key that is not a property is a warning and is ignored.

use serde_json::{Map, Value};

use super::defaults::{closest_key, DefaultValue, DEFAULTS};
use super::error::ConfigError;

/// The defaults as a JSON object, in table order. `Unset` properties are left out.
pub fn defaults_object() -> Map<String, Value> {
    let mut object = Map::new();
    for (key, default) in DEFAULTS {
        let value = match *default {
            DefaultValue::Text(text) => Value::from(text),
            DefaultValue::Unset => continue,
            DefaultValue::Flag(flag) => Value::from(flag),
            DefaultValue::WholeMinutes(n) | DefaultValue::Minutes(n) => Value::from(n),
            DefaultValue::TextMap => Value::Object(Map::new()),
        };
        object.insert((*key).to_owned(), value);
    }
    object
}

/// Parse `text` as a JSON object, reporting where the syntax breaks.
pub fn parse_object(text: &str, origin: &str) -> Result<Map<String, Value>, ConfigError> {
    parse_object_or(
        text,
        origin,
        &format!("fix the file or {}", super::RUN_THE_WIZARD),
    )
}

/// [`parse_object`] for a file the Config Wizard does not write: `hint` says what to do.
pub fn parse_object_or(
    text: &str,
    origin: &str,
    hint: &str,
) -> Result<Map<String, Value>, ConfigError> {
    let value: Value = serde_json::from_str(text).map_err(|e| ConfigError::Syntax {
        origin: origin.to_owned(),
        line: e.line(),
        column: e.column(),
        message: syntax_message(&e),
        hint: hint.to_owned(),
    })?;
    match value {
        Value::Object(object) => Ok(object),
        other => Err(ConfigError::NotAnObject {
            origin: origin.to_owned(),
            found: describe(&other),
        }),
    }
}

/// serde_json's message without its trailing " at line L column C" (we print those ourselves).
fn syntax_message(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// Merge `file` over `merged` (which starts as [`defaults_object`]). Returns the warnings.
pub fn merge_file(
    merged: &mut Map<String, Value>,
    file: &Map<String, Value>,
    origin: &str,
) -> Result<Vec<String>, ConfigError> {
    let mut warnings = Vec::new();
    let mut unknown = 0usize;
    for (key, value) in file {
        let Some(default) = super::defaults::default_of(key) else {
            unknown += 1;
            if unknown <= MAX_UNKNOWN_WARNINGS {
                warnings.push(format!(
                    "{origin}: {key} is not an MLSpace configuration property and is ignored (did you mean {}?)",
                    closest_key(key)
                ));
            }
            continue;
        };
        merge_property(merged, key, value, default, origin)?;
    }
    if unknown > MAX_UNKNOWN_WARNINGS {
        warnings.push(format!(
            "{origin}: {} more keys are not MLSpace configuration properties and are ignored",
            unknown - MAX_UNKNOWN_WARNINGS
        ));
    }
    Ok(warnings)
}

/// Merge one known property's value over `merged`.
fn merge_property(
    merged: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    default: DefaultValue,
    origin: &str,
) -> Result<(), ConfigError> {
    let numeric_or_flag = matches!(
        default,
        DefaultValue::Flag(_) | DefaultValue::WholeMinutes(_) | DefaultValue::Minutes(_)
    );
    if numeric_or_flag && keeps_default(value) {
        // compat: the TS app reads null or "" here as "off" or 0, not as the default;
        // neither is taken silently.
        let (expected, default) = match default {
            DefaultValue::Flag(flag) => ("true or false", flag.to_string()),
            DefaultValue::WholeMinutes(n) => ("a whole number of minutes", n.to_string()),
            DefaultValue::Minutes(n) => ("a number of minutes", n.to_string()),
            _ => unreachable!("matched above"),
        };
        return Err(ConfigError::Empty {
            origin: origin.to_owned(),
            key: key.to_owned(),
            found: if value.is_null() { "null" } else { "\"\"" },
            expected,
            default,
        });
    }
    if keeps_default(value) {
        return merge_empty(merged, key, value, default, origin);
    }
    merge_typed(merged, key, value, default, origin)
}

/// A text or map property given as `null` or `""`.
fn merge_empty(
    merged: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    default: DefaultValue,
    origin: &str,
) -> Result<(), ConfigError> {
    match default {
        // `null` is not `""` in the TS app: a name or ARN that is null is used as one
        // (`null !== ''`), so neither silently.
        DefaultValue::Text(_) if value.is_null() => {
            return Err(ConfigError::Empty {
                origin: origin.to_owned(),
                key: key.to_owned(),
                found: "null",
                expected: "a string (\"\" for none)",
                default: describe_below(merged.get(key)),
            });
        }
        // compat: the TS app's `_.merge` lays `""` over lib/constants.ts too; for
        // these properties an empty value means "none" there and here alike.
        DefaultValue::Text("") => {
            merged.insert(key.to_owned(), Value::from(""));
        }
        // compat: `_.merge` replaces the object with `null` or `""`, and spreading
        // either adds no variable: the functions get none, not lib/constants.ts's.
        DefaultValue::TextMap => {
            merged.insert(key.to_owned(), Value::Object(Map::new()));
        }
        // The TS app would take the empty value as the value itself, not the default;
        // neither is taken silently.
        DefaultValue::Text(_) if super::RELEASE.has_constant(key) => {
            return Err(ConfigError::Empty {
                origin: origin.to_owned(),
                key: key.to_owned(),
                found: if value.is_null() { "null" } else { "\"\"" },
                expected: "a non-empty string",
                default: describe_below(merged.get(key)),
            });
        }
        _ => {}
    }
    Ok(())
}

/// A property given a value: checked against its type and laid over `merged`.
fn merge_typed(
    merged: &mut Map<String, Value>,
    key: &str,
    value: &Value,
    default: DefaultValue,
    origin: &str,
) -> Result<(), ConfigError> {
    let wrong = |expected: &'static str| ConfigError::WrongType {
        origin: origin.to_owned(),
        key: key.to_owned(),
        expected,
        found: describe(value),
    };
    match default {
        DefaultValue::Text(_) | DefaultValue::Unset => {
            if !value.is_string() {
                return Err(wrong("a string"));
            }
            merged.insert(key.to_owned(), value.clone());
        }
        DefaultValue::Flag(_) => {
            if !value.is_boolean() {
                return Err(wrong("true or false"));
            }
            merged.insert(key.to_owned(), value.clone());
        }
        DefaultValue::WholeMinutes(_) => match whole_number(value) {
            Some(n) if n >= 1 => {
                merged.insert(key.to_owned(), Value::from(n));
            }
            _ => return Err(wrong("a whole number of minutes, 1 or more")),
        },
        DefaultValue::Minutes(_) => match value.as_f64() {
            Some(n) if n >= 0.0 => {
                merged.insert(key.to_owned(), value.clone());
            }
            _ => return Err(wrong("a number of minutes, 0 or more")),
        },
        DefaultValue::TextMap => {
            let Value::Object(entries) = value else {
                return Err(wrong("an object of string values"));
            };
            let target = merged
                .entry(key.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(target) = target else {
                unreachable!("defaults_object gives every TextMap property an object")
            };
            for (name, entry) in entries {
                if !entry.is_string() {
                    return Err(ConfigError::WrongType {
                        origin: origin.to_owned(),
                        key: format!("{key}.{name}"),
                        expected: "a string",
                        found: describe(entry),
                    });
                }
                target.insert(name.clone(), entry.clone());
            }
        }
    }
    Ok(())
}

/// Unknown keys warned about one by one; the rest are counted in one line.
pub const MAX_UNKNOWN_WARNINGS: usize = 20;

/// A whole number, written as `60` or (as JavaScript takes it) `60.0`.
fn whole_number(value: &Value) -> Option<u64> {
    value.as_u64().or_else(|| {
        value
            .as_f64()
            .filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= u32::MAX as f64)
            .map(|n| n as u64)
    })
}

/// The value a removed key falls back to, for messages.
fn describe_below(value: Option<&Value>) -> String {
    match value {
        Some(Value::String(text)) => format!("{text:?}"),
        Some(other) => other.to_string(),
        None => "none".to_owned(),
    }
}

/// `""` and `null`: an empty value, not a value of the property's kind.
fn keeps_default(value: &Value) -> bool {
    value.is_null() || value.as_str() == Some("")
}

/// A short description of a JSON value for messages: its type and (cut) text.
pub fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    let mut text = value.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    if value.is_null() {
        kind.to_owned()
    } else {
        format!("{kind}: {text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged_with(file: Value) -> Result<(Map<String, Value>, Vec<String>), ConfigError> {
        let mut merged = defaults_object();
        let Value::Object(file) = file else {
            panic!("test input must be an object")
        };
        let warnings = merge_file(&mut merged, &file, "config.json")?;
        Ok((merged, warnings))
    }

    #[test]
    fn a_set_value_wins() {
        let (merged, warnings) =
            merged_with(json!({"DATA_BUCKET_NAME": "my-data", "MANAGE_IAM_ROLES": false})).unwrap();
        assert_eq!(merged["DATA_BUCKET_NAME"], "my-data");
        assert_eq!(merged["MANAGE_IAM_ROLES"], false);
        assert!(warnings.is_empty());
    }

    #[test]
    fn empty_and_null_are_none_for_optional_properties_even_over_a_value_below() {
        let mut merged = defaults_object();
        // As if lib/constants.ts had set them.
        merged.insert(
            "NOTEBOOK_ROLE_ARN".into(),
            json!("arn:aws:iam::123456789012:role/n"),
        );
        merged.insert("EXISTING_VPC_ID".into(), json!("vpc-1"));
        merged.insert(
            "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS".into(),
            json!({"HTTP_PROXY": "p:1"}),
        );
        let file = json!({"NOTEBOOK_ROLE_ARN": "", "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": null});
        merge_file(&mut merged, file.as_object().unwrap(), "config.json").unwrap();
        assert_eq!(merged["NOTEBOOK_ROLE_ARN"], "");
        assert_eq!(merged["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS"], json!({}));
        let file = json!({"ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": ""});
        merged.insert(
            "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS".into(),
            json!({"A": "1"}),
        );
        merge_file(&mut merged, file.as_object().unwrap(), "config.json").unwrap();
        assert_eq!(merged["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS"], json!({}));
    }

    #[test]
    fn null_for_a_name_or_arn_is_an_error_naming_the_key() {
        for key in [
            "EXISTING_VPC_ID",
            "PERMISSIONS_BOUNDARY_POLICY_NAME",
            "SYSTEM_TAG",
        ] {
            let err = merged_with(json!({ key: null })).unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(&err, ConfigError::Empty { key: k, found: "null", .. } if k == key),
                "{text}"
            );
            assert!(text.contains("(\"\" for none)"), "{text}");
        }
    }

    #[test]
    fn empty_and_null_names_are_errors_naming_the_key_and_the_value_below() {
        for (key, value, below) in [
            ("DATA_BUCKET_NAME", json!(""), "\"mlspace-data\""),
            ("SYSTEM_TAG", json!(null), "\"MLSpace\""),
        ] {
            let err = merged_with(json!({ key: value })).unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(&err, ConfigError::Empty { key: k, .. } if k == key),
                "{text}"
            );
            assert!(text.contains(below), "{text}");
        }
    }

    #[test]
    fn empty_and_null_flags_and_numbers_are_errors_naming_the_key() {
        for (key, value) in [
            ("ENABLE_ACCESS_LOGGING", json!("")),
            ("ENABLE_ACCESS_LOGGING", json!(null)),
            ("RESOURCE_TERMINATION_INTERVAL", json!(null)),
            ("BACKGROUND_REFRESH_INTERVAL", json!("")),
        ] {
            let err = merged_with(json!({ key: value })).unwrap_err();
            let text = err.to_string();
            assert!(
                matches!(&err, ConfigError::Empty { key: k, .. } if k == key),
                "{text}"
            );
            assert!(
                text.contains("write a value, or remove the key to use the default"),
                "{text}"
            );
        }
    }

    #[test]
    fn whole_numbers_may_be_written_with_a_zero_fraction() {
        let (merged, _) = merged_with(json!({"RESOURCE_TERMINATION_INTERVAL": 60.0})).unwrap();
        assert_eq!(merged["RESOURCE_TERMINATION_INTERVAL"].to_string(), "60");
        assert!(merged_with(json!({"RESOURCE_TERMINATION_INTERVAL": 60.5})).is_err());
    }

    #[test]
    fn unknown_key_warnings_are_bounded() {
        let mut file = Map::new();
        for i in 0..1000 {
            file.insert(format!("UNKNOWN_{i}"), json!(1));
        }
        let warnings = merge_file(&mut defaults_object(), &file, "c").unwrap();
        assert_eq!(warnings.len(), MAX_UNKNOWN_WARNINGS + 1);
        assert!(
            warnings[MAX_UNKNOWN_WARNINGS].contains("980 more keys"),
            "{warnings:?}"
        );
    }

    #[test]
    fn objects_merge_key_by_key_in_file_order() {
        let mut merged = defaults_object();
        merged.insert(
            "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS".into(),
            json!({"A": "default", "B": "kept"}),
        );
        let file = json!({"ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"Z": "new", "A": "file"}});
        merge_file(&mut merged, file.as_object().unwrap(), "config.json").unwrap();
        let vars = merged["ADDITIONAL_LAMBDA_ENVIRONMENT_VARS"]
            .as_object()
            .unwrap();
        let pairs: Vec<(&str, &str)> = vars
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
            .collect();
        assert_eq!(pairs, [("A", "file"), ("B", "kept"), ("Z", "new")]);
    }

    #[test]
    fn wrong_types_name_key_expectation_and_value() {
        let err = merged_with(json!({"MANAGE_IAM_ROLES": "false"})).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, ConfigError::WrongType { ref key, .. } if key == "MANAGE_IAM_ROLES"));
        assert!(
            text.contains("true or false") && text.contains("a string: \"false\""),
            "{text}"
        );

        let err = merged_with(json!({"RESOURCE_TERMINATION_INTERVAL": 1.5})).unwrap_err();
        assert!(err.to_string().contains("whole number"), "{err}");
        let err = merged_with(json!({"AWS_ACCOUNT": 123456789012u64})).unwrap_err();
        assert!(
            err.to_string().contains("AWS_ACCOUNT must be a string"),
            "{err}"
        );
        let err =
            merged_with(json!({"ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": {"PORT": 8080}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS.PORT"),
            "{err}"
        );
        let err = merged_with(json!({"ADDITIONAL_LAMBDA_ENVIRONMENT_VARS": ["A=1"]})).unwrap_err();
        assert!(
            err.to_string().contains("an object of string values"),
            "{err}"
        );
    }

    #[test]
    fn background_refresh_keeps_fractions_verbatim() {
        let (merged, _) = merged_with(json!({"BACKGROUND_REFRESH_INTERVAL": 0.5})).unwrap();
        assert_eq!(merged["BACKGROUND_REFRESH_INTERVAL"].to_string(), "0.5");
        assert!(merged_with(json!({"BACKGROUND_REFRESH_INTERVAL": -1})).is_err());
    }

    #[test]
    fn unknown_keys_warn_with_the_closest_property() {
        let (merged, warnings) = merged_with(json!({"AWS_REGON": "us-east-1"})).unwrap();
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("AWS_REGON") && warnings[0].contains("did you mean AWS_REGION?"),
            "{}",
            warnings[0]
        );
        assert_eq!(merged["AWS_REGION"], "");
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let err = parse_object("{\n    \"AWS_ACCOUNT\": \"1\",\n}", "lib/config.json").unwrap_err();
        match &err {
            ConfigError::Syntax { line, column, .. } => assert_eq!((*line, *column), (3, 1)),
            other => panic!("expected a syntax error, got {other:?}"),
        }
        assert!(
            err.to_string()
                .starts_with("lib/config.json is not valid JSON (line 3, column 1)"),
            "{err}"
        );
        assert!(matches!(
            parse_object("[1]", "x").unwrap_err(),
            ConfigError::NotAnObject { .. }
        ));
    }
}
