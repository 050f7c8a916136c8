//! Template values: JSON plus typed CloudFormation intrinsics.
//!
//! References to other elements are explicit (`Ref`, `GetAtt` name a construct-tree node), so
//! cross-stack references are found by walking values, not by decoding strings. A deploy-time
//! value inside a string is a `Join` with the empty delimiter, built with [`concat`].
use indexmap::IndexMap;

use super::tree::NodeId;

pub type Map = IndexMap<String, Value>;

/// Pseudo parameters (`{"Ref": "AWS::..."}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pseudo {
    AccountId,
    Region,
    Partition,
    UrlSuffix,
    StackName,
    StackId,
    NoValue,
}

impl Pseudo {
    pub fn name(self) -> &'static str {
        match self {
            Pseudo::AccountId => "AWS::AccountId",
            Pseudo::Region => "AWS::Region",
            Pseudo::Partition => "AWS::Partition",
            Pseudo::UrlSuffix => "AWS::URLSuffix",
            Pseudo::StackName => "AWS::StackName",
            Pseudo::StackId => "AWS::StackId",
            Pseudo::NoValue => "AWS::NoValue",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    #[default]
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    List(Vec<Value>),
    Map(Map),
    /// `{"Ref": <logical id of the node>}`; an import when the node is in another stack.
    Ref(NodeId),
    /// `{"Fn::GetAtt": [<logical id>, attr]}`; an import when the node is in another stack.
    GetAtt(NodeId, String),
    Pseudo(Pseudo),
    Join(String, Vec<Value>),
    Sub(String, Option<Map>),
    Select(u32, Box<Value>),
    Split(String, Box<Value>),
    ImportValue(Box<Value>),
    /// Any other intrinsic or condition function, `{name: argument}` (Fn::If, Fn::Not, ...).
    Intrinsic(&'static str, Box<Value>),
}

impl Value {
    pub fn is_literal(&self) -> bool {
        match self {
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
            Value::List(items) => items.iter().all(Value::is_literal),
            Value::Map(m) => m.values().all(Value::is_literal),
            _ => false,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn list<I: IntoIterator<Item = V>, V: Into<Value>>(items: I) -> Value {
        Value::List(items.into_iter().map(Into::into).collect())
    }

    pub fn get_att(node: NodeId, attr: &str) -> Value {
        Value::GetAtt(node, attr.to_string())
    }

    pub fn import(name: impl Into<Value>) -> Value {
        Value::ImportValue(Box::new(name.into()))
    }

    pub fn select(index: u32, list: Value) -> Value {
        Value::Select(index, Box::new(list))
    }

    pub fn split(delimiter: &str, source: Value) -> Value {
        Value::Split(delimiter.to_string(), Box::new(source))
    }

    pub fn intrinsic(name: &'static str, argument: Value) -> Value {
        Value::Intrinsic(name, Box::new(argument))
    }

    /// `Stack.toJsonString(value)`: JSON text with every deploy-time value inlined inside the
    /// string quotes, as one `Fn::Join` (or a plain string when nothing is deploy-time).
    pub fn to_json_string(&self) -> Value {
        let mut parts = Vec::new();
        let mut text = String::new();
        write_json_parts(self, &mut text, &mut parts);
        parts.push(Value::String(text));
        concat(parts)
    }
}

fn write_json_parts(value: &Value, text: &mut String, parts: &mut Vec<Value>) {
    match value {
        Value::Null => text.push_str("null"),
        Value::Bool(b) => text.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => text.push_str(&super::json::to_compact(&serde_json::Value::Number(
            n.clone(),
        ))),
        Value::String(s) => text.push_str(&super::json::to_compact(&serde_json::Value::String(
            s.clone(),
        ))),
        Value::List(items) => {
            text.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                write_json_parts(item, text, parts);
            }
            text.push(']');
        }
        Value::Map(m) => {
            text.push('{');
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(&super::json::to_compact(&serde_json::Value::String(
                    k.clone(),
                )));
                text.push(':');
                write_json_parts(v, text, parts);
            }
            text.push('}');
        }
        token => {
            // compat: a deploy-time value stands for a string, so it sits between quotes, and
            // the literal pieces of a joined string are escaped as string content.
            text.push('"');
            let pieces: Vec<Value> = match token {
                Value::Join(d, items) if d.is_empty() => items.clone(),
                other => vec![other.clone()],
            };
            for piece in pieces {
                match piece {
                    Value::String(s) => {
                        let quoted = super::json::to_compact(&serde_json::Value::String(s));
                        text.push_str(&quoted[1..quoted.len() - 1]);
                    }
                    other => {
                        parts.push(Value::String(std::mem::take(text)));
                        parts.push(other);
                    }
                }
            }
            text.push('"');
        }
    }
}

/// Join parts with the empty delimiter, as CDK renders a string with embedded tokens: adjacent
/// literals merge, empty literals vanish, nested empty-delimiter joins flatten, and a join of
/// one part is that part.
pub fn concat<I: IntoIterator<Item = V>, V: Into<Value>>(parts: I) -> Value {
    join("", parts)
}

/// `Fn::Join` with aws-cdk-lib's minimisation (see [`concat`]); all-literal joins fold to a string.
pub fn join<I: IntoIterator<Item = V>, V: Into<Value>>(delimiter: &str, parts: I) -> Value {
    let mut out: Vec<Value> = Vec::new();
    for part in parts {
        let part: Value = part.into();
        let flattened = match part {
            Value::Join(d, items) if d == delimiter => items,
            other => vec![other],
        };
        for p in flattened {
            match (out.last_mut(), p) {
                (Some(Value::String(prev)), Value::String(s)) if delimiter.is_empty() => {
                    prev.push_str(&s)
                }
                (_, Value::String(s)) if delimiter.is_empty() && s.is_empty() => {}
                (_, p) => out.push(p),
            }
        }
    }
    if out.iter().all(|v| matches!(v, Value::String(_))) {
        let strings: Vec<&str> = out.iter().filter_map(Value::as_str).collect();
        return Value::String(strings.join(delimiter));
    }
    if out.len() == 1 && delimiter.is_empty() {
        return out.pop().expect("one part");
    }
    Value::Join(delimiter.to_string(), out)
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_string())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::String(s.clone())
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n.into())
    }
}
impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n.into())
    }
}
impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(n.into())
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(n.into())
    }
}
impl From<Pseudo> for Value {
    fn from(p: Pseudo) -> Self {
        Value::Pseudo(p)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Map(m)
    }
}
impl From<Vec<Value>> for Value {
    fn from(v: Vec<Value>) -> Self {
        Value::List(v)
    }
}
impl From<&serde_json::Value> for Value {
    fn from(v: &serde_json::Value) -> Self {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.clone()),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(a) => Value::List(a.iter().map(Value::from).collect()),
            serde_json::Value::Object(o) => {
                Value::Map(o.iter().map(|(k, v)| (k.clone(), Value::from(v))).collect())
            }
        }
    }
}

/// Build a [`Value::Map`] in insertion order: `map! { "Key" => value, ... }`.
#[macro_export]
macro_rules! map {
    () => { $crate::cdk::value::Value::Map($crate::cdk::value::Map::new()) };
    ($($k:expr => $v:expr),+ $(,)?) => {{
        let mut m = $crate::cdk::value::Map::new();
        $( m.insert(($k).to_string(), $crate::cdk::value::Value::from($v)); )+
        $crate::cdk::value::Value::Map(m)
    }};
}

/// Build a [`Value::List`]: `list![a, b]`.
#[macro_export]
macro_rules! list {
    () => { $crate::cdk::value::Value::List(Vec::new()) };
    ($($v:expr),+ $(,)?) => { $crate::cdk::value::Value::List(vec![$($crate::cdk::value::Value::from($v)),+]) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_merges_and_folds() {
        assert_eq!(concat(["a", "b", ""]), Value::from("ab"));
        let v = concat([
            Value::from("arn:"),
            Pseudo::Partition.into(),
            Value::from(":iam::"),
            Value::from("1:root"),
        ]);
        assert_eq!(
            v,
            Value::Join(
                "".into(),
                vec![
                    "arn:".into(),
                    Pseudo::Partition.into(),
                    ":iam::1:root".into()
                ]
            )
        );
        assert_eq!(
            concat([Value::Pseudo(Pseudo::Region)]),
            Value::Pseudo(Pseudo::Region)
        );
        let nested = concat([v.clone(), Value::from("/x")]);
        match nested {
            Value::Join(_, parts) => assert_eq!(parts.len(), 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_string_inlines_tokens_inside_quotes() {
        let v = map! { "service" => "Lambda", "parameters" => map! { "FunctionName" => Value::Pseudo(Pseudo::Region) } };
        assert_eq!(
            v.to_json_string(),
            Value::Join(
                "".into(),
                vec![
                    r#"{"service":"Lambda","parameters":{"FunctionName":""#.into(),
                    Value::Pseudo(Pseudo::Region),
                    r#""}}"#.into()
                ]
            )
        );
        assert_eq!(
            map! { "a" => "b\"" }.to_json_string(),
            Value::from(r#"{"a":"b\""}"#)
        );
    }
}
