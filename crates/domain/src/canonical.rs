//! Canonical JSON: one byte sequence per value, whatever produced it.
//!
//! The hash chain must not depend on serde_json's incidental output (key
//! order, which a feature flag elsewhere in the build can change, or number
//! formatting). This encoder follows RFC 8785 (JSON Canonicalization Scheme)
//! for the values amiable stores, which are integers, strings, booleans,
//! null, arrays and objects: object members sorted by the UTF-16 code units of
//! their keys, no insignificant whitespace, strings with the minimal escapes of
//! RFC 8785 §3.2.2.2. Floating-point numbers are refused: amiable never
//! stores money or time as floats.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("canonical JSON refuses non-integer number {0}")]
pub struct NonIntegerNumber(pub String);

/// Encodes `value` canonically.
pub fn to_canonical_json(value: &Value) -> Result<String, NonIntegerNumber> {
    let mut out = String::with_capacity(256);
    write_value(value, &mut out)?;
    Ok(out)
}

fn write_value(value: &Value, out: &mut String) -> Result<(), NonIntegerNumber> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                return Err(NonIntegerNumber(n.to_string()));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out)?;
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            // RFC 8785 §3.2.3: sort by UTF-16 code units, not by UTF-8 bytes.
            entries.sort_by(|(a, _), (b, _)| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(key, out);
                out.push(':');
                write_value(item, out)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

/// Appends `s` as a canonical JSON string.
pub fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn sorts_keys_and_strips_whitespace() {
        let value = json!({"b": 1, "a": {"z": [true, null, "x"], "é": -3}, "A": "q"});
        assert_eq!(
            to_canonical_json(&value).unwrap(),
            r#"{"A":"q","a":{"z":[true,null,"x"],"é":-3},"b":1}"#
        );
    }

    #[test]
    fn escapes_minimally() {
        let value = json!("a\"b\\c\n\u{1}é€😀");
        assert_eq!(
            to_canonical_json(&value).unwrap(),
            "\"a\\\"b\\\\c\\n\\u0001é€😀\""
        );
    }

    #[test]
    fn sorts_by_utf16_code_units() {
        // In UTF-8, U+FB33 sorts before U+1F600; in UTF-16 the surrogate 0xD83D sorts first.
        let value = json!({"\u{1F600}": 1, "\u{FB33}": 2});
        assert_eq!(
            to_canonical_json(&value).unwrap(),
            "{\"\u{1F600}\":1,\"\u{FB33}\":2}"
        );
    }

    #[test]
    fn refuses_floats() {
        assert!(to_canonical_json(&json!({"x": 1.5})).is_err());
        assert_eq!(
            to_canonical_json(&json!(u64::MAX)).unwrap(),
            u64::MAX.to_string()
        );
    }

    proptest! {
        #[test]
        fn reparse_and_reencode_is_stable(keys in proptest::collection::vec("[a-zé😀\"\\\\]{0,6}", 0..8), n: i64, s in ".{0,20}") {
            let mut map = serde_json::Map::new();
            for (i, k) in keys.iter().enumerate() {
                map.insert(k.clone(), json!([i, n, s.clone()]));
            }
            let value = Value::Object(map);
            let once = to_canonical_json(&value).unwrap();
            let reparsed: Value = serde_json::from_str(&once).unwrap();
            prop_assert_eq!(&reparsed, &value);
            prop_assert_eq!(to_canonical_json(&reparsed).unwrap(), once);
        }
    }
}
