//! Fingerprints of small trees, checked against values that aws-cdk-lib 2.212.0's
//! `FileSystem.fingerprint` gave for the same trees (test vectors, see `node_vectors`).
//!
//! To recompute the vectors: `ASSET_VECTOR_DIR=/tmp/v cargo test --test assets_fingerprint
//! -- --ignored write_vector_trees`, then call aws-cdk-lib's `FileSystem.fingerprint(path,
//! options)` from a node script on each case folder with the same options.

use std::fs;
use std::path::Path;

use mlspace_cdk::cdk::assets::{
    content_fingerprint, fingerprint, AssetOptions, ExternalLinks, SymlinkFollow,
};

mod common;
use common::{excludes_tree, write_file as write};

#[cfg(unix)]
fn link(target: &str, at: &Path) {
    std::os::unix::fs::symlink(target, at).unwrap();
}

fn repeat(byte: u8, n: usize) -> Vec<u8> {
    vec![byte; n]
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Builds every vector tree under `base`; each case is one folder.
fn build_trees(base: &Path) {
    let t = base.join("text");
    write(&t.join("crlf.txt"), b"line1\r\nline2\r\n");
    write(&t.join("lf.txt"), b"line1\nline2\n");
    write(&t.join("lone-cr.txt"), b"a\rb\r\r\nc");
    write(&t.join("empty.txt"), b"");

    let b = base.join("binary");
    write(&b.join("bin.dat"), b"\x00\x01\r\n\xff\xfe binary\r\n");

    let c = base.join("chunks");
    // CRLF split across the 8192-byte chunk boundary.
    write(
        &c.join("cr-at-boundary.txt"),
        &cat(&[&repeat(b'a', 8191), b"\r\ntail\r\n"]),
    );
    // The file ends with CR exactly at a chunk end.
    write(
        &c.join("ends-with-cr.txt"),
        &cat(&[&repeat(b'b', 8191), b"\r"]),
    );
    // Two carried chunks in a row.
    write(
        &c.join("two-carries.txt"),
        &cat(&[&repeat(b'c', 8191), b"\r", &repeat(b'd', 8191), b"\r\nend"]),
    );
    // A first chunk carried over lets the second chunk decide "binary".
    write(
        &c.join("late-binary.dat"),
        &cat(&[&repeat(b'e', 8191), b"\r", b"\x00xyz\r\n"]),
    );
    // NUL only after the first chunk: still text.
    write(
        &c.join("late-nul.txt"),
        &cat(&[&repeat(b'f', 8192), b"g\x00h\r\n"]),
    );
    // A two-byte character split by the chunk boundary.
    write(
        &c.join("split-utf8.txt"),
        &cat(&[&repeat(b'h', 8191), "é rest\r\n".as_bytes()]),
    );
    // Invalid UTF-8 in a text file.
    write(
        &c.join("invalid-utf8.txt"),
        b"caf\xe9 \xc0\x80 \xed\xa0\x80 \xf0\x9f\x98\r\nok",
    );
    write(&c.join("large.txt"), &repeat(b'x', 3 * 8192 + 17));

    let s = base.join("sorting");
    for name in [
        "B",
        "a",
        "\u{1F600}",
        "\u{FF5E}",
        "é",
        "Z1",
        "z",
        "_",
        "-",
        "a.b",
        "a-b",
        "aB",
    ] {
        write(&s.join(name).join("f"), name.as_bytes());
    }

    let n = base.join("nested");
    write(&n.join("a/b/c/d.txt"), b"deep");
    write(&n.join("a/e.txt"), b"e");
    fs::create_dir_all(n.join("empty")).unwrap();
    write(&n.join(".hidden/x"), b"h");

    let l = base.join("links");
    let root = l.join("root");
    write(&root.join("data.txt"), b"data");
    write(&root.join("sub/x.txt"), b"x");
    write(&l.join("outside/o.txt"), b"outside");
    write(&l.join("outside/deeper/p.txt"), b"p");
    write(&l.join("root-sibling/s.txt"), b"sibling");
    #[cfg(unix)]
    {
        link("sub/x.txt", &root.join("inlink"));
        link("sub", &root.join("indir"));
        link("../outside/o.txt", &root.join("ext"));
        link("../outside", &root.join("extdir"));
        link("nope", &root.join("broken"));
        link("../root-sibling/s.txt", &root.join("prefix-sibling"));
    }

    excludes_tree(&base.join("excludes"));

    write(
        &base.join("single/layer.zip"),
        b"PK\x03\x04 not really a zip\x00",
    );
}

fn excludes() -> Vec<String> {
    ["*.pyc", "build", "!keep.pyc", "docs/*.md", ".*"]
        .map(String::from)
        .to_vec()
}

/// (case, path below the base, options, aws-cdk-lib's fingerprint)
fn node_vectors() -> Vec<(&'static str, &'static str, AssetOptions, &'static str)> {
    // aws-cdk-lib follows links out of the tree; we do only when asked (ExternalLinks::Follow).
    let follow = |mode| AssetOptions {
        follow: mode,
        external_links: ExternalLinks::Follow,
        ..Default::default()
    };
    vec![
        (
            "text",
            "text",
            AssetOptions::default(),
            "42b0d71a05fc9fc13beb6092ccf8e3d8d8dddbb3003adde614269a032ea2a375",
        ),
        (
            "binary",
            "binary",
            AssetOptions::default(),
            "bf29ee54eb4faf3bdefecbb29ae72a6244e646696292fcdffef91b5eacc6f606",
        ),
        (
            "chunks",
            "chunks",
            AssetOptions::default(),
            "725b6c0edfc944d567cfcabb5566fa814a04b2704e22ea8c66f3832c22b1a218",
        ),
        (
            "sorting",
            "sorting",
            AssetOptions::default(),
            "d42b43ebc2716ab983c373ee97b1cee7749cd4c347818580fe92ed024ebd6b0f",
        ),
        (
            "nested",
            "nested",
            AssetOptions::default(),
            "951ff4fc4090bc6efec4de74da84fd1c2a17bd18af0595c465a8e7377a26d555",
        ),
        (
            "links-external",
            "links/root",
            follow(SymlinkFollow::External),
            "c2ea0b2520d4c5cc43aafe2667878ecbdad1d8ddd79f5c725e5c17d3a92b2e0c",
        ),
        (
            "links-always",
            "links/root",
            follow(SymlinkFollow::Always),
            "69149667a986cd158c9a4e7caf693cf8d6b016a968e1144585ebdce8ea55e52e",
        ),
        (
            "links-never",
            "links/root",
            follow(SymlinkFollow::Never),
            "96cd906ab510e69ba11cb91f1f640b773fe28594a3c03f116f6f94f8dffb4770",
        ),
        (
            "links-internal-only",
            "links/root",
            follow(SymlinkFollow::BlockExternal),
            "3e9b738ba960b7da2ea95184a232cd038692399ede62906fd2f9eefdf7772fe9",
        ),
        (
            "excludes",
            "excludes",
            AssetOptions {
                exclude: excludes(),
                ..Default::default()
            },
            "3d9212474ca1d6aceaab220f835b6410c022735b956e005f43fd2c69e8bcf506",
        ),
        (
            "extra-hash",
            "nested",
            AssetOptions {
                extra_hash: Some("salt".into()),
                ..Default::default()
            },
            "fde4fede54f909c5b16009ee300b6ce92dc88cbcd12e3e49c7f2bb440579a449",
        ),
        (
            "single-file",
            "single/layer.zip",
            AssetOptions::default(),
            "94f2d9a9d46da638816f8e2e39003604be7a7a340d75463643bf49e46d42e7dd",
        ),
    ]
}

/// (file in `chunks`, aws-cdk-lib's content fingerprint)
fn node_content_vectors() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "cr-at-boundary.txt",
            "8197:ae1a05a48f5f110a761a600d1eb97df241d74860d536bacfa376df865867dda5",
        ),
        (
            "ends-with-cr.txt",
            "0:3cd708f5d0a64daed677bcd0fc37e9f1e133eac515ec6dfb2e35ae6392755c7f",
        ),
        (
            "invalid-utf8.txt",
            "30:5437b5f16038af22c378b0418700cd7fe84bd5b69fadaa34fde1750699b2acea",
        ),
        (
            "large.txt",
            "24593:63731aac203cc6b28ae692488655dbae6962f68d2de44e22ab587367eb159a01",
        ),
        (
            "late-binary.dat",
            "6:9069f284da344e1330874507ab6430880daef95280f05e4067e030aed9848653",
        ),
        (
            "late-nul.txt",
            "8196:224ef97a97e662041e762961c182cae938300459ef5adc50b23c6c53d160942c",
        ),
        (
            "split-utf8.txt",
            "8203:51f6577137a93aead73321f07d9252c8f987af3a84b6bc6468b588d006c623da",
        ),
        (
            "two-carries.txt",
            "16387:14d97ffc3cbcc39651243e20f0953774bf270b6382299c73d2116bc1cfe329c1",
        ),
    ]
}

#[test]
#[ignore = "writes the vector trees for recomputing the expected values with node"]
fn write_vector_trees() {
    let base = std::env::var("ASSET_VECTOR_DIR").expect("set ASSET_VECTOR_DIR to an empty folder");
    build_trees(Path::new(&base));
}

#[cfg(unix)]
#[test]
fn fingerprints_match_aws_cdk_lib() {
    let dir = tempfile::tempdir().unwrap();
    build_trees(dir.path());
    let mut failures = Vec::new();
    for (case, rel, opts, expected) in node_vectors() {
        let got = fingerprint(&dir.path().join(rel), &opts).unwrap();
        if got != expected {
            failures.push(format!("{case}: expected {expected}, got {got}"));
        }
    }
    for (file, expected) in node_content_vectors() {
        let got =
            content_fingerprint(fs::File::open(dir.path().join("chunks").join(file)).unwrap())
                .unwrap();
        if got != expected {
            failures.push(format!("content of {file}: expected {expected}, got {got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "fingerprints differ from aws-cdk-lib:\n{}",
        failures.join("\n")
    );
}
