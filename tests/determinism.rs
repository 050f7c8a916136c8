//! Synthesis is deterministic: with the synthesis time pinned (`--synth-time`), two synths of the
//! same inputs write the same out dir, byte for byte, staged assets and file modes included:
//! cold or warm, run on its own, in process or under the cdk CLI, with layers prebuilt or built.
//! Nothing is masked. Without a pin the time is the clock's, as the TS app's `Date.now()`.
mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The pinned synthesis time, in milliseconds since the epoch.
const PINNED_MS: &str = "1780315200000";
const API_TEMPLATE: &str = "mlspace-api-deployment.template.json";
const CORE_TEMPLATE: &str = "mlspace-core.template.json";

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `mlspace-cdk ARGS` in `tree` with `MLSPACE_SYNTH_TIME_MS` set to `var` (or removed).
fn run_with_pin_var(tree: &Path, args: &[&str], var: Option<&str>) -> Output {
    let mut command = Command::new(binary());
    command.args(args).current_dir(tree);
    command
        .env_remove("CDK_OUTDIR")
        .env_remove("CDK_CONTEXT_JSON");
    match var {
        Some(value) => command.env("MLSPACE_SYNTH_TIME_MS", value),
        None => command.env_remove("MLSPACE_SYNTH_TIME_MS"),
    };
    command.output().unwrap()
}

/// `mlspace-cdk synth` of `tree` into `out` with the synthesis time pinned.
fn synth_pinned(tree: &Path, out: &Path) -> Output {
    let out = out.to_str().unwrap();
    run_with_pin_var(tree, &["synth", "--synth-time", PINNED_MS, "-o", out], None)
}

/// [`synth_pinned`], which must succeed; returns what it wrote.
fn synth_pinned_tree(tree: &Path, out: &Path) -> BTreeMap<String, Entry> {
    assert_success(&synth_pinned(tree, out), "mlspace-cdk synth");
    read_tree(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Dir,
    File { mode: u32, bytes: Vec<u8> },
    Link(PathBuf),
}

/// Every entry of `dir` by its relative path (`/`-separated).
fn read_tree(dir: &Path) -> BTreeMap<String, Entry> {
    let mut entries = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(dir).unwrap();
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let kind = e.file_type();
        let entry = if kind.is_symlink() {
            Entry::Link(fs::read_link(e.path()).unwrap())
        } else if kind.is_dir() {
            Entry::Dir
        } else {
            Entry::File {
                mode: file_mode(&e.metadata().unwrap()),
                bytes: fs::read(e.path()).unwrap(),
            }
        };
        entries.insert(rel, entry);
    }
    entries
}

#[cfg(unix)]
fn file_mode(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn file_mode(meta: &fs::Metadata) -> u32 {
    meta.permissions().readonly() as u32
}

/// Where two out dirs differ, one line each.
fn differences(a: &BTreeMap<String, Entry>, b: &BTreeMap<String, Entry>) -> Vec<String> {
    let mut found = Vec::new();
    for name in a.keys().filter(|k| !b.contains_key(*k)) {
        found.push(format!("only in the first: {name}"));
    }
    for name in b.keys().filter(|k| !a.contains_key(*k)) {
        found.push(format!("only in the second: {name}"));
    }
    for (name, x) in a {
        let Some(y) = b.get(name) else { continue };
        if x == y {
            continue;
        }
        let detail = match (x, y) {
            (Entry::File { bytes: p, mode: m }, Entry::File { bytes: q, mode: n }) if p == q => {
                format!("mode {m:o} vs {n:o}")
            }
            (Entry::File { bytes: p, .. }, Entry::File { bytes: q, .. }) => {
                first_different_line(p, q)
            }
            _ => format!("{x:?} vs {y:?}"),
        };
        found.push(format!("{name}: {detail}"));
    }
    found
}

fn first_different_line(p: &[u8], q: &[u8]) -> String {
    let (p, q) = (String::from_utf8_lossy(p), String::from_utf8_lossy(q));
    let (mut pl, mut ql) = (p.lines(), q.lines());
    for n in 1.. {
        match (pl.next(), ql.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => break,
            (x, y) => {
                let cut =
                    |s: Option<&str>| s.unwrap_or("<end>").chars().take(300).collect::<String>();
                return format!("line {n}:\n    {}\n    {}", cut(x), cut(y));
            }
        }
    }
    "same lines, different bytes".into()
}

fn assert_same(a: &BTreeMap<String, Entry>, b: &BTreeMap<String, Entry>, what: &str) {
    let found = differences(a, b);
    assert!(
        found.is_empty(),
        "{what}: the out dirs differ:\n{}",
        found.join("\n")
    );
}

#[test]
fn two_cold_synths_write_the_same_bytes() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let first = synth_pinned_tree(tree.path(), &outs.path().join("a"));
    let second = synth_pinned_tree(tree.path(), &outs.path().join("b"));
    assert!(
        first.keys().filter(|k| k.starts_with("asset.")).count() > 0,
        "no staged asset to compare"
    );
    assert_same(&first, &second, "two cold synths");
    // The assembly's own files are written as a plain write writes (the umask decides), not
    // left private by the temporary files they go through.
    let probe = outs.path().join("probe");
    fs::write(&probe, "").unwrap();
    let expected = file_mode(&fs::metadata(&probe).unwrap());
    for (name, entry) in &first {
        if let Entry::File { mode, .. } = entry {
            if !name.starts_with("asset.") {
                assert_eq!(
                    *mode, expected,
                    "{name}: mode {mode:o}, a plain write gives {expected:o}"
                );
            }
        }
    }
    // Prebuilt layer zips: nothing was built.
    assert!(!tree.path().join("build/layer-cache").exists());
}

/// The text of file `name` of an out dir.
fn text_of(entries: &BTreeMap<String, Entry>, name: &str) -> String {
    match entries.get(name) {
        Some(Entry::File { bytes, .. }) => String::from_utf8(bytes.clone()).unwrap(),
        other => panic!("{name}: {other:?}"),
    }
}

/// The pinned time is the one stamped, everywhere MLSpace stamps the synthesis time, and the
/// run says that it is pinned.
#[test]
fn the_pinned_time_is_stamped_and_announced() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let out = outs.path().join("out");
    let output = synth_pinned(tree.path(), &out);
    assert_success(&output, "mlspace-cdk synth");
    let files = read_tree(&out);
    let api = text_of(&files, API_TEMPLATE);
    assert!(
        api.contains(&format!("ApiDeployment{PINNED_MS}")),
        "the API deployment's logical id"
    );
    assert!(text_of(&files, "manifest.json").contains(&format!("/ApiDeployment-{PINNED_MS}/")));
    let core = text_of(&files, CORE_TEMPLATE);
    for call in [
        "cleanupDeprecatedResources",
        "drAttachPoliciesOnDeployLambda",
        "kmsKeyConstraints",
    ] {
        assert!(
            core.contains(&format!("{call}-{PINNED_MS}")),
            "{call}'s physical id"
        );
    }
    let seconds = &PINNED_MS[..10];
    assert!(
        core.contains(&format!(r#"\"createdAt\":{{\"S\":\"{seconds}\""#)),
        "createdAt"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("warning") && stderr.contains(&format!("pinned to {PINNED_MS}")),
        "the run says the time is pinned: {stderr}"
    );
}

/// Unpinned, the synthesis time is the clock's: the API deployment's id holds a time inside
/// the run.
#[test]
fn without_a_pin_the_clock_stamps_the_synthesis() {
    let now_ms = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis()
    };
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let out = outs.path().join("out");
    let from = now_ms();
    let output = run_with_pin_var(tree.path(), &["synth", "-o", out.to_str().unwrap()], None);
    let to = now_ms();
    assert_success(&output, "mlspace-cdk synth");
    assert!(!String::from_utf8_lossy(&output.stderr).contains("pinned"));
    let manifest = fs::read_to_string(out.join("manifest.json")).unwrap();
    let stamp: String = manifest
        .split("/ApiDeployment-")
        .nth(1)
        .expect("the API deployment in the manifest")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let ms: u128 = stamp.parse().unwrap();
    assert!(
        (from..=to).contains(&ms),
        "{ms} is not inside the run ({from}..={to})"
    );
}

/// A pin that is not a 13-digit time stops the synth, naming the flag and the variable, and
/// leaves no manifest in the out dir (not even the last run's).
#[test]
fn a_malformed_pin_stops_the_run() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let out = outs.path().join("out");
    let cases = [
        (Some("12"), None),
        (None, Some("soon")),
        (Some("17803152000001"), None),
        (Some("0000000001234"), None),
        (None, Some(" 1780315200000")),
    ];
    for (flag, var) in cases {
        fs::create_dir_all(&out).unwrap();
        fs::write(out.join("manifest.json"), "{}").unwrap();
        let mut args = vec!["synth", "-o", out.to_str().unwrap()];
        args.extend(flag.iter().flat_map(|v| ["--synth-time", v]));
        let output = run_with_pin_var(tree.path(), &args, var);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let value = flag.or(var).unwrap();
        assert!(!output.status.success(), "{value} was taken");
        assert!(
            stderr.contains(&format!("{value:?} is not a time in milliseconds"))
                && stderr.contains("MLSPACE_SYNTH_TIME_MS"),
            "{value}: {stderr}"
        );
        assert!(
            !out.join("manifest.json").exists(),
            "{value}: a manifest was left"
        );
    }
}

/// The variable is read by synth only: a bad value does not stop other commands, a flag
/// overrides it, and an empty one is unset.
#[test]
fn the_pin_variable_is_read_by_synth_only_and_empty_is_unset() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let show = run_with_pin_var(tree.path(), &["config", "show"], Some("soon"));
    assert_success(&show, "config show with a bad MLSPACE_SYNTH_TIME_MS");
    let out = outs.path().join("flag");
    let args = [
        "synth",
        "--synth-time",
        PINNED_MS,
        "-o",
        out.to_str().unwrap(),
    ];
    let flagged = run_with_pin_var(tree.path(), &args, Some("soon"));
    assert_success(&flagged, "--synth-time over a bad MLSPACE_SYNTH_TIME_MS");
    assert!(fs::read_to_string(out.join(API_TEMPLATE))
        .unwrap()
        .contains(&format!("ApiDeployment{PINNED_MS}")));
    let out = outs.path().join("empty");
    let empty = run_with_pin_var(
        tree.path(),
        &["synth", "-o", out.to_str().unwrap()],
        Some(""),
    );
    assert_success(&empty, "synth with an empty MLSPACE_SYNTH_TIME_MS");
    assert!(!String::from_utf8_lossy(&empty.stderr).contains("pinned"));
    assert!(!fs::read_to_string(out.join(API_TEMPLATE))
        .unwrap()
        .contains(&format!("ApiDeployment{PINNED_MS}")));
}

/// In process, with the time pinned in the arguments, `synth` writes what the binary writes.
#[test]
fn synth_in_process_writes_what_the_binary_writes() {
    use mlspace_cdk::mlspace::run::{synth, LayerBuilderArg, SynthArgs};
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let binary_wrote = synth_pinned_tree(tree.path(), &outs.path().join("binary"));
    let args = SynthArgs {
        output: Some(outs.path().join("in-process")),
        layer_builder: Some(LayerBuilderArg::Local),
        synth_time: Some(PINNED_MS.into()),
        ..SynthArgs::default()
    };
    synth(tree.path(), &args, &|_| None).unwrap();
    assert_same(
        &binary_wrote,
        &read_tree(&outs.path().join("in-process")),
        "the binary and synth() in process",
    );
}

/// Through the cdk CLI, pinned by the variable as an operator would: the same bytes, and the
/// warning reaches the operator.
#[test]
fn the_cdk_cli_writes_what_the_binary_writes() {
    let Some(cli) = require_cdk_cli() else { return };
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let (direct, through_cli) = (outs.path().join("direct"), outs.path().join("cli"));
    let direct = synth_pinned_tree(tree.path(), &direct);
    let output = run_cdk_with(
        &cli,
        tree.path(),
        &[
            "synth",
            "--app",
            binary().to_str().unwrap(),
            "-o",
            through_cli.to_str().unwrap(),
            "-q",
        ],
        &[("MLSPACE_SYNTH_TIME_MS", PINNED_MS)],
    );
    assert_success(&output, "cdk synth");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("pinned to {PINNED_MS}")),
        "the warning: {stderr}"
    );
    assert_same(
        &direct,
        &read_tree(&through_cli),
        "mlspace-cdk synth and cdk synth",
    );
}

/// Every path below the staged assets with its modification time.
fn staged_mtimes(out: &Path) -> BTreeMap<PathBuf, SystemTime> {
    let mut times = BTreeMap::new();
    for top in fs::read_dir(out).unwrap() {
        let top = top.unwrap().path();
        if !top
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("asset.")
        {
            continue;
        }
        for e in walkdir::WalkDir::new(&top) {
            let e = e.unwrap();
            times.insert(
                e.path().to_path_buf(),
                e.path().symlink_metadata().unwrap().modified().unwrap(),
            );
        }
    }
    times
}

#[test]
fn a_warm_synth_keeps_staged_assets_and_writes_the_same_files() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let out = outs.path().join("out");
    let cold = synth_pinned_tree(tree.path(), &out);

    // Age every staged path so that any rewrite shows, whatever the file system's time grain.
    let old = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let before = staged_mtimes(&out);
    assert!(!before.is_empty(), "no staged asset");
    for path in before.keys() {
        if !path.symlink_metadata().unwrap().file_type().is_symlink() {
            let file = fs::File::open(path).unwrap();
            file.set_times(fs::FileTimes::new().set_modified(old))
                .unwrap();
        }
    }
    let aged = staged_mtimes(&out);

    let warm = synth_pinned_tree(tree.path(), &out);
    let after = staged_mtimes(&out);
    let touched: Vec<_> = aged
        .iter()
        .filter(|(p, t)| after.get(*p) != Some(t))
        .map(|(p, _)| p.display().to_string())
        .collect();
    assert!(
        touched.is_empty(),
        "the warm synth rewrote staged assets:\n{}",
        touched.join("\n")
    );
    assert_same(&cold, &warm, "cold then warm synth into one out dir");
    assert!(!tree.path().join("build/layer-cache").exists());
}

#[test]
fn layers_built_by_the_first_synth_are_not_rebuilt_by_the_second() {
    let tree = example_tree(None);
    for layer in ["common", "jwt", "notifier"] {
        fs::remove_file(
            tree.path()
                .join(format!("lambda_dependencies/{layer}_layer.zip")),
        )
        .unwrap();
    }
    let tools = tempfile::tempdir().unwrap();
    let (docker, log) = fake_docker(tools.path(), &[]);
    let outs = tempfile::tempdir().unwrap();
    let run = |out: &Path| {
        Command::new(binary())
            .args([
                "synth",
                "--layer-builder",
                "docker",
                "--synth-time",
                PINNED_MS,
                "-o",
            ])
            .arg(out)
            .current_dir(tree.path())
            .env("MLSPACE_DOCKER", &docker)
            .env_remove("CDK_OUTDIR")
            .env_remove("CDK_CONTEXT_JSON")
            .output()
            .unwrap()
    };
    let (a, b) = (outs.path().join("a"), outs.path().join("b"));
    assert_success(&run(&a), "synth with the docker stand-in");
    // One build per recipe: the notifier layer is the common recipe again.
    assert_eq!(
        docker_runs(&log).len(),
        2,
        "docker runs after the first synth"
    );
    assert_success(&run(&b), "second synth with the docker stand-in");
    assert_eq!(docker_runs(&log).len(), 2, "the second synth ran docker");
    assert_same(
        &read_tree(&a),
        &read_tree(&b),
        "two synths with built layers",
    );
}
