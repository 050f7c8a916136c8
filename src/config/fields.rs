//! How the merged JSON object becomes [`Config`](super::Config)'s typed fields where serde's
//! own reading does not say what the TS app means.

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};
use std::str::FromStr;

/// An existing VPC to deploy into instead of creating one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingVpc {
    pub name: String,
    pub id: String,
    pub default_security_group: String,
}

/// A property that may be unset: `""` (the TS app's "not set") is `None`, other text is parsed.
pub(super) fn empty_is_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    if text.is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(serde::de::Error::custom)
}

/// The three EXISTING_VPC_* properties: all set, or none (validation lets nothing else through).
/// compat: the TS app takes the existing VPC only when all three settings are given.
pub(super) fn existing_vpc<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<ExistingVpc>, D::Error> {
    #[derive(Deserialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    struct Keys {
        #[serde(deserialize_with = "empty_is_none")]
        existing_vpc_name: Option<String>,
        #[serde(deserialize_with = "empty_is_none")]
        existing_vpc_id: Option<String>,
        #[serde(deserialize_with = "empty_is_none")]
        existing_vpc_default_security_group: Option<String>,
    }
    let keys = Keys::deserialize(deserializer)?;
    match (
        keys.existing_vpc_name,
        keys.existing_vpc_id,
        keys.existing_vpc_default_security_group,
    ) {
        (Some(name), Some(id), Some(default_security_group)) => Ok(Some(ExistingVpc {
            name,
            id,
            default_security_group,
        })),
        (None, None, None) => Ok(None),
        _ => Err(serde::de::Error::custom(format!(
            "{} are set together or not at all",
            super::validate::VPC_KEYS.join(", ")
        ))),
    }
}

/// Deserialize a JSON object of strings into an ordered map (indexmap's serde feature is off).
pub(super) fn string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<IndexMap<String, String>, D::Error> {
    let object = Map::<String, Value>::deserialize(deserializer)?;
    object
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(text) => Ok((key, text)),
            other => Err(serde::de::Error::custom(format!(
                "{key} must be a string, found {other}"
            ))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{merge, Arn, Config};

    #[test]
    fn empty_is_none_and_other_text_is_parsed() {
        #[derive(Debug, Deserialize)]
        struct Probe {
            #[serde(deserialize_with = "empty_is_none")]
            arn: Option<Arn>,
        }
        let probe = |arn: &str| serde_json::from_value::<Probe>(serde_json::json!({ "arn": arn }));
        assert_eq!(probe("").unwrap().arn, None);
        let good = "arn:aws:kms:us-east-1:123456789012:key/k";
        assert_eq!(probe(good).unwrap().arn.unwrap().as_str(), good);
        let err = probe("alias/k").unwrap_err().to_string();
        assert!(
            err.contains("\"alias/k\" is not an ARN: it does not start with \"arn:\""),
            "{err}"
        );
    }

    #[test]
    fn an_incomplete_existing_vpc_does_not_deserialize() {
        // Validation reports it first; the type does not rely on that.
        let mut merged = merge::defaults_object();
        merged.insert("EXISTING_VPC_ID".into(), Value::from("vpc-1"));
        let err = serde_json::from_value::<Config>(Value::Object(merged)).unwrap_err();
        assert!(
            err.to_string().contains("are set together or not at all"),
            "{err}"
        );
    }
}
