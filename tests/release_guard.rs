//! The release guard through the binary: what mlspace-cdk cannot honour stops the synth with one
//! message (non-zero exit, no manifest.json); `--allow-unsupported` / MLSPACE_ALLOW_UNSUPPORTED=1
//! let it pass with that message as a warning. The first tests use the repository's example tree
//! and our own small files; the last needs a real MLSpace checkout (laid out by
//! ../shared/tools/mlspace-tree from the MLSpace git directory) and skips without one.
mod common;
use common::*;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn synth_with(tree: &Path, args: &[&str], env: &[(&str, &str)]) -> (Output, PathBuf) {
    let out_dir = tree.join("out");
    let _ = fs::remove_dir_all(&out_dir);
    let mut cmd = Command::new(binary());
    cmd.args(["synth", "-o"])
        .arg(&out_dir)
        .args(args)
        .current_dir(tree)
        .env_remove("CDK_OUTDIR")
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("MLSPACE_ALLOW_UNSUPPORTED");
    for (k, v) in env {
        cmd.env(k, v);
    }
    (cmd.output().unwrap(), out_dir)
}

/// The synth stops with one error naming every `expected` difference, and writes no manifest.
fn assert_stops(tree: &Path, expected: &[&str]) {
    let (out, out_dir) = synth_with(tree, &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "synth passed:\n{stderr}");
    assert_eq!(
        stderr.matches("mlspace-cdk: error:").count(),
        1,
        "one message:\n{stderr}"
    );
    assert!(stderr.contains("does not run TypeScript"), "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{e} not named:\n{stderr}");
    }
    assert!(
        !out_dir.join("manifest.json").exists(),
        "a manifest.json was written"
    );
}

/// The synth passes and prints no warning about the release.
fn assert_passes(tree: &Path) {
    let (out, out_dir) = synth_with(tree, &[], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "synth failed:\n{stderr}");
    assert!(!stderr.contains("differs from MLSpace"), "{stderr}");
    assert!(out_dir.join("manifest.json").is_file());
}

/// Both opt-ins pass, with the differences as a warning naming `expected`.
fn assert_opt_in_warns(tree: &Path, expected: &str) {
    for (args, env) in [
        (&["--allow-unsupported"][..], &[][..]),
        (&[][..], &[("MLSPACE_ALLOW_UNSUPPORTED", "1")][..]),
    ] {
        let (out, out_dir) = synth_with(tree, args, env);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?} {env:?}:\n{stderr}");
        assert!(
            stderr.contains("mlspace-cdk: warning: this checkout differs from MLSpace 1.6.10")
                && stderr.contains("NOT in the synthesized stacks")
                && stderr.contains(expected),
            "{args:?} {env:?}:\n{stderr}"
        );
        assert!(out_dir.join("manifest.json").is_file());
    }
}

fn set_context_flag(tree: &Path, flag: &str, value: serde_json::Value) {
    let path = tree.join("cdk.json");
    let mut cdk = read_json(&path);
    cdk["context"][flag] = value;
    fs::write(&path, serde_json::to_string_pretty(&cdk).unwrap()).unwrap();
}

#[test]
fn the_example_tree_is_not_a_typescript_checkout_and_passes() {
    let tree = example_tree(None);
    assert_passes(tree.path());
}

#[test]
fn a_typescript_file_in_a_tree_stops_the_synth() {
    let tree = example_tree(None);
    write_file(
        &tree.path().join("lib/stacks/extra.ts"),
        b"export const extra = 1;\n",
    );
    assert_stops(
        tree.path(),
        &[
            "lib/stacks/extra.ts: added",
            "bin/mlspace-cdk.ts: deleted",
            "frontend/package.json: missing, so no version (not 1.6.10)",
            "package.json: missing (1.6.10 depends on aws-cdk-lib ^2.177.0)",
        ],
    );
    assert_opt_in_warns(tree.path(), "lib/stacks/extra.ts: added");
    // "0" is no opt-in.
    let (out, _) = synth_with(tree.path(), &[], &[("MLSPACE_ALLOW_UNSUPPORTED", "0")]);
    assert!(!out.status.success());
}

#[test]
fn a_flipped_feature_flag_stops_the_synth() {
    let tree = example_tree(None);
    let flag = "@aws-cdk/aws-s3:createDefaultLoggingPolicy";
    set_context_flag(tree.path(), flag, serde_json::Value::Bool(false));
    assert_stops(
        tree.path(),
        &[&format!("context flag {flag}: false (1.6.10: true)")],
    );
    assert_opt_in_warns(tree.path(), flag);

    // A flag mlspace-cdk implements either way may be flipped.
    set_context_flag(tree.path(), flag, serde_json::Value::Bool(true));
    set_context_flag(
        tree.path(),
        "@aws-cdk/aws-iam:minimizePolicies",
        serde_json::Value::Bool(false),
    );
    assert_passes(tree.path());
}

#[test]
fn an_unknown_constant_stops_the_synth() {
    let tree = example_tree(None);
    write_file(
        &tree.path().join("lib/constants.ts"),
        b"export const SYSTEM_TAG = 'MLSpace';\n\nexport const SYSTEM_BANNER_TEXT = 'Hello';\n",
    );
    assert_stops(
        tree.path(),
        &["lib/constants.ts:3: export SYSTEM_BANNER_TEXT is not one of MLSpace 1.6.10's constants"],
    );
    assert_opt_in_warns(tree.path(), "SYSTEM_BANNER_TEXT");
}

/// An MLSpace 1.6.10 checkout laid out for the `basic` reference, or `None` (with a message).
fn mlspace_checkout() -> Option<tempfile::TempDir> {
    let tool = repo_root().join("../shared/tools/mlspace-tree");
    let git_dir = std::env::var_os("MLSPACE_GIT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../.mirror/awslabs+mlspace/repo"));
    if !tool.is_file() || !git_dir.exists() {
        skip(&format!(
            "needs {} and the MLSpace git directory {} (or $MLSPACE_GIT_DIR)",
            tool.display(),
            git_dir.display()
        ));
        return None;
    }
    let temp = tempfile::tempdir().unwrap();
    let status = Command::new("bash")
        .arg(&tool)
        .arg(&git_dir)
        .arg(temp.path().join("mlspace"))
        .arg("basic")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "mlspace-tree failed");
    Some(temp)
}

/// Edit `path` of `tree`, check, and put the file back.
fn with_edit(tree: &Path, path: &str, edit: impl FnOnce(&str) -> String, check: impl FnOnce()) {
    let file = tree.join(path);
    let original = fs::read_to_string(&file).unwrap();
    fs::write(&file, edit(&original)).unwrap();
    check();
    fs::write(&file, original).unwrap();
}

#[test]
fn a_real_checkout_passes_unchanged_and_stops_on_each_kind_of_change() {
    let Some(temp) = mlspace_checkout() else {
        return;
    };
    let tree = temp.path().join("mlspace");
    let tree = tree.as_path();
    assert_passes(tree);

    // Comments and whitespace are no change.
    with_edit(
        tree,
        "lib/stacks/kms.ts",
        |text| format!("// reviewed by ops\n{}\n\n", text.replace("    ", "\t")),
        || assert_passes(tree),
    );
    // Code is.
    with_edit(
        tree,
        "lib/stacks/kms.ts",
        |text| {
            text.replacen(
                "terminationProtection: false",
                "terminationProtection: true",
                1,
            )
        },
        || {
            assert_stops(tree, &["lib/stacks/kms.ts: changed"]);
            assert_opt_in_warns(tree, "lib/stacks/kms.ts: changed");
        },
    );
    with_edit(
        tree,
        "frontend/package.json",
        |text| text.replacen("\"version\": \"1.6.10\"", "\"version\": \"1.7.0\"", 1),
        || assert_stops(tree, &["frontend/package.json: version 1.7.0 (not 1.6.10)"]),
    );
    with_edit(
        tree,
        "cdk.json",
        |text| {
            text.replacen(
                "\"@aws-cdk/core:checkSecretUsage\": true",
                "\"@aws-cdk/core:checkSecretUsage\": false",
                1,
            )
        },
        || {
            assert_stops(
                tree,
                &["context flag @aws-cdk/core:checkSecretUsage: false (1.6.10: true)"],
            )
        },
    );
    with_edit(
        tree,
        "lib/constants.ts",
        |text| format!("{text}\nexport const MY_SETTING = 'x';\n"),
        || {
            assert_stops(
                tree,
                &["export MY_SETTING is not one of MLSpace 1.6.10's constants"],
            )
        },
    );
    let deleted = tree.join("lib/utils/layers.ts");
    let original = fs::read(&deleted).unwrap();
    fs::remove_file(&deleted).unwrap();
    assert_stops(tree, &["lib/utils/layers.ts: deleted"]);
    fs::write(&deleted, original).unwrap();
    assert_passes(tree);
}

/// Replace `path` of `tree` by what `make` creates there, check, and put the file back.
fn with_replaced(tree: &Path, path: &str, make: impl FnOnce(&Path), check: impl FnOnce()) {
    let file = tree.join(path);
    let original = fs::read(&file).unwrap();
    fs::remove_file(&file).unwrap();
    make(&file);
    check();
    let _ = fs::remove_file(&file);
    fs::write(&file, original).unwrap();
}

fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[test]
fn a_real_checkout_is_judged_by_token_values_and_reports_what_it_cannot_read() {
    let Some(temp) = mlspace_checkout() else {
        return;
    };
    let tree = temp.path().join("mlspace");
    let tree = tree.as_path();

    // The quote style of a string and a byte-order mark are no change.
    with_edit(
        tree,
        "lib/stacks/kms.ts",
        |text| {
            format!(
                "\u{feff}{}",
                text.replace("from 'aws-cdk-lib';", "from \"aws-cdk-lib\";")
            )
        },
        || assert_passes(tree),
    );
    // Deep nesting is a change, not a crash.
    with_edit(
        tree,
        "lib/stacks/kms.ts",
        |text| {
            format!(
                "{text}\nconst zz = {}1{};\n",
                "(".repeat(20_000),
                ")".repeat(20_000)
            )
        },
        || assert_stops(tree, &["lib/stacks/kms.ts: changed"]),
    );
    // Files that cannot be read say why.
    with_replaced(tree, "frontend/package.json", mkfifo, || {
        assert_stops(
            tree,
            &["frontend/package.json: a FIFO (named pipe), not a regular file, so no version (not 1.6.10)"],
        )
    });
    with_replaced(
        tree,
        "frontend/package.json",
        |file| std::os::unix::fs::symlink(file, file).unwrap(),
        || assert_stops(tree, &["frontend/package.json: unreadable ("]),
    );
    with_replaced(tree, "lib/stacks/kms.ts", mkfifo, || {
        assert_stops(
            tree,
            &["lib/stacks/kms.ts: a FIFO (named pipe), not a regular file, so it cannot be compared"],
        )
    });
    // Another aws-cdk-lib than 1.6.10's.
    with_edit(
        tree,
        "package.json",
        |text| {
            text.replace(
                "\"aws-cdk-lib\": \"^2.177.0\"",
                "\"aws-cdk-lib\": \"2.230.0\"",
            )
        },
        || {
            assert_stops(
                tree,
                &[
                    "package.json: aws-cdk-lib 2.230.0 in dependencies (1.6.10: ^2.177.0)",
                    "package.json: aws-cdk-lib 2.230.0 in devDependencies (1.6.10: ^2.177.0)",
                ],
            )
        },
    );
    with_edit(
        tree,
        "package-lock.json",
        |text| text.replacen("\"version\": \"2.212.0\"", "\"version\": \"2.230.0\"", 1),
        || {
            assert_stops(
                tree,
                &["package-lock.json: aws-cdk-lib 2.230.0 (1.6.10: 2.212.0)"],
            )
        },
    );
    // A constant of 1.6.10 removed, or no longer exported: the TS app would not compile.
    let missing =
        "lib/constants.ts: does not export S3_READER_ROLE_ARN, one of MLSpace 1.6.10's constants";
    with_edit(
        tree,
        "lib/constants.ts",
        |text| text.replace("export const S3_READER_ROLE_ARN = '';", ""),
        || assert_stops(tree, &[missing]),
    );
    with_edit(
        tree,
        "lib/constants.ts",
        |text| {
            text.replace(
                "export const S3_READER_ROLE_ARN = '';",
                "const S3_READER_ROLE_ARN = '';",
            )
        },
        || assert_stops(tree, &[missing]),
    );
    assert_passes(tree);
}
