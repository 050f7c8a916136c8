//! Option 2 against the TS app: ../shared/reference/constants-ts has no lib/config.json, only
//! edits of lib/constants.ts (applied by ../shared/tools/mlspace-tree to an MLSpace 1.6.10
//! checkout from the MLSpace git directory). Our binary, run by the real cdk CLI in that tree,
//! must match the reference in every stack. Skips where ../shared, the git directory or the cdk
//! CLI is absent.
mod common;
use common::*;

use std::path::PathBuf;
use std::process::Command;

#[test]
fn constants_ts_reference_matches_through_the_cdk_cli() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    let reference = shared.join("reference/constants-ts");
    if !reference.join("constants.edits.json").is_file() {
        return skip("../shared/reference/constants-ts is absent");
    }
    let git_dir = std::env::var_os("MLSPACE_GIT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../.mirror/awslabs+mlspace/repo"));
    if !git_dir.exists() {
        return skip(&format!(
            "the MLSpace git directory {} (or $MLSPACE_GIT_DIR) is absent",
            git_dir.display()
        ));
    }
    let Some(cli) = require_cdk_cli() else {
        return;
    };
    let temp = tempfile::tempdir().unwrap();
    let tree = temp.path().join("mlspace");
    let status = Command::new("bash")
        .arg(shared.join("tools/mlspace-tree"))
        .arg(&git_dir)
        .arg(&tree)
        .arg("constants-ts")
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "mlspace-tree failed");
    assert!(!tree.join("lib/config.json").exists());

    let out_dir = temp.path().join("cdk.out");
    let out = run_cdk(
        &cli,
        &tree,
        &[
            "synth",
            "--app",
            binary().to_str().unwrap(),
            "-o",
            out_dir.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(
        out.status.success(),
        "cdk synth failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, report) = cfn_parity(&shared, &reference, &out_dir, &[]);
    assert!(ok, "{report}");
    let summary = report
        .lines()
        .find(|l| l.starts_with("parity:"))
        .unwrap_or_else(|| panic!("no summary in:\n{report}"));
    assert!(
        summary.contains("(100.0%;")
            && summary.contains(" 0 differ, 0 missing, 0 extra, 0 stacks missing"),
        "{report}"
    );
    // compat: the asset-count notes come from the declared deviations (our own handlers, no AWS
    // CLI layer) and appear for every reference; every other finding fails.
    let findings: Vec<String> = parity_findings(&report)
        .into_iter()
        .filter(|l| !l.starts_with("  ! assets: "))
        .collect();
    assert!(findings.is_empty(), "findings:\n{}", findings.join("\n"));
}
