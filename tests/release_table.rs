//! The release guard's table (src/config/release_table.rs) is derived from an MLSpace checkout,
//! never edited by hand. This test derives it again and compares, from `$MLSPACE_CHECKOUT` (an
//! unmodified checkout of the release) or else from the MLSpace git directory
//! (`$MLSPACE_GIT_DIR`, or ../.mirror/awslabs+mlspace/repo) at the release commit; with
//! `MLSPACE_WRITE_RELEASE_TABLE=1` it writes the table instead (what `scripts/release-table.sh`
//! does). With neither it skips with a message.
mod common;
use common::*;

use std::path::PathBuf;
use std::process::Command;

/// MLSpace 1.6.10, the release mlspace-cdk reproduces (also in scripts/release-table.sh).
const RELEASE_COMMIT: &str = "8301680945775e78cba7fe1c6812776f20a9b502";

/// The files the table is derived from, extracted from the git directory at the release.
fn checkout_from_git() -> Option<tempfile::TempDir> {
    let git_dir = std::env::var_os("MLSPACE_GIT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../.mirror/awslabs+mlspace/repo"));
    if !git_dir.exists() {
        return None;
    }
    let temp = tempfile::tempdir().unwrap();
    let tar = temp.path().join("release.tar");
    let status = Command::new("git")
        .arg(format!("--git-dir={}", git_dir.display()))
        .args(["archive", "-o"])
        .arg(&tar)
        .args([
            RELEASE_COMMIT,
            "bin",
            "lib",
            "cdk.json",
            "frontend/package.json",
            "package.json",
            "package-lock.json",
        ])
        .status()
        .unwrap();
    assert!(status.success(), "git archive {RELEASE_COMMIT} failed");
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&tar)
        .arg("-C")
        .arg(temp.path())
        .status()
        .unwrap();
    assert!(status.success(), "extracting {RELEASE_COMMIT} failed");
    Some(temp)
}

#[test]
fn release_table_matches_the_release() {
    let extracted;
    let checkout = match std::env::var_os("MLSPACE_CHECKOUT").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => match checkout_from_git() {
            Some(temp) => {
                extracted = temp;
                extracted.path().to_path_buf()
            }
            None => {
                return skip(
                    "neither MLSPACE_CHECKOUT (an MLSpace 1.6.10 checkout) nor the MLSpace git directory is available",
                )
            }
        },
    };
    let table = mlspace_cdk::config::release_guard::render_release_table(&checkout)
        .unwrap_or_else(|e| panic!("{e}"));
    let path = repo_root().join("src/config/release_table.rs");
    if std::env::var("MLSPACE_WRITE_RELEASE_TABLE").as_deref() == Ok("1") {
        std::fs::write(&path, &table).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap();
    assert!(
        committed == table,
        "{} is not what {} derives; run scripts/release-table.sh",
        path.display(),
        checkout.display()
    );
}
