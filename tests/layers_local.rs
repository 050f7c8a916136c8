//! The local (pip) layer builder, for real: downloads a small binary wheel from PyPI for
//! each Lambda architecture and checks the machine type of every shared object.
//! Needs network access to PyPI and `python3` with pip; set MLSPACE_SKIP_NETWORK_TESTS=1 to skip.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use mlspace_cdk::cdk::assets::AssetSource;
use mlspace_cdk::cdk::lambda_runtimes::LambdaRuntime;
use mlspace_cdk::constructs::lambda::Architecture;
use mlspace_cdk::mlspace::layers::{resolve_layer_with, BuildTools, LayerBuilder, LayerRequest};

fn skip() -> bool {
    let python_ok = std::process::Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if std::env::var_os("MLSPACE_SKIP_NETWORK_TESTS").is_some() || !python_ok {
        eprintln!("skipping: network tests disabled or python3 -m pip unavailable");
        return true;
    }
    false
}

/// A `python3` wrapper in `dir` that logs each call; returns it and its log.
fn logging_python(dir: &Path) -> (String, PathBuf) {
    let log = dir.join("python.log");
    let path = dir.join("python3");
    common::write_executable(
        &path,
        &format!(
            "#!/usr/bin/env bash\necho call >> '{}'\nexec python3 \"$@\"\n",
            log.display()
        ),
    );
    (path.display().to_string(), log)
}

/// ELF e_machine of every `.so` below `dir`.
fn shared_object_machines(dir: &Path) -> Vec<(PathBuf, u16)> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && (name.ends_with(".so") || name.contains(".so.")) {
            let bytes = fs::read(entry.path()).unwrap();
            assert_eq!(
                &bytes[..4],
                b"\x7fELF",
                "{} is not ELF",
                entry.path().display()
            );
            out.push((
                entry.path().to_path_buf(),
                u16::from_le_bytes([bytes[18], bytes[19]]),
            ));
        }
    }
    out
}

#[test]
fn local_layers_hold_binaries_for_the_target_architecture() {
    if skip() {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let recipe = root.path().join("lambda_dependencies/tiny");
    fs::create_dir_all(&recipe).unwrap();
    fs::write(
        recipe.join("create.sh"),
        "# not used by the local builder\n",
    )
    .unwrap();
    fs::write(recipe.join("requirements.txt"), "simplejson\n").unwrap();
    let (python, log) = logging_python(root.path());
    // No Docker engine answers: Auto falls back to the local builder.
    let tools = BuildTools::new("/nonexistent/docker", python);

    for (architecture, machine) in [(Architecture::Arm64, 0xB7u16), (Architecture::X86_64, 0x3E)] {
        let req = LayerRequest::new("tiny", "tiny", LambdaRuntime::PYTHON_3_11, architecture);
        let AssetSource::Directory(built) =
            resolve_layer_with(root.path(), &req, LayerBuilder::Auto, &tools).unwrap()
        else {
            panic!("expected a directory");
        };
        assert!(built.join("python/simplejson/__init__.py").is_file());
        let objects = shared_object_machines(&built);
        assert!(
            !objects.is_empty(),
            "simplejson should bring its compiled speedups"
        );
        for (path, found) in objects {
            assert_eq!(
                found,
                machine,
                "{} is for machine {found:#x}, not {architecture}",
                path.display()
            );
        }
    }
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 2);

    // Second resolve of both: from the cache, pip is not run again.
    for architecture in [Architecture::Arm64, Architecture::X86_64] {
        let req = LayerRequest::new("tiny", "tiny", LambdaRuntime::PYTHON_3_11, architecture);
        resolve_layer_with(root.path(), &req, LayerBuilder::Local, &tools).unwrap();
    }
    assert_eq!(fs::read_to_string(&log).unwrap().lines().count(), 2);
}
