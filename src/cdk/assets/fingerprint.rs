//! Source fingerprints, computed exactly as aws-cdk-lib computes them, so that an asset
//! staged by us has the hash the TypeScript app would give it.
//!
//! The hash is SHA-256 over a stream of fields `0x01 header 0x02 value 0x03`: the options
//! first, then one field per file (`file:<rel>`, value `<size>:<sha256>`) or unfollowed
//! symbolic link (`link:<rel>`, value = the link text), walking directories in JavaScript
//! sort order.

use std::cmp::Ordering;
use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::glob::ExcludeSet;
use super::walk::{Entry, Walk};
use super::{AssetError, AssetOptions};
use crate::cdk::digest::hex;

const CHUNK: usize = 8192;

/// The fingerprint of a file or directory (aws-cdk-lib `FileSystem.fingerprint`).
/// `opts.exclude` is used as given: the asset default `.is_custom_resource` is added by
/// [`super::plan`], not here.
pub fn fingerprint(path: &Path, opts: &AssetOptions) -> Result<String, AssetError> {
    let excludes = ExcludeSet::new(&opts.exclude).map_err(AssetError::Pattern)?;
    let root = fs::canonicalize(path).map_err(|e| AssetError::io(path, e))?;
    let mut fields = Vec::new();
    let walk = Walk {
        excludes: &excludes,
        follow: opts.follow,
        external_links: opts.external_links,
    };
    walk.run(&root, &mut |entry| {
        match entry {
            Entry::Dir { .. } => {}
            Entry::File { rel, real } => fields.push(Field::File {
                rel: rel.to_string(),
                real: real.to_path_buf(),
            }),
            Entry::Link { rel, target } => fields.push(Field::Link {
                rel: rel.to_string(),
                text: target.to_string_lossy().into_owned(),
            }),
        }
        Ok(())
    })?;
    let contents = hash_files(&fields)?;
    let mut hasher = FieldHasher::new(opts);
    let mut contents = contents.into_iter();
    for field in &fields {
        match field {
            Field::Link { rel, text } => hasher.field(&format!("link:{rel}"), text.as_bytes()),
            Field::File { rel, .. } => {
                let value = contents.next().expect("one content fingerprint per file");
                hasher.field(&format!("file:{rel}"), value.as_bytes());
            }
        }
    }
    Ok(hasher.finish())
}

/// Content fingerprints of the walk's files, in order. Files are read on a few threads
/// when there are many: hashing dominates the fingerprint of a large tree.
fn hash_files(fields: &[Field]) -> Result<Vec<String>, AssetError> {
    let files: Vec<&Path> = fields
        .iter()
        .filter_map(|f| match f {
            Field::File { real, .. } => Some(real.as_path()),
            Field::Link { .. } => None,
        })
        .collect();
    let hash_one = |path: &Path| -> Result<String, AssetError> {
        let file = fs::File::open(path).map_err(|e| AssetError::io(path, e))?;
        content_fingerprint(file).map_err(|e| AssetError::io(path, e))
    };
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4);
    if threads < 2 || files.len() < 32 {
        return files.into_iter().map(hash_one).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<Option<Result<String, AssetError>>> = Vec::new();
    results.resize_with(files.len(), || None);
    let slots = std::sync::Mutex::new(results);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let result = hash_one(path);
                if let Ok(mut slots) = slots.lock() {
                    slots[i] = Some(result);
                }
            });
        }
    });
    let results = slots
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    results
        .into_iter()
        .map(|r| r.expect("every file was hashed"))
        .collect()
}

/// The fingerprint of a directory that holds one file, `file_name` (may contain `/`), with
/// `contents`: what a directory written for `Source.data` hashes to, computed in memory.
pub fn data_fingerprint(
    file_name: &str,
    contents: &[u8],
    opts: &AssetOptions,
) -> Result<String, AssetError> {
    let excludes = ExcludeSet::new(&opts.exclude).map_err(AssetError::Pattern)?;
    let mut hasher = FieldHasher::new(opts);
    let rel = file_name.trim_matches('/');
    // Each enclosing directory may be excluded, which hides the file.
    let mut prefix = String::new();
    let mut hidden = false;
    for part in rel.split('/') {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        hidden |= excludes.excludes(&prefix);
    }
    if !hidden {
        let value =
            content_fingerprint(contents).map_err(|e| AssetError::io(Path::new(file_name), e))?;
        hasher.field(&format!("file:{rel}"), value.as_bytes());
    }
    Ok(hasher.finish())
}

/// `<size>:<sha256>` of a file's content with the text rule: a file whose first chunk has
/// no NUL byte is text, its chunks are decoded as UTF-8 (invalid bytes become U+FFFD) and
/// CRLF becomes LF. Binary files are hashed as they are.
pub fn content_fingerprint<R: Read>(mut reader: R) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut size: u64 = 0;
    let mut binary = false;
    let mut carry = String::new();
    loop {
        let n = read_chunk(&mut reader, &mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = &buf[..n];
        // compat: the binary test runs while nothing has been counted yet, so a text chunk
        // that was carried over (ends in CR) lets the *next* chunk decide.
        if size == 0 {
            binary = chunk.contains(&0);
        }
        if binary {
            hasher.update(chunk);
            size += n as u64;
            continue;
        }
        // `str::from_utf8` validates several times faster than the lossy decoder; the
        // common case (valid UTF-8 without CR) needs no decoding at all.
        if carry.is_empty() && std::str::from_utf8(chunk).is_ok() && !chunk.contains(&b'\r') {
            // Valid UTF-8 without CR: normalizing changes nothing, hash the bytes as read.
            hasher.update(chunk);
            size += n as u64;
            continue;
        }
        let text = String::from_utf8_lossy(chunk);
        carry.push_str(&text);
        if text.ends_with('\r') {
            continue; // the LF may open the next chunk
        }
        let normalized = carry.replace("\r\n", "\n");
        hasher.update(normalized.as_bytes());
        size += normalized.len() as u64;
        carry.clear();
    }
    // compat: a trailing carry is hashed but not counted in the size.
    hasher.update(carry.as_bytes());
    Ok(format!("{size}:{}", hex(&hasher.finalize())))
}

/// The fingerprint of a directory holding `files` (flat names), computed in memory: what
/// [`fingerprint`] gives for that directory written to disk.
pub fn files_fingerprint(
    files: &[(String, Vec<u8>)],
    opts: &AssetOptions,
) -> Result<String, AssetError> {
    let excludes = ExcludeSet::new(&opts.exclude).map_err(AssetError::Pattern)?;
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| js_string_cmp(&a.0, &b.0));
    let mut hasher = FieldHasher::new(opts);
    for (name, contents) in sorted {
        if excludes.excludes(name) {
            continue;
        }
        let value = content_fingerprint(contents.as_slice())
            .map_err(|e| AssetError::io(Path::new(name), e))?;
        hasher.field(&format!("file:{name}"), value.as_bytes());
    }
    Ok(hasher.finish())
}

/// Fills `buf` as far as the reader allows, so chunks are 8192 bytes except the last.
fn read_chunk<R: Read>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// JavaScript's default sort order for strings: UTF-16 code units.
pub fn js_string_cmp(a: &str, b: &str) -> Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

struct FieldHasher(Sha256);

impl FieldHasher {
    fn new(opts: &AssetOptions) -> Self {
        let mut h = FieldHasher(Sha256::new());
        h.field(
            "options.extra",
            opts.extra_hash.as_deref().unwrap_or("").as_bytes(),
        );
        h.field("options.follow", opts.follow.as_str().as_bytes());
        h
    }

    fn field(&mut self, header: &str, value: &[u8]) {
        self.0.update([1u8]);
        self.0.update(header.as_bytes());
        self.0.update([2u8]);
        self.0.update(value);
        self.0.update([3u8]);
    }

    fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// One entry of the walk, in hashing order.
enum Field {
    File { rel: String, real: PathBuf },
    Link { rel: String, text: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::digest::sha256_hex;

    fn content(bytes: &[u8]) -> String {
        content_fingerprint(bytes).unwrap()
    }

    #[test]
    fn empty_file() {
        assert_eq!(content(b""), format!("0:{}", sha256_hex(b"")));
    }

    #[test]
    fn crlf_becomes_lf_in_text() {
        assert_eq!(content(b"a\r\nb\r\n"), content(b"a\nb\n"));
        assert_eq!(
            content(b"a\r\nb\r\n"),
            format!("4:{}", sha256_hex(b"a\nb\n"))
        );
    }

    #[test]
    fn binary_is_hashed_raw() {
        let data = b"\0a\r\nb";
        assert_eq!(content(data), format!("5:{}", sha256_hex(data)));
    }

    #[test]
    fn trailing_cr_is_hashed_but_not_counted() {
        assert_eq!(content(b"ab\r"), format!("0:{}", sha256_hex(b"ab\r")));
    }

    #[test]
    fn js_sort_uses_utf16_units() {
        // U+1F600 is a surrogate pair (0xD83D...), which sorts before U+FF5E in UTF-16.
        assert_eq!(js_string_cmp("\u{1F600}", "\u{FF5E}"), Ordering::Less);
        assert!("\u{1F600}" > "\u{FF5E}");
        assert_eq!(js_string_cmp("B", "a"), Ordering::Less);
    }
}
