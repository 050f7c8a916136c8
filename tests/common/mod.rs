//! Shared helpers of the integration tests: example trees, the real cdk CLI, the reference.
#![allow(dead_code)]
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The stacks of the MLSpace app, in the order the TS app creates them.
pub const MLSPACE_STACKS: [&str; 18] = [
    "mlspace-vpc",
    "mlspace-kms",
    "mlspace-iam",
    "mlspace-core",
    "mlspace-sagemaker",
    "mlspace-web-tier",
    "mlspace-admin-apis",
    "mlspace-dataset-apis",
    "mlspace-inference-apis",
    "mlspace-jobs-apis",
    "mlspace-notebook-apis",
    "mlspace-project-apis",
    "mlspace-emr-apis",
    "mlspace-app-config-apis",
    "mlspace-group-apis",
    "mlspace-group-membership-history-apis",
    "mlspace-translate-apis",
    "mlspace-api-deployment",
];

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mlspace-cdk"))
}

/// `../shared` beside the repository, if this machine has it.
pub fn shared() -> Option<PathBuf> {
    let p = repo_root().join("../shared");
    p.join("reference").is_dir().then_some(p)
}

pub fn skip(reason: &str) {
    eprintln!("SKIPPED: {reason}");
}

/// Names of the reference configurations (folders of ../shared/reference with a config).
pub fn reference_configs(shared: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(shared.join("reference"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .filter(|e| e.path().join("config.json.input").is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Copies a folder tree (files and directories), in name order.
pub fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&dest).unwrap();
        } else {
            fs::copy(entry.path(), &dest).unwrap();
        }
    }
}

/// A `docker` in `dir` that runs the repository's stand-in (tests/fake-docker/docker) with the
/// given settings exported; returns its path and the log where it records each `docker run`.
pub fn fake_docker(dir: &Path, settings: &[(&str, &str)]) -> (String, PathBuf) {
    let log = dir.join("docker.log");
    let stand_in = repo_root().join("tests/fake-docker/docker");
    let mut script = String::from("#!/usr/bin/env bash\n");
    script.push_str(&format!("export FAKE_DOCKER_LOG='{}'\n", log.display()));
    for (k, v) in settings {
        script.push_str(&format!("export {k}='{v}'\n"));
    }
    script.push_str(&format!("exec '{}' \"$@\"\n", stand_in.display()));
    let path = dir.join("docker");
    write_executable(&path, &script);
    (path.display().to_string(), log)
}

/// Writes an executable script at `path` from a child process.
///
/// Written from this process, the file could not be run reliably: tests run in threads, and a
/// child forked by another thread while our write descriptor is open holds a copy of it until
/// that child execs, so running the script in that window fails with ETXTBSY ("Text file
/// busy"). A descriptor that only ever lived in a short-lived `sh` cannot leak that way.
pub fn write_executable(path: &Path, text: &str) {
    let mut child = Command::new("/bin/sh")
        .args([
            "-c",
            "cat > \"$0\" && chmod 755 \"$0\"",
            &path.display().to_string(),
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    assert!(
        child.wait().unwrap().success(),
        "writing {}",
        path.display()
    );
}

/// The `docker run` lines a [`fake_docker`] logged.
pub fn docker_runs(log: &Path) -> Vec<String> {
    fs::read_to_string(log)
        .map(|s| s.lines().map(String::from).collect())
        .unwrap_or_default()
}

/// Writes `bytes` to `path`, creating its folders.
pub fn write_file(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

/// The asset tests' exclude fixture below `root`: compiled Python, build folders, docs, an
/// `.env` and the `.is_custom_resource` marker aws-cdk-lib always leaves out; each file holds
/// its own relative path.
pub fn excludes_tree(root: &Path) {
    for f in [
        "a.py",
        "a.pyc",
        "keep.pyc",
        "sub/b.pyc",
        "build/x",
        "sub/build/y",
        "docs/r.md",
        "docs/sub/s.md",
    ] {
        write_file(&root.join(f), f.as_bytes());
    }
    write_file(&root.join(".is_custom_resource"), b"");
    write_file(&root.join(".env"), b"secret");
}

/// A deterministic layer zip holding `python/<name>.py`.
pub fn write_layer_zip(path: &Path, name: &str) {
    let file = fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let opts = zip::write::SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    zip.start_file(format!("python/{name}.py"), opts).unwrap();
    zip.write_all(format!("# example layer module {name}\n").as_bytes())
        .unwrap();
    zip.finish().unwrap();
}

/// The repository's example MLSpace tree in a temp dir, with a frontend build and prebuilt
/// layer zips, optionally with another configuration's config.json / cdk.context.json.
pub fn example_tree(config: Option<(&Path, &Path)>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo_root().join("examples/mlspace"), dir.path());
    fs::create_dir_all(dir.path().join("frontend/build")).unwrap();
    fs::write(
        dir.path().join("frontend/build/index.html"),
        "<html>example</html>\n",
    )
    .unwrap();
    fs::create_dir_all(dir.path().join("lambda_dependencies")).unwrap();
    for layer in ["common", "jwt", "notifier"] {
        write_layer_zip(
            &dir.path()
                .join(format!("lambda_dependencies/{layer}_layer.zip")),
            layer,
        );
    }
    if let Some((config_json, context_json)) = config {
        fs::copy(config_json, dir.path().join("lib/config.json")).unwrap();
        fs::copy(context_json, dir.path().join("cdk.context.json")).unwrap();
    }
    dir
}

/// Add `"LAMBDA_ARCHITECTURE"` from a reference's LAMBDA_ARCHITECTURE.input, as mlspace-tree does.
pub fn apply_architecture(reference: &Path, tree: &Path) {
    let arch = reference.join("LAMBDA_ARCHITECTURE.input");
    if let Ok(a) = fs::read_to_string(arch) {
        let path = tree.join("lib/config.json");
        let mut cfg = read_json(&path);
        cfg["LAMBDA_ARCHITECTURE"] = serde_json::Value::String(a.trim().to_string());
        fs::write(path, serde_json::to_string_pretty(&cfg).unwrap()).unwrap();
    }
}

/// The cdk CLI: $CDK_CLI, or node_modules/.bin/cdk of this repository.
pub fn cdk_cli() -> Option<PathBuf> {
    if let Some(p) = std::env::var("CDK_CLI").ok().filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let local = repo_root().join("node_modules/.bin/cdk");
    local.is_file().then_some(local)
}

/// The cdk CLI or, in CI (where .ci/run installs it), a failure.
pub fn require_cdk_cli() -> Option<PathBuf> {
    match cdk_cli() {
        Some(p) => Some(p),
        None if std::env::var("CI").is_ok() => {
            panic!("the cdk CLI is not installed (run `npm install` at the repository root)")
        }
        None => {
            skip("the cdk CLI is not installed; run `npm install` at the repository root");
            None
        }
    }
}

pub fn run_cdk(cli: &Path, cwd: &Path, args: &[&str]) -> Output {
    run_cdk_with(cli, cwd, args, &[])
}

/// [`run_cdk`] with variables `vars` set for the CLI and the app it runs.
pub fn run_cdk_with(cli: &Path, cwd: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    Command::new(cli)
        .args(args)
        .envs(vars.iter().copied())
        // Without it the CLI fetches its notices from the internet after a command.
        .arg("--no-notices")
        .current_dir(cwd)
        .env("CDK_DISABLE_VERSION_CHECK", "1")
        .env("CDK_DISABLE_CLI_TELEMETRY", "true")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .output()
        .expect("running the cdk CLI")
}

/// Run our binary's `synth` in `cwd`.
/// A JSON file's value; panics naming the file.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// [`synth`] of `tree` into `tree/out`, which must succeed (else panics with its stderr, after
/// `what`); returns the out dir.
pub fn synth_ok(tree: &Path, what: &str) -> PathBuf {
    let out_dir = tree.join("out");
    let out = synth(tree, &out_dir);
    assert!(
        out.status.success(),
        "{what}synth failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out_dir
}

pub fn synth(cwd: &Path, out: &Path) -> Output {
    Command::new(binary())
        .args(["synth", "-o"])
        .arg(out)
        .current_dir(cwd)
        .env_remove("CDK_OUTDIR")
        .env_remove("CDK_CONTEXT_JSON")
        .output()
        .unwrap()
}

/// The example tree laid out with reference configuration `name`'s config.json, context and
/// architecture (as mlspace-tree lays out MLSpace), then `edit`ed and synthesized into `out`.
/// Returns the tree (kept alive by the caller) and the out dir; panics naming the configuration
/// when synthesis fails.
pub fn synth_reference_config(
    shared: &Path,
    name: &str,
    edit: impl FnOnce(&Path),
) -> (tempfile::TempDir, PathBuf) {
    let reference = shared.join("reference").join(name);
    let tree = example_tree(Some((
        &reference.join("config.json.input"),
        &reference.join("cdk.context.json.input"),
    )));
    apply_architecture(&reference, tree.path());
    edit(tree.path());
    let out_dir = synth_ok(tree.path(), &format!("{name}: "));
    (tree, out_dir)
}

/// `stacks` of reference configuration `name`, synthesized by [`synth_reference_config`], must
/// match the reference with no finding at all.
pub fn assert_stacks_match_reference(shared: &Path, name: &str, stacks: &[&str]) {
    let (_tree, out_dir) = synth_reference_config(shared, name, |_| {});
    let reference = shared.join("reference").join(name);
    let (ok, report) = cfn_parity(shared, &reference, &out_dir, stacks);
    assert!(ok, "{name}:\n{report}");
    let findings = parity_findings(&report);
    assert!(
        findings.is_empty(),
        "{name}: findings:\n{}",
        findings.join("\n")
    );
}

/// Run ../shared/tools/cfn-parity; returns (success, output).
pub fn cfn_parity(
    shared: &Path,
    reference: &Path,
    candidate: &Path,
    stacks: &[&str],
) -> (bool, String) {
    let mut cmd = Command::new(shared.join("tools/cfn-parity"));
    cmd.arg(reference)
        .arg(candidate)
        .arg("--deviations")
        .arg(repo_root().join("tests/parity/deviations.json"));
    for s in stacks {
        cmd.args(["--stack", s]);
    }
    let out = cmd.output().expect("running cfn-parity");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// Lines of a cfn-parity report that are findings (a missing/extra/differing element or a
/// manifest or asset difference), as opposed to the per-stack summaries.
pub fn parity_findings(report: &str) -> Vec<String> {
    report
        .lines()
        .filter(|l| {
            ["  - ", "  + ", "  ~ ", "  ! "]
                .iter()
                .any(|p| l.starts_with(p))
        })
        .map(str::to_string)
        .collect()
}
