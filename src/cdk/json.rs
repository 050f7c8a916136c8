//! One JSON writer with the exact formatting of JavaScript's `JSON.stringify`.
//!
//! Templates are hashed by their bytes, so the writer must match aws-cdk-lib byte for byte:
//! only `"`, `\` and control characters are escaped, non-ASCII is written raw, numbers use
//! the shortest JS form, `": "` separates keys from values when indenting, and empty
//! containers are `{}` / `[]`. Integer-like keys come first in ascending order, as they do
//! in every JS object (compat: that is how the engine orders own properties).
use serde_json::{Map, Number, Value};

/// `JSON.stringify(value)` (no indent).
pub fn to_compact(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value, None, 0);
    out
}

/// `JSON.stringify(value, null, indent)`.
pub fn to_indented(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_value(&mut out, value, Some(indent), 0);
    out
}

fn write_value(out: &mut String, value: &Value, indent: Option<usize>, depth: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&js_number(n)),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            if items.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_value(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push(']');
        }
        Value::Object(map) => {
            if map.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (key, item)) in js_key_order(map).into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_string(out, key);
                out.push(':');
                if indent.is_some() {
                    out.push(' ');
                }
                write_value(out, item, indent, depth + 1);
            }
            newline(out, indent, depth);
            out.push('}');
        }
    }
}

fn newline(out: &mut String, indent: Option<usize>, depth: usize) {
    if let Some(width) = indent {
        const SPACES: &str = "                                ";
        out.push('\n');
        let mut left = width * depth;
        while left > 0 {
            let n = left.min(SPACES.len());
            out.push_str(&SPACES[..n]);
            left -= n;
        }
    }
}

/// Keys in the order a JS engine enumerates them: array-index keys ascending, then the rest
/// in insertion order.
fn js_key_order(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    if !map.keys().any(|k| array_index(k).is_some()) {
        return map.iter().collect();
    }
    let mut indices: Vec<(u32, (&String, &Value))> = Vec::new();
    let mut others = Vec::new();
    for entry in map.iter() {
        match array_index(entry.0) {
            Some(i) => indices.push((i, entry)),
            None => others.push(entry),
        }
    }
    indices.sort_by_key(|(i, _)| *i);
    indices.into_iter().map(|(_, e)| e).chain(others).collect()
}

fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) {
        return None;
    }
    if !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|i| *i != u32::MAX)
}

fn write_string(out: &mut String, s: &str) {
    out.push('"');
    // Copy runs of characters that need no escape in one go; all escapes are ASCII.
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            0x08 => "\\b",
            0x0c => "\\f",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

/// The form JS's `Number.prototype.toString` gives a number (what `JSON.stringify` writes): the
/// shortest digits that read back as the same double, positional from 1e-6 up to below 1e21,
/// exponential (`1e+21`, `1.5e-7`) outside that range.
fn js_number(n: &Number) -> String {
    if n.is_i64() || n.is_u64() {
        return n.to_string();
    }
    match n.as_f64() {
        Some(f) if f.is_finite() => js_double(f),
        _ => "null".to_string(),
    }
}

fn js_double(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    // Rust's `{:e}` gives the shortest round-trip digits: `d.ddde±x`.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let k = digits.len() as i64;
    // The value is 0.DIGITS x 10^n.
    let n = exponent.parse::<i64>().unwrap_or(0) + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        match digits.split_at(1) {
            (d, "") => format!("{d}e{e}"),
            (d, rest) => format!("{d}.{rest}e{e}"),
        }
    };
    format!("{sign}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indents_like_json_stringify() {
        let v = json!({"a": [1, {"b": {}}, []], "c": "x"});
        assert_eq!(
            to_indented(&v, 1),
            "{\n \"a\": [\n  1,\n  {\n   \"b\": {}\n  },\n  []\n ],\n \"c\": \"x\"\n}"
        );
        assert_eq!(to_compact(&v), r#"{"a":[1,{"b":{}},[]],"c":"x"}"#);
    }

    #[test]
    fn escapes_only_what_js_escapes() {
        let v = json!("a/b \"q\" \\ é \u{1} \n");
        assert_eq!(to_compact(&v), "\"a/b \\\"q\\\" \\\\ é \\u0001 \\n\"");
    }

    #[test]
    fn escapes_every_control_character_as_node_does() {
        // Expected: node -e 'JSON.stringify(s)' for the same string.
        let mut s = String::from("\"");
        s.extend((0u8..32).map(char::from));
        s.push_str("\u{7f}\u{2028}é😀\\");
        let expected = concat!(
            r#""\"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r"#,
            r#"\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019"#,
            r#"\u001a\u001b\u001c\u001d\u001e\u001f"#,
            "\u{7f}\u{2028}é😀",
            r#"\\""#
        );
        assert_eq!(to_compact(&json!(s)), expected);
    }

    #[test]
    fn integer_keys_come_first() {
        let mut m = Map::new();
        m.insert("b".into(), json!(1));
        m.insert("10".into(), json!(2));
        m.insert("2".into(), json!(3));
        m.insert("01".into(), json!(4));
        assert_eq!(
            to_compact(&Value::Object(m)),
            r#"{"2":3,"10":2,"b":1,"01":4}"#
        );
    }

    #[test]
    fn integral_floats_print_as_integers() {
        assert_eq!(to_compact(&json!(6.0)), "6");
        assert_eq!(to_compact(&json!(0.5)), "0.5");
    }

    #[test]
    fn doubles_print_as_javascript_prints_them() {
        // Expected: node -e 'console.log(JSON.stringify(x))' for each x.
        for (x, js) in [
            (1e21, "1e+21"),
            (1.5e21, "1.5e+21"),
            (1e20, "100000000000000000000"),
            (123456789012345680000.0, "123456789012345680000"),
            (1e-7, "1e-7"),
            (1.25e-7, "1.25e-7"),
            (1e-6, "0.000001"),
            (0.000123, "0.000123"),
            (2.5, "2.5"),
            (-0.5, "-0.5"),
            (-1e21, "-1e+21"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(to_compact(&json!(x)), js, "{x:e}");
        }
    }
}
