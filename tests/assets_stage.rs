//! Planning and staging assets. Expected hashes and staged layouts are what aws-cdk-lib
//! 2.212.0 gave for the same inputs (`s3_assets.Asset` and `s3_deployment.Source.data`).

use std::fs;
use std::path::Path;

use mlspace_cdk::cdk::assets::{
    plan, stage, AssetError, AssetOptions, AssetSource, ExternalLinks, Packaging,
};

mod common;
use common::{excludes_tree, write_file as write};

/// `(type, path)` of everything below `dir`, sorted; links show their text.
fn listing(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry
            .path()
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let kind = entry.file_type();
        out.push(if kind.is_symlink() {
            format!(
                "l {rel} -> {}",
                fs::read_link(entry.path()).unwrap().display()
            )
        } else if kind.is_dir() {
            format!("d {rel}")
        } else {
            format!("f {rel}")
        });
    }
    out
}

#[test]
fn data_assets_hash_like_source_data() {
    let cases = [
        (
            "notebook-params.json",
            "{\"a\":\"b\"}",
            "e7462ce25b29098b840f44fa007da7a013f4920bef59c4a56c6ad47fc5b1409b",
        ),
        (
            "a/b.json",
            "x\r\ny",
            "9c51d18554b4b2b39b7101cd83fb7898bc803e5b6f13d66f0c0e5e1e9f73bd0c",
        ),
    ];
    for (name, contents, expected) in cases {
        let source = AssetSource::Data {
            file_name: name.into(),
            contents: contents.as_bytes().to_vec(),
        };
        let planned = plan(source, &AssetOptions::default()).unwrap();
        assert_eq!(planned.hash, expected, "{name}");
        assert_eq!(planned.packaging, Packaging::Zip);
        assert_eq!(planned.object_key(), format!("{expected}.zip"));
        assert_eq!(planned.staged_name, format!("asset.{expected}"));
    }
}

/// The exclude patterns the excludes tree is planned and staged with.
fn excludes_options() -> AssetOptions {
    AssetOptions {
        exclude: ["*.pyc", "build", "!keep.pyc", "docs/*.md"]
            .map(String::from)
            .to_vec(),
        ..Default::default()
    }
}

#[test]
fn directory_asset_with_excludes_plans_and_stages_like_cdk() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    excludes_tree(&src);
    let opts = excludes_options();
    let planned = plan(AssetSource::Directory(src.clone()), &opts).unwrap();
    let hash = "39423aeebd4a7648a9b6f1345fa9d338970f55b83d539ea5535f8a1db2e98a7c";
    assert_eq!(planned.hash, hash);
    let out = dir.path().join("cdk.out");
    stage(&planned, &out).unwrap();
    let staged = out.join(format!("asset.{hash}"));
    let expected = [
        "f .env",
        "f a.py",
        "d docs",
        "d docs/sub",
        "f docs/sub/s.md",
        "f keep.pyc",
        "d sub",
    ];
    assert_eq!(listing(&staged), expected);
    // Only the staged asset is left in the output directory: no temporary leftovers.
    assert_eq!(
        listing(&out).iter().filter(|l| !l.contains('/')).count(),
        1,
        "{:?}",
        listing(&out)
    );
}

#[cfg(unix)]
fn tree_with_links() -> (tempfile::TempDir, std::path::PathBuf) {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    write(&root.join("data.txt"), b"data");
    write(&root.join("sub/x.txt"), b"x");
    write(&dir.path().join("outside/o.txt"), b"outside");
    write(&dir.path().join("outside/deeper/p.txt"), b"p");
    write(&dir.path().join("root-sibling/s.txt"), b"sibling");
    symlink("sub/x.txt", root.join("inlink")).unwrap();
    symlink("sub", root.join("indir")).unwrap();
    symlink("../outside/o.txt", root.join("ext")).unwrap();
    symlink("../outside", root.join("extdir")).unwrap();
    symlink("nope", root.join("broken")).unwrap();
    symlink("../root-sibling/s.txt", root.join("prefix-sibling")).unwrap();
    (dir, root)
}

#[cfg(unix)]
#[test]
fn links_out_of_the_tree_are_refused_by_default() {
    let (dir, root) = tree_with_links();
    let err = plan(
        AssetSource::Directory(root.clone()),
        &AssetOptions::default(),
    )
    .unwrap_err();
    match &err {
        AssetError::ExternalSymlink { link, target } => {
            assert_eq!(link, &fs::canonicalize(&root).unwrap().join("ext"));
            assert!(target.ends_with("outside/o.txt"), "{}", target.display());
        }
        other => panic!("expected ExternalSymlink, got {other}"),
    }
    assert!(
        err.to_string().contains("outside the asset's tree"),
        "{err}"
    );
    assert!(!dir.path().join("out").exists());
    // Links inside the tree, broken links and the prefix sibling (inside by aws-cdk-lib's rule)
    // are kept as links and do not stop synthesis.
    fs::remove_file(root.join("ext")).unwrap();
    fs::remove_file(root.join("extdir")).unwrap();
    plan(AssetSource::Directory(root), &AssetOptions::default()).unwrap();
}

#[cfg(unix)]
#[test]
fn links_out_of_the_tree_are_followed_only_when_asked_and_kept_inside_it() {
    let (dir, root) = tree_with_links();
    let opts = AssetOptions {
        external_links: ExternalLinks::Follow,
        ..Default::default()
    };
    let planned = plan(AssetSource::Directory(root), &opts).unwrap();
    assert_eq!(
        planned.hash,
        "c2ea0b2520d4c5cc43aafe2667878ecbdad1d8ddd79f5c725e5c17d3a92b2e0c"
    );
    let out = dir.path().join("out");
    stage(&planned, &out).unwrap();
    let expected = [
        "l broken -> nope",
        "f data.txt",
        "f ext",
        "d extdir",
        "d extdir/deeper",
        "f extdir/deeper/p.txt",
        "f extdir/o.txt",
        "l indir -> sub",
        "l inlink -> sub/x.txt",
        "l prefix-sibling -> ../root-sibling/s.txt",
        "d sub",
        "f sub/x.txt",
    ];
    assert_eq!(listing(&out.join(&planned.staged_name)), expected);
    assert_eq!(
        fs::read(out.join(&planned.staged_name).join("ext")).unwrap(),
        b"outside"
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(&root).unwrap();
    fs::create_dir_all(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink("../root", dir.path().join("out/back")).unwrap();
    std::os::unix::fs::symlink("../out", root.join("away")).unwrap();
    let opts = AssetOptions {
        follow: mlspace_cdk::cdk::assets::SymlinkFollow::Always,
        external_links: ExternalLinks::Follow,
        ..Default::default()
    };
    let err = plan(AssetSource::Directory(root), &opts).unwrap_err();
    assert!(matches!(err, AssetError::SymlinkLoop { .. }), "{err}");
}

#[test]
fn file_asset_keeps_its_extension() {
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("layer.zip");
    write(&zip, b"PK\x03\x04 not really a zip\x00");
    let planned = plan(AssetSource::File(zip.clone()), &AssetOptions::default()).unwrap();
    let hash = "94f2d9a9d46da638816f8e2e39003604be7a7a340d75463643bf49e46d42e7dd";
    assert_eq!(planned.hash, hash);
    assert_eq!(planned.packaging, Packaging::File);
    assert_eq!(planned.staged_name, format!("asset.{hash}.zip"));
    assert_eq!(planned.object_key(), format!("{hash}.zip"));
    let out = dir.path().join("out");
    stage(&planned, &out).unwrap();
    assert_eq!(
        fs::read(out.join(&planned.staged_name)).unwrap(),
        fs::read(&zip).unwrap()
    );
}

#[test]
fn staging_skips_an_existing_target() {
    let dir = tempfile::tempdir().unwrap();
    let source = AssetSource::Data {
        file_name: "env.js".into(),
        contents: b"window.env = {}".to_vec(),
    };
    let planned = plan(source, &AssetOptions::default()).unwrap();
    let out = dir.path().join("out");
    stage(&planned, &out).unwrap();
    let staged = out.join(&planned.staged_name).join("env.js");
    assert_eq!(fs::read(&staged).unwrap(), b"window.env = {}");
    // A second stage must not touch what is there (same hash, same content by definition).
    fs::write(&staged, b"marker").unwrap();
    stage(&planned, &out).unwrap();
    assert_eq!(fs::read(&staged).unwrap(), b"marker");
}

#[test]
fn missing_source_names_the_path() {
    let err = plan(
        AssetSource::Directory("/nonexistent/backend/src".into()),
        &AssetOptions::default(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("/nonexistent/backend/src"),
        "{err}"
    );
    assert!(matches!(err, AssetError::NotFound { .. }));
}

#[test]
fn wrong_kind_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = plan(
        AssetSource::File(dir.path().to_path_buf()),
        &AssetOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            AssetError::WrongKind {
                expected: "file",
                ..
            }
        ),
        "{err}"
    );
}

/// The hash and the staged bytes come from one walk: fingerprinting the staged copy with the
/// options it was planned with gives the planned hash back (excludes and links included).
#[cfg(unix)]
#[test]
fn the_staged_copy_hashes_to_the_planned_hash() {
    let check = |source: std::path::PathBuf, opts: AssetOptions, out: &Path| {
        let planned = plan(AssetSource::Directory(source), &opts).unwrap();
        stage(&planned, out).unwrap();
        let mut hash_opts = opts.clone();
        hash_opts
            .exclude
            .insert(0, mlspace_cdk::cdk::assets::DEFAULT_EXCLUDE.to_string());
        let staged = out.join(&planned.staged_name);
        assert_eq!(
            mlspace_cdk::cdk::assets::fingerprint(&staged, &hash_opts).unwrap(),
            planned.hash,
            "{:?}",
            listing(&staged)
        );
    };
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    excludes_tree(&src);
    let opts = excludes_options();
    check(src, opts, &dir.path().join("out1"));

    let (dir, root) = tree_with_links();
    let opts = AssetOptions {
        external_links: ExternalLinks::Follow,
        ..Default::default()
    };
    check(root, opts, &dir.path().join("out2"));
}
