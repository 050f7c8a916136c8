//! Exclude patterns, matched the way aws-cdk-lib's glob ignore strategy matches them
//! (minimatch 3 with `matchBase`, `flipNegate`, dots not matched by wildcards).
//!
//! Supported: `*`, `?`, `**` (a whole path segment), `[...]` classes (`!`/`^` negation,
//! ranges, escapes), `\` escapes, `{a,b}` and `{1..3}` brace expansion, `#` comments and
//! `!` re-includes. Extended globs (`+(a|b)`, `!(x)`, ...) are rejected with an error
//! instead of being matched differently.
//!
//! Matching works on UTF-16 code units, like the JavaScript regular expressions it mirrors.

use std::fmt;

/// One compiled exclude list. The last pattern that matches decides: a plain pattern
/// excludes, a `!` pattern includes again.
#[derive(Debug, Clone, Default)]
pub struct ExcludeSet {
    patterns: Vec<Pattern>,
}

#[derive(Debug, Clone)]
struct Pattern {
    reinclude: bool,
    kind: PatternKind,
}

#[derive(Debug, Clone)]
enum PatternKind {
    /// `#...`: matches nothing.
    Comment,
    /// Empty after trimming: matches only the empty path.
    Empty,
    /// Alternatives from brace expansion, each a list of path segments.
    Alternatives(Vec<Vec<Segment>>),
}

#[derive(Debug, Clone)]
enum Segment {
    /// `**` on its own: any number of segments.
    Globstar,
    /// A segment without wildcards, compared literally.
    Literal(Vec<u16>),
    /// A segment with wildcards.
    Wild {
        tokens: Vec<Token>,
        no_leading_dot: bool,
    },
}

#[derive(Debug, Clone)]
enum Token {
    Char(u16),
    AnyOne,
    Star,
    Class {
        negated: bool,
        items: Vec<(u16, u16)>,
    },
}

/// A pattern this module cannot match faithfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnsupportedPattern {
    pub pattern: String,
    pub reason: &'static str,
}

impl fmt::Display for UnsupportedPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exclude pattern {:?}: {}", self.pattern, self.reason)
    }
}

impl std::error::Error for UnsupportedPattern {}

impl ExcludeSet {
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, UnsupportedPattern> {
        let patterns = patterns
            .iter()
            .map(|p| Pattern::compile(p.as_ref()))
            .collect::<Result<_, _>>()?;
        Ok(ExcludeSet { patterns })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `rel` (relative to the asset root, `/`-separated) is excluded.
    pub fn excludes(&self, rel: &str) -> bool {
        let mut excluded = false;
        for pattern in &self.patterns {
            if pattern.matches(rel) {
                excluded = !pattern.reinclude;
            }
        }
        excluded
    }
}

impl Pattern {
    fn compile(raw: &str) -> Result<Self, UnsupportedPattern> {
        // compat: the ignore strategy decides "re-include" on the raw text, while the
        // matcher strips every leading `!` after trimming; `!!x` therefore re-includes x.
        let reinclude = raw.starts_with('!');
        if raw.starts_with('#') {
            return Ok(Pattern {
                reinclude,
                kind: PatternKind::Comment,
            });
        }
        let trimmed = raw.trim();
        if trimmed.starts_with('#') {
            return Ok(Pattern {
                reinclude,
                kind: PatternKind::Comment,
            });
        }
        if trimmed.is_empty() {
            return Ok(Pattern {
                reinclude,
                kind: PatternKind::Empty,
            });
        }
        let body = trimmed.trim_start_matches('!');
        let unsupported = |reason| UnsupportedPattern {
            pattern: raw.to_string(),
            reason,
        };
        let mut alternatives = Vec::new();
        for expanded in expand_braces(body) {
            let mut segments = Vec::new();
            for part in split_slashes(&expanded) {
                segments.push(compile_segment(part).map_err(unsupported)?);
            }
            alternatives.push(segments);
        }
        Ok(Pattern {
            reinclude,
            kind: PatternKind::Alternatives(alternatives),
        })
    }

    fn matches(&self, rel: &str) -> bool {
        match &self.kind {
            PatternKind::Comment => false,
            PatternKind::Empty => rel.is_empty(),
            PatternKind::Alternatives(alts) => {
                let parts: Vec<Vec<u16>> = split_slashes(rel)
                    .map(|s| s.encode_utf16().collect())
                    .collect();
                let base = parts
                    .iter()
                    .rev()
                    .find(|p| !p.is_empty())
                    .cloned()
                    .unwrap_or_default();
                alts.iter().any(|segments| {
                    if segments.len() == 1 {
                        // matchBase: a pattern without a slash is tried on the last name only.
                        match_segments(std::slice::from_ref(&base), segments)
                    } else {
                        match_segments(&parts, segments)
                    }
                })
            }
        }
    }
}

fn split_slashes(s: &str) -> impl Iterator<Item = &str> {
    // Runs of slashes count as one separator, as with `split(/\/+/)`.
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = s;
    loop {
        match rest.find('/') {
            Some(i) => {
                parts.push(&rest[..i]);
                rest = rest[i..].trim_start_matches('/');
            }
            None => {
                parts.push(rest);
                break;
            }
        }
    }
    parts.into_iter()
}

fn match_segments(file: &[Vec<u16>], pattern: &[Segment]) -> bool {
    let (mut fi, mut pi) = (0, 0);
    while fi < file.len() && pi < pattern.len() {
        match &pattern[pi] {
            Segment::Globstar => {
                let hidden = |f: &Vec<u16>| f.first() == Some(&(b'.' as u16));
                if pi + 1 == pattern.len() {
                    return !file[fi..].iter().any(hidden);
                }
                for start in fi..file.len() {
                    if match_segments(&file[start..], &pattern[pi + 1..]) {
                        return true;
                    }
                    if hidden(&file[start]) {
                        break;
                    }
                }
                return false;
            }
            Segment::Literal(lit) => {
                if &file[fi] != lit {
                    return false;
                }
            }
            Segment::Wild {
                tokens,
                no_leading_dot,
            } => {
                let name = &file[fi];
                if name.is_empty()
                    || (*no_leading_dot && name[0] == b'.' as u16)
                    || !match_tokens(name, tokens)
                {
                    return false;
                }
            }
        }
        fi += 1;
        pi += 1;
    }
    if fi == file.len() && pi == pattern.len() {
        true
    } else if fi == file.len() {
        false
    } else {
        // A trailing empty name (path ending in `/`) is allowed.
        fi == file.len() - 1 && file[fi].is_empty()
    }
}

fn match_tokens(name: &[u16], tokens: &[Token]) -> bool {
    match tokens.split_first() {
        None => name.is_empty(),
        Some((Token::Star, rest)) => (0..=name.len()).any(|skip| match_tokens(&name[skip..], rest)),
        Some((tok, rest)) => match name.split_first() {
            None => false,
            Some((&c, tail)) => {
                let ok = match tok {
                    Token::Char(x) => c == *x,
                    Token::AnyOne => c != b'/' as u16,
                    Token::Class { negated, items } => {
                        items.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
                    }
                    Token::Star => unreachable!("handled above"),
                };
                ok && match_tokens(tail, rest)
            }
        },
    }
}

fn compile_segment(seg: &str) -> Result<Segment, &'static str> {
    if seg == "**" {
        return Ok(Segment::Globstar);
    }
    let units: Vec<u16> = seg.encode_utf16().collect();
    let (tokens, magic) = tokenize(&units)?;
    if !magic {
        let lit = tokens.iter().map(|t| match t {
            Token::Char(c) => *c,
            _ => unreachable!("non-magic segments hold only characters"),
        });
        return Ok(Segment::Literal(lit.collect()));
    }
    // compat: minimatch guards against a leading dot only when its regular expression
    // starts with a wildcard or a class, and only when the pattern itself does not start with `.`.
    let starts_wild = matches!(
        tokens.first(),
        Some(Token::AnyOne | Token::Star | Token::Class { .. })
    );
    let no_leading_dot = starts_wild && units.first() != Some(&(b'.' as u16));
    Ok(Segment::Wild {
        tokens,
        no_leading_dot,
    })
}

/// Turns one segment into tokens; the flag says whether any wildcard was seen.
fn tokenize(units: &[u16]) -> Result<(Vec<Token>, bool), &'static str> {
    let is = |u: u16, c: char| u == c as u16;
    let mut tokens = Vec::new();
    let mut magic = false;
    let mut i = 0;
    while i < units.len() {
        let c = units[i];
        if is(c, '\\') {
            match units.get(i + 1) {
                Some(&next) => {
                    tokens.push(Token::Char(next));
                    i += 2;
                }
                None => {
                    tokens.push(Token::Char(c));
                    i += 1;
                }
            }
            continue;
        }
        let followed_by_paren = units.get(i + 1).is_some_and(|&n| is(n, '('));
        if "?*+@!".encode_utf16().any(|s| s == c) && followed_by_paren {
            return Err("extended globs like +(a|b) are not supported; list the names instead");
        }
        if is(c, '*') {
            if !matches!(tokens.last(), Some(Token::Star)) {
                tokens.push(Token::Star);
            }
            magic = true;
            i += 1;
        } else if is(c, '?') {
            tokens.push(Token::AnyOne);
            magic = true;
            i += 1;
        } else if is(c, '[') {
            match parse_class(units, i) {
                Some((token, end)) => {
                    tokens.push(token);
                    magic = true;
                    i = end;
                }
                None => {
                    // Not a valid class: the bracket is literal, its contents are glob text.
                    tokens.push(Token::Char(c));
                    i += 1;
                }
            }
        } else {
            tokens.push(Token::Char(c));
            i += 1;
        }
    }
    Ok((tokens, magic))
}

/// Parses `[...]` starting at `start`; returns the class and the index after `]`.
fn parse_class(units: &[u16], start: usize) -> Option<(Token, usize)> {
    let is = |u: u16, c: char| u == c as u16;
    let mut i = start + 1;
    let mut negated = false;
    if units.get(i).is_some_and(|&u| is(u, '!') || is(u, '^')) {
        negated = true;
        i += 1;
    }
    let mut chars: Vec<(u16, bool)> = Vec::new(); // (unit, escaped)
    let mut closed = None;
    while i < units.len() {
        let c = units[i];
        if is(c, ']') && i != start + 1 {
            closed = Some(i + 1);
            break;
        }
        if is(c, '\\') && i + 1 < units.len() {
            chars.push((units[i + 1], true));
            i += 2;
            continue;
        }
        chars.push((c, false));
        i += 1;
    }
    let end = closed?;
    let mut items = Vec::new();
    let mut k = 0;
    while k < chars.len() {
        let (lo, _) = chars[k];
        let is_range = k + 2 < chars.len() && chars[k + 1] == ('-' as u16, false);
        if is_range {
            let hi = chars[k + 2].0;
            if lo > hi {
                return None; // an invalid class in JavaScript: taken literally
            }
            items.push((lo, hi));
            k += 3;
        } else {
            items.push((lo, lo));
            k += 1;
        }
    }
    Some((Token::Class { negated, items }, end))
}

/// Brace expansion for `{a,b}` lists (nested) and `{1..3}` / `{a..c}` sequences.
/// Anything else stays literal.
fn expand_braces(pattern: &str) -> Vec<String> {
    let chars: Vec<char> = pattern.chars().collect();
    // Find the first top-level `{` that has a matching `}`.
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '\\' {
            i += 2;
            continue;
        }
        if chars[i] == '{' {
            if let Some(close) = matching_brace(&chars, i) {
                let pre: String = chars[..i].iter().collect();
                let body: String = chars[i + 1..close].iter().collect();
                let post: String = chars[close + 1..].iter().collect();
                let options = brace_options(&body);
                if let Some(options) = options {
                    let posts = expand_braces(&post);
                    let mut out = Vec::new();
                    for option in options {
                        for expanded in expand_braces(&option) {
                            for p in &posts {
                                out.push(format!("{pre}{expanded}{p}"));
                            }
                        }
                    }
                    return out;
                }
                // Not expandable: keep it and look for later braces.
                let rest = expand_braces(&post);
                let head = format!("{pre}{{{body}}}");
                return rest.into_iter().map(|r| format!("{head}{r}")).collect();
            }
        }
        i += 1;
    }
    vec![pattern.to_string()]
}

fn matching_brace(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 1,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn brace_options(body: &str) -> Option<Vec<String>> {
    let chars: Vec<char> = body.chars().collect();
    let mut parts = Vec::new();
    let (mut depth, mut current) = (0, String::new());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' if i + 1 < chars.len() => {
                current.push(c);
                current.push(chars[i + 1]);
                i += 2;
                continue;
            }
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                i += 1;
                continue;
            }
            _ => {}
        }
        current.push(c);
        i += 1;
    }
    parts.push(current);
    if parts.len() > 1 {
        return Some(parts);
    }
    sequence(body)
}

fn sequence(body: &str) -> Option<Vec<String>> {
    let pieces: Vec<&str> = body.split("..").collect();
    if pieces.len() != 2 && pieces.len() != 3 {
        return None;
    }
    let step: i64 = match pieces.get(2) {
        Some(s) => s.parse::<i64>().ok()?.abs().max(1),
        None => 1,
    };
    let (a, b) = (pieces[0], pieces[1]);
    if let (Ok(x), Ok(y)) = (a.parse::<i64>(), b.parse::<i64>()) {
        let range: Vec<i64> = if x <= y {
            (x..=y).step_by(step as usize).collect()
        } else {
            (y..=x).rev().step_by(step as usize).collect()
        };
        return Some(range.into_iter().map(|n| n.to_string()).collect());
    }
    let (mut ca, mut cb) = (a.chars(), b.chars());
    match (ca.next(), ca.next(), cb.next(), cb.next()) {
        (Some(x), None, Some(y), None) => {
            let (x, y) = (x as u32, y as u32);
            let range: Vec<u32> = if x <= y {
                (x..=y).step_by(step as usize).collect()
            } else {
                (y..=x).rev().step_by(step as usize).collect()
            };
            Some(
                range
                    .into_iter()
                    .filter_map(char::from_u32)
                    .map(String::from)
                    .collect(),
            )
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(patterns: &[&str], rel: &str) -> bool {
        ExcludeSet::new(patterns).unwrap().excludes(rel)
    }

    #[test]
    fn match_base_applies_to_patterns_without_slash() {
        assert!(ex(&["*.pyc"], "a/b/c.pyc"));
        assert!(ex(&["node_modules"], "x/node_modules"));
        assert!(!ex(&["a/*.pyc"], "b/a/c.pyc"));
        assert!(ex(&["a/*.pyc"], "a/c.pyc"));
    }

    #[test]
    fn wildcards_skip_dot_names() {
        assert!(!ex(&["*"], ".hidden"));
        assert!(ex(&[".*"], ".hidden"));
        assert!(!ex(&["**/x"], ".git/x"));
        assert!(ex(&["**/x"], "a/b/x"));
        assert!(ex(&["**/x"], "x"));
    }

    #[test]
    fn last_matching_pattern_wins() {
        let pats = ["*.txt", "!keep.txt"];
        assert!(ex(&pats, "drop.txt"));
        assert!(!ex(&pats, "sub/keep.txt"));
        assert!(ex(&["!keep.txt", "*.txt"], "keep.txt"));
    }

    #[test]
    fn classes_braces_and_escapes() {
        assert!(ex(&["file[0-9].md"], "file7.md"));
        assert!(!ex(&["file[!0-9].md"], "file7.md"));
        assert!(ex(&["*.{js,ts}"], "a/b.ts"));
        assert!(ex(&["v{1..3}"], "v2"));
        assert!(!ex(&["v{1..3}"], "v4"));
        assert!(ex(&["\\*"], "*"));
        assert!(!ex(&["\\*"], "a"));
        assert!(ex(&["[z-a]"], "[z-a]"));
    }

    #[test]
    fn comments_and_empty_patterns_match_nothing_else() {
        assert!(!ex(&["#x"], "#x"));
        assert!(!ex(&[""], "a"));
    }

    #[test]
    fn extended_globs_are_refused() {
        let err = ExcludeSet::new(&["+(a|b)"]).unwrap_err();
        assert!(err.to_string().contains("+(a|b)"));
    }
}
