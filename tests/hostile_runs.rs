//! Hostile runs: concurrent synths into one out dir, the cdk CLI's lock, and runs killed or
//! interrupted while staging assets. (Hostile input files are in `tests/hostile_input.rs`.)
mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{binary, example_tree, read_json, run_cdk};
use sha2::{Digest, Sha256};

/// Our binary as a standalone `synth -o out` in `tree`, temporary files going to `tmp`.
fn spawn_synth(tree: &Path, out: &Path, tmp: &Path) -> Child {
    Command::new(binary())
        .args(["synth", "-o"])
        .arg(out)
        .current_dir(tree)
        .env_remove("CDK_OUTDIR")
        .env_remove("CDK_CONTEXT_JSON")
        .env_remove("CDK_CLI_VERSION")
        .env("TMPDIR", tmp)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Wait for `child` (at most 120 s); its exit code and stderr.
fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code(), stderr)
}

fn sha256_file(path: &Path) -> String {
    format!("{:x}", Sha256::digest(fs::read(path).unwrap()))
}

/// Check that the assembly in `out` is self-consistent: every stack's template hashes to what
/// the manifest and the stack's asset manifest say, every logical id the manifest names is in
/// the template, every asset the asset manifests name is staged. Returns the stack count.
fn assert_self_consistent(out: &Path) -> usize {
    let manifest = read_json(&out.join("manifest.json"));
    let mut stacks = 0;
    for (name, artifact) in manifest["artifacts"].as_object().unwrap() {
        match artifact["type"].as_str().unwrap() {
            "aws:cloudformation:stack" => {
                stacks += 1;
                let props = &artifact["properties"];
                let file = props["templateFile"].as_str().unwrap();
                let hash = sha256_file(&out.join(file));
                let url = props["stackTemplateAssetObjectUrl"].as_str().unwrap();
                assert!(
                    url.ends_with(&format!("/{hash}.json")),
                    "{name}: {file} hashes to {hash}, the manifest says {url}"
                );
                let template = read_json(&out.join(file));
                for (path, entries) in artifact["metadata"].as_object().unwrap() {
                    for entry in entries.as_array().unwrap() {
                        if entry["type"] == "aws:cdk:logicalId" {
                            let id = entry["data"].as_str().unwrap();
                            let found =
                                ["Resources", "Outputs", "Parameters", "Conditions", "Rules"]
                                    .iter()
                                    .any(|section| template[section].get(id).is_some());
                            assert!(found, "{name}: {path} names {id}, which {file} lacks");
                        }
                    }
                }
            }
            "cdk:asset-manifest" => {
                let file = artifact["properties"]["file"].as_str().unwrap();
                let assets = read_json(&out.join(file));
                for (hash, entry) in assets["files"].as_object().unwrap() {
                    let source = entry["source"]["path"].as_str().unwrap();
                    let path = out.join(source);
                    assert!(path.exists(), "{file}: {source} is not in the out dir");
                    if source.ends_with(".template.json") {
                        assert_eq!(&sha256_file(&path), hash, "{file}: {source}");
                    }
                }
            }
            _ => {}
        }
    }
    assert_eq!(stacks, common::MLSPACE_STACKS.len());
    stacks
}

/// Entries of `out` an interrupted run could leave: staging folders, files being written, the lock.
fn leftovers(out: &Path) -> Vec<String> {
    let Ok(entries) = fs::read_dir(out) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.contains(".staging-") || n.starts_with(".mlspace-cdk.") || n.ends_with(".lock")
        })
        .collect()
}

fn staging_in_progress(out: &Path) -> bool {
    fs::read_dir(out).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().contains(".staging-"))
    })
}

fn staged_count(out: &Path) -> usize {
    fs::read_dir(out).map_or(0, |entries| {
        entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("asset."))
            .count()
    })
}

/// Every path below `root`.
fn listing(root: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .map(|e| e.unwrap().path().to_path_buf())
        .collect()
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {sig}");
}

/// The example tree with larger sources, so that staging them takes a while.
fn large_tree() -> tempfile::TempDir {
    let tree = example_tree(None);
    let chunk: Vec<u8> = (0..131_072u32).map(|i| (i % 251) as u8).collect();
    for i in 0..150 {
        let dir = tree
            .path()
            .join(format!("backend/src/ml_space_lambda/bulk{}", i % 10));
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(format!("data{i}.bin")), &chunk).unwrap();
    }
    tree
}

/// Poll (busy, for a short window) until `cond` holds or `child` ends; true when it held first.
fn when(child: &mut Child, timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if cond() {
            return true;
        }
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::yield_now();
    }
    false
}

#[test]
fn two_standalone_synths_into_one_out_dir_never_leave_a_mixed_assembly() {
    let a = example_tree(None);
    let b = example_tree(None);
    // Another configuration: other bucket names and tags, so the templates differ.
    let config = b.path().join("lib/config.json");
    let mut value = read_json(&config);
    value["DATA_BUCKET_NAME"] = "other-data".into();
    value["SYSTEM_TAG"] = "Other".into();
    fs::write(&config, value.to_string()).unwrap();

    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    let out = work.path().join("out");
    let (mut succeeded, mut refused) = (0, 0);
    for round in 0..12 {
        // Different configurations either way round, and the same one twice.
        let (first, second) = match round % 3 {
            0 => (&a, &b),
            1 => (&b, &a),
            _ => (&a, &a),
        };
        let one = spawn_synth(first.path(), &out, &tmp);
        let two = spawn_synth(second.path(), &out, &tmp);
        let mut ok_this_round = 0;
        for (code, stderr) in [finish(one), finish(two)] {
            match code {
                Some(0) => ok_this_round += 1,
                Some(1) => {
                    assert!(
                        stderr.contains("is synthesizing into") && stderr.contains("-o DIR"),
                        "round {round}: {stderr}"
                    );
                    refused += 1;
                }
                other => panic!("round {round}: exit {other:?}: {stderr}"),
            }
        }
        assert!(ok_this_round >= 1, "round {round}: neither run succeeded");
        succeeded += ok_this_round;
        assert_self_consistent(&out);
        assert!(leftovers(&out).is_empty(), "{:?}", leftovers(&out));
    }
    eprintln!("{succeeded} runs succeeded, {refused} were refused by the lock");
    assert_eq!(
        fs::read_dir(&tmp).unwrap().count(),
        0,
        "temporary files were left"
    );
}

#[test]
fn our_lock_keeps_the_cdk_cli_out() {
    let Some(cli) = common::require_cdk_cli() else {
        return;
    };
    let tree = large_tree();
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    for attempt in 0..10 {
        let out = work.path().join(format!("out{attempt}"));
        let mut child = spawn_synth(tree.path(), &out, &tmp);
        let pid = child.id().to_string();
        let held = when(&mut child, Duration::from_secs(30), || {
            fs::read_to_string(out.join("synth.lock")).is_ok_and(|p| p == pid)
        });
        if !held {
            finish(child);
            continue;
        }
        signal(&child, "-STOP");
        let cdk = run_cdk(
            &cli,
            tree.path(),
            &[
                "synth",
                "--app",
                binary().to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--quiet",
            ],
        );
        signal(&child, "-CONT");
        let stderr = String::from_utf8_lossy(&cdk.stderr);
        assert!(
            !cdk.status.success(),
            "the CLI synthesized into a locked dir"
        );
        assert!(
            stderr.contains(&format!("PID={pid}")) && stderr.contains("is currently synthing"),
            "{stderr}"
        );
        let (code, stderr) = finish(child);
        assert_eq!(code, Some(0), "{stderr}");
        assert_self_consistent(&out);
        assert!(!out.join("synth.lock").exists());
        return;
    }
    panic!("never saw our synth holding synth.lock");
}

#[test]
fn the_cdk_clis_lock_keeps_us_out() {
    let Some(cli) = common::require_cdk_cli() else {
        return;
    };
    let tree = example_tree(None);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    // An app that takes its time: the CLI holds synth.lock while it runs.
    let app = work.path().join("slow-app.sh");
    common::write_executable(&app, "#!/bin/sh\nsleep 4\n");
    let mut cdk = Command::new(&cli)
        .args([
            "synth",
            "--app",
            app.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--quiet",
            "--no-notices",
        ])
        .current_dir(tree.path())
        .env("CDK_DISABLE_VERSION_CHECK", "1")
        .env("CDK_DISABLE_CLI_TELEMETRY", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let held = when(&mut cdk, Duration::from_secs(30), || {
        out.join("synth.lock").exists()
    });
    assert!(held, "the CLI never took synth.lock");
    let holder = fs::read_to_string(out.join("synth.lock")).unwrap();
    let ours = spawn_synth(tree.path(), &out, work.path());
    let (code, stderr) = finish(ours);
    let _ = cdk.kill();
    let _ = cdk.wait();
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another process (PID {holder}) is synthesizing into"
        )),
        "{stderr}"
    );
    assert!(!out.join("manifest.json").exists());
}

#[test]
fn a_cdk_reader_keeps_us_out_and_a_dead_one_does_not() {
    let tree = example_tree(None);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    fs::create_dir(&out).unwrap();
    // What `cdk deploy` holds while it reads an assembly: read.<pid>.<n>.lock, a live pid.
    let reader = Command::new("sleep").arg("30").spawn().unwrap();
    let lock = out.join(format!("read.{}.1.lock", reader.id()));
    fs::write(&lock, reader.id().to_string()).unwrap();
    let (code, stderr) = finish(spawn_synth(tree.path(), &out, work.path()));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "another process (PID {}) is reading the assembly",
            reader.id()
        )),
        "{stderr}"
    );
    assert!(!out.join("manifest.json").exists());

    let mut reader = reader;
    reader.kill().unwrap();
    reader.wait().unwrap();
    let (code, stderr) = finish(spawn_synth(tree.path(), &out, work.path()));
    assert_eq!(code, Some(0), "a stale reader lock is removed: {stderr}");
    assert!(!lock.exists());
    assert_self_consistent(&out);
}

#[test]
fn run_by_the_cdk_cli_we_take_no_lock_of_our_own() {
    let tree = example_tree(None);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    fs::create_dir(&out).unwrap();
    // The CLI's writer lock, held by a live process standing in for the CLI.
    let holder = Command::new("sleep").arg("30").spawn().unwrap();
    fs::write(out.join("synth.lock"), holder.id().to_string()).unwrap();
    let run = |cli_version: Option<&str>| {
        let mut cmd = Command::new(binary());
        cmd.current_dir(tree.path())
            .env("CDK_OUTDIR", &out)
            .env("CDK_CONTEXT_JSON", "{}")
            .env("TMPDIR", work.path());
        match cli_version {
            Some(v) => cmd.env("CDK_CLI_VERSION", v),
            None => cmd.env_remove("CDK_CLI_VERSION"),
        };
        cmd.output().unwrap()
    };
    // CDK_OUTDIR without CDK_CLI_VERSION: not the CLI, so the lock applies.
    let alone = run(None);
    assert_eq!(alone.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&alone.stderr).contains("is synthesizing into"));
    let by_cli = run(Some("2.1148.1"));
    assert!(
        by_cli.status.success(),
        "{}",
        String::from_utf8_lossy(&by_cli.stderr)
    );
    assert!(out.join("manifest.json").is_file());
    assert_eq!(
        fs::read_to_string(out.join("synth.lock")).unwrap(),
        holder.id().to_string(),
        "the CLI's lock is the CLI's to release"
    );
    let mut holder = holder;
    holder.kill().unwrap();
    holder.wait().unwrap();
}

#[test]
fn runs_killed_while_staging_leave_nothing_a_good_run_does_not_remove() {
    let tree = large_tree();
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    let out = work.path().join("out");
    let tree_before = listing(tree.path());
    let mut killed_while_staging = 0;
    // Several moments: the first staging folder, then after 1, 2, 4 and 6 staged assets.
    for staged in [0, 1, 2, 4, 6] {
        if out.exists() {
            fs::remove_dir_all(&out).unwrap();
        }
        let mut child = spawn_synth(tree.path(), &out, &tmp);
        let at_moment = when(&mut child, Duration::from_secs(60), || {
            staging_in_progress(&out) && staged_count(&out) >= staged
        });
        if at_moment {
            signal(&child, "-KILL");
            killed_while_staging += 1;
        }
        let _ = child.wait();
        if out.join("manifest.json").exists() {
            assert_self_consistent(&out);
        }
        // The next good run sweeps what the killed one left.
        let (code, stderr) = finish(spawn_synth(tree.path(), &out, &tmp));
        assert_eq!(code, Some(0), "{stderr}");
        assert!(
            leftovers(&out).is_empty(),
            "after a good run: {:?}",
            leftovers(&out)
        );
        assert_self_consistent(&out);
    }
    assert!(
        killed_while_staging >= 2,
        "only {killed_while_staging} kills hit staging"
    );
    assert_eq!(listing(tree.path()), tree_before, "the checkout changed");
    let left: Vec<PathBuf> = fs::read_dir(&tmp)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

#[test]
fn an_interrupted_run_removes_its_staging_folder_and_lock_at_once() {
    let tree = large_tree();
    let work = tempfile::tempdir().unwrap();
    let tmp = work.path().join("tmp");
    fs::create_dir(&tmp).unwrap();
    for (attempt, sig) in ["-TERM", "-INT", "-TERM", "-INT"].iter().enumerate() {
        let out = work.path().join(format!("out{attempt}"));
        let mut child = spawn_synth(tree.path(), &out, &tmp);
        if !when(&mut child, Duration::from_secs(60), || {
            staging_in_progress(&out)
        }) {
            finish(child);
            continue;
        }
        signal(&child, sig);
        let (code, _) = finish(child);
        let expected = if *sig == "-TERM" { 143 } else { 130 };
        assert_eq!(code, Some(expected), "{sig}");
        assert!(leftovers(&out).is_empty(), "{sig}: {:?}", leftovers(&out));
        assert!(!out.join("manifest.json").exists());
        assert_eq!(fs::read_dir(&tmp).unwrap().count(), 0);
        return;
    }
    panic!("never caught a run while staging");
}

#[test]
fn a_fifo_in_place_of_the_lock_is_a_stale_lock_not_a_hang() {
    let tree = example_tree(None);
    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("out");
    fs::create_dir(&out).unwrap();
    let status = Command::new("mkfifo")
        .arg(out.join("synth.lock"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut child = spawn_synth(tree.path(), &out, work.path());
    let start = Instant::now();
    let mut ended = false;
    while start.elapsed() < Duration::from_secs(60) && !ended {
        ended = child.try_wait().unwrap().is_some();
        std::thread::sleep(Duration::from_millis(20));
    }
    if !ended {
        let _ = child.kill();
    }
    let (code, stderr) = finish(child);
    assert!(ended, "the run hung on a FIFO synth.lock");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!out.join("synth.lock").exists());
    assert_self_consistent(&out);
}
