//! String order of JS `localeCompare` (ICU root collation) for the ASCII the construct paths use.
//!
//! compat: aws-cdk-lib sorts `DependsOn` by construct path with `localeCompare`, so white space
//! sorts first, then punctuation and symbols in CLDR root order, then digits, then letters;
//! case only breaks ties (lower case first).
use std::cmp::Ordering;

/// Primary weights of the ASCII characters that are not alphanumeric, in CLDR root order.
const SYMBOL_ORDER: &str = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";

fn primary(c: char) -> (u8, u32) {
    if let Some(i) = SYMBOL_ORDER.find(c) {
        return (0, i as u32);
    }
    if c.is_ascii_digit() {
        return (1, c as u32);
    }
    if c.is_ascii_alphabetic() {
        return (2, c.to_ascii_lowercase() as u32);
    }
    // Outside ASCII: after every letter, by code point (no such paths in practice).
    (3, c as u32)
}

pub fn locale_compare(a: &str, b: &str) -> Ordering {
    let pa = a.chars().map(primary);
    let pb = b.chars().map(primary);
    pa.cmp(pb).then_with(|| {
        let ta = a.chars().map(|c| c.is_ascii_uppercase());
        let tb = b.chars().map(|c| c.is_ascii_uppercase());
        ta.cmp(tb)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_node_locale_compare() {
        // The order Node 20 (full ICU) gives for these strings.
        let mut v = vec![
            "a/Default/{proxy+}/Resource",
            "ab",
            "a/B",
            "a1",
            "a/Default/GET/Resource",
            "aB",
            "a-b",
            "a/b",
            "a_b",
            "a/Default/{proxy+}/GET/Resource",
        ];
        v.sort_by(|a, b| locale_compare(a, b));
        assert_eq!(
            v,
            vec![
                "a_b",
                "a-b",
                "a/b",
                "a/B",
                "a/Default/{proxy+}/GET/Resource",
                "a/Default/{proxy+}/Resource",
                "a/Default/GET/Resource",
                "a1",
                "ab",
                "aB",
            ]
        );
    }
}
