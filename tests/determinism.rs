//! Synthesis is deterministic: two synths of the same inputs write the same out dir, byte for
//! byte, except the values MLSpace makes new on every synthesis on purpose:
//!
//! - the API deployment's construct id `ApiDeployment-<ms>` (so its logical id, its
//!   `aws:cdk:path` and the manifest's metadata key), which makes every deploy redeploy the API;
//! - the physical ids `<call>-<ms>` of three SDK calls in mlspace-core, which make them run on
//!   every deploy, and the `createdAt` seconds of the initial app configuration item;
//! - what is derived from those two templates' bytes: their sha256 (asset key, object key and
//!   `stackTemplateAssetObjectUrl`) and the destination hash next to it in `*.assets.json`.
//!
//! Each of these is found from the structure it belongs to, checked (a time inside the window of
//! the run, a logical id recomputed from its path, a hash recomputed from the bytes) and only then
//! blanked; everything else, staged assets included, must be equal byte for byte.
mod common;
use common::*;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mlspace_cdk::cdk::logical_id::make_unique_id;
use sha2::{Digest, Sha256};

const API_STACK: &str = "mlspace-api-deployment";
const CORE_STACK: &str = "mlspace-core";
/// The SDK calls of mlspace-core whose physical id carries the synthesis time.
const STAMPED_CALLS: [&str; 3] = [
    "cleanupDeprecatedResources",
    "drAttachPoliciesOnDeployLambda",
    "kmsKeyConstraints",
];
/// As the template file holds them: inside a JSON string, so with escaped quotes.
const PHYSICAL_ID_PREFIX: &str = r#"\"physicalResourceId\":{\"id\":\""#;
const CREATED_AT_PREFIX: &str = r#"\"createdAt\":{\"S\":\""#;
const ESCAPED_QUOTE: &str = r#"\""#;

/// Milliseconds since the epoch between which a run happened.
#[derive(Debug, Clone, Copy)]
struct Window {
    from_ms: u128,
    to_ms: u128,
}

fn now_ms() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis()
}

/// Runs `f` and returns its result with the time window it ran in.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Window) {
    let from_ms = now_ms();
    let value = f();
    (
        value,
        Window {
            from_ms,
            to_ms: now_ms(),
        },
    )
}

impl Window {
    fn holds_ms(&self, ms: &str) -> bool {
        ms.len() == 13
            && ms
                .parse::<u128>()
                .is_ok_and(|t| (self.from_ms..=self.to_ms).contains(&t))
    }

    /// Seconds rounded to the nearest, as MLSpace does.
    fn holds_seconds(&self, s: &str) -> bool {
        s.parse::<u128>()
            .is_ok_and(|t| t * 1000 + 500 >= self.from_ms && t * 1000 <= self.to_ms + 500)
    }
}

fn assert_success(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
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

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn text_of(entries: &BTreeMap<String, Entry>, name: &str) -> Result<String, String> {
    match entries.get(name) {
        Some(Entry::File { bytes, .. }) => {
            String::from_utf8(bytes.clone()).map_err(|_| format!("{name} is not UTF-8"))
        }
        _ => Err(format!("{name} is missing")),
    }
}

fn json_of(entries: &BTreeMap<String, Entry>, name: &str) -> Result<serde_json::Value, String> {
    serde_json::from_str(&text_of(entries, name)?).map_err(|e| format!("{name}: {e}"))
}

/// One value to blank: `from` becomes `to` in the files `files` (when empty: every file of the
/// assembly itself, staged assets excepted).
struct Mask {
    files: Vec<String>,
    from: String,
    to: String,
}

impl Mask {
    fn everywhere(from: &str, to: &str) -> Self {
        Mask {
            files: Vec::new(),
            from: from.into(),
            to: to.into(),
        }
    }

    fn only_in(files: &[String], from: &str, to: &str) -> Self {
        Mask {
            files: files.to_vec(),
            from: from.into(),
            to: to.into(),
        }
    }
}

/// The API deployment's construct id and logical id, checked against each other.
fn api_deployment_masks(
    entries: &BTreeMap<String, Entry>,
    window: Window,
) -> Result<Vec<Mask>, String> {
    let name = format!("{API_STACK}.template.json");
    let template = json_of(entries, &name)?;
    let deployments: Vec<_> = template["Resources"]
        .as_object()
        .ok_or(format!("{name} has no Resources"))?
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::ApiGateway::Deployment")
        .collect();
    let [(logical_id, resource)] = deployments[..] else {
        return Err(format!(
            "{name}: expected one AWS::ApiGateway::Deployment, found {}",
            deployments.len()
        ));
    };
    let path = resource["Metadata"]["aws:cdk:path"]
        .as_str()
        .ok_or(format!("{name}: {logical_id} has no aws:cdk:path"))?;
    let parts: Vec<&str> = path.split('/').collect();
    let [API_STACK, construct_id, "Resource"] = parts[..] else {
        return Err(format!("{name}: unexpected deployment path {path}"));
    };
    let stamp = construct_id
        .strip_prefix("ApiDeployment-")
        .filter(|ms| window.holds_ms(ms))
        .ok_or(format!(
            "{name}: the deployment's construct id {construct_id} is not ApiDeployment-<ms of this synthesis>"
        ))?;
    let expected = make_unique_id(&[construct_id, "Resource"]);
    if logical_id != &expected {
        return Err(format!(
            "{name}: deployment logical id {logical_id}, computed from its path {expected}"
        ));
    }
    Ok(vec![
        Mask::everywhere(logical_id, "<api deployment logical id>"),
        Mask::everywhere(
            &format!("ApiDeployment-{stamp}"),
            "ApiDeployment-<synthesis ms>",
        ),
    ])
}

/// The stamped SDK call ids and the `createdAt` seconds of mlspace-core.
fn core_masks(entries: &BTreeMap<String, Entry>, window: Window) -> Result<Vec<Mask>, String> {
    let name = format!("{CORE_STACK}.template.json");
    let text = text_of(entries, &name)?;
    let files = [name.clone()];
    let mut masks = Vec::new();
    let mut calls = Vec::new();
    for (at, _) in text.match_indices(PHYSICAL_ID_PREFIX) {
        let rest = &text[at + PHYSICAL_ID_PREFIX.len()..];
        let id = &rest[..rest.find(ESCAPED_QUOTE).unwrap_or(0)];
        let Some((call, ms)) = id.rsplit_once('-') else {
            continue;
        };
        if STAMPED_CALLS.contains(&call) {
            if !window.holds_ms(ms) {
                return Err(format!(
                    "{name}: physical id {id} does not carry the time of this synthesis"
                ));
            }
            calls.push(call);
            masks.push(Mask::only_in(&files, id, &format!("{call}-<synthesis ms>")));
        }
    }
    calls.sort();
    if calls != STAMPED_CALLS {
        return Err(format!(
            "{name}: stamped SDK calls {calls:?}, expected {STAMPED_CALLS:?} once each"
        ));
    }
    let created: Vec<_> = text.match_indices(CREATED_AT_PREFIX).collect();
    let [(at, _)] = created[..] else {
        return Err(format!(
            "{name}: expected one createdAt, found {}",
            created.len()
        ));
    };
    let rest = &text[at + CREATED_AT_PREFIX.len()..];
    let seconds = &rest[..rest.find(ESCAPED_QUOTE).unwrap_or(0)];
    if !window.holds_seconds(seconds) {
        return Err(format!(
            "{name}: createdAt {seconds:?} is not the time of this synthesis"
        ));
    }
    masks.push(Mask::only_in(
        &files,
        &format!("{CREATED_AT_PREFIX}{seconds}{ESCAPED_QUOTE}"),
        &format!("{CREATED_AT_PREFIX}<synthesis s>{ESCAPED_QUOTE}"),
    ));
    Ok(masks)
}

/// A template's hash where the manifest and its assets file name it, and the destination hash
/// derived from it, after checking both against the bytes.
fn template_hash_masks(
    entries: &BTreeMap<String, Entry>,
    stack: &str,
) -> Result<Vec<Mask>, String> {
    let template = format!("{stack}.template.json");
    let assets = format!("{stack}.assets.json");
    let Some(Entry::File { bytes, .. }) = entries.get(&template) else {
        return Err(format!("{template} is missing"));
    };
    let hash = sha256_hex(bytes);
    let manifest = json_of(entries, "manifest.json")?;
    let url = manifest["artifacts"][stack]["properties"]["stackTemplateAssetObjectUrl"]
        .as_str()
        .unwrap_or_default();
    if !url.ends_with(&format!("/{hash}.json")) {
        return Err(format!(
            "manifest.json: {stack} template url {url:?} does not name its sha256 {hash}"
        ));
    }
    let asset = json_of(entries, &assets)?["files"][&hash].clone();
    let destinations = asset["destinations"]
        .as_object()
        .ok_or(format!("{assets}: no destinations for {hash}"))?;
    let both = [assets.clone(), "manifest.json".to_string()];
    let mut masks = vec![Mask::only_in(
        &both,
        &hash,
        &format!("<sha256 of {template}>"),
    )];
    for (key, destination) in destinations {
        let compact = serde_json::to_string(destination).unwrap();
        let dest_hash = &sha256_hex(compact.as_bytes())[..8];
        let Some(prefix) = key.strip_suffix(dest_hash) else {
            return Err(format!(
                "{assets}: destination {key} does not end with the hash of its body {dest_hash}"
            ));
        };
        masks.push(Mask::only_in(
            std::slice::from_ref(&assets),
            key,
            &format!("{prefix}<destination hash>"),
        ));
    }
    Ok(masks)
}

/// The out dir with the per-synthesis values blanked (see the module comment).
fn normalised(out: &Path, window: Window) -> Result<BTreeMap<String, Entry>, String> {
    let mut entries = read_tree(out);
    let mut masks = api_deployment_masks(&entries, window)?;
    masks.extend(core_masks(&entries, window)?);
    for stack in [API_STACK, CORE_STACK] {
        masks.extend(template_hash_masks(&entries, stack)?);
    }
    for mask in &masks {
        let mut hits = 0;
        for (name, entry) in entries.iter_mut() {
            let Entry::File { bytes, .. } = entry else {
                continue;
            };
            let assembly_file = !name.contains('/') && !name.starts_with("asset.");
            let chosen = if mask.files.is_empty() {
                assembly_file
            } else {
                mask.files.contains(name)
            };
            if !chosen {
                continue;
            }
            let text = String::from_utf8(bytes.clone())
                .map_err(|_| format!("{name}: not UTF-8, cannot mask {}", mask.from))?;
            hits += text.matches(&mask.from).count();
            *bytes = text.replace(&mask.from, &mask.to).into_bytes();
        }
        if hits == 0 {
            return Err(format!("{} was found but is nowhere to mask", mask.from));
        }
    }
    Ok(entries)
}

/// Where two normalised trees differ, one line each.
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
        "{what}: the out dirs differ beyond the per-synthesis values:\n{}",
        found.join("\n")
    );
}

fn synth_timed(tree: &Path, out: &Path) -> Window {
    let (output, window) = timed(|| synth(tree, out));
    assert_success(&output, "mlspace-cdk synth");
    window
}

#[test]
fn two_cold_synths_write_the_same_out_dir() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let (a, b) = (outs.path().join("a"), outs.path().join("b"));
    let wa = synth_timed(tree.path(), &a);
    let wb = synth_timed(tree.path(), &b);
    let first = normalised(&a, wa).unwrap();
    let second = normalised(&b, wb).unwrap();
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

/// With the clock pinned, two synths write the same out dir byte for byte: nothing is masked.
/// (In process, where the clock can be given; the tests above run the binary, whose clock
/// cannot be pinned from outside, and so mask the synthesis time.)
#[test]
fn two_synths_with_a_pinned_clock_write_the_same_bytes_unmasked() {
    use mlspace_cdk::mlspace::plan::FixedClock;
    use mlspace_cdk::mlspace::run::{synth_with_clock, LayerBuilderArg, SynthArgs};
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let clock = FixedClock(1_780_315_200_000);
    let mut trees = Vec::new();
    for name in ["a", "b"] {
        let args = SynthArgs {
            output: Some(outs.path().join(name)),
            layer_builder: LayerBuilderArg::Local,
            ..SynthArgs::default()
        };
        synth_with_clock(tree.path(), &args, &|_| None, &clock).unwrap();
        trees.push(read_tree(&outs.path().join(name)));
    }
    assert!(
        trees[0].keys().any(|k| k.starts_with("asset.")),
        "no staged asset to compare"
    );
    let api = text_of(&trees[0], "mlspace-api-deployment.template.json").unwrap();
    assert!(
        api.contains("ApiDeployment1780315200000"),
        "the pinned time"
    );
    assert_same(&trees[0], &trees[1], "two synths with a pinned clock");
}

#[test]
fn the_cdk_cli_writes_what_the_binary_writes() {
    let Some(cli) = require_cdk_cli() else { return };
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let (direct, through_cli) = (outs.path().join("direct"), outs.path().join("cli"));
    let wd = synth_timed(tree.path(), &direct);
    let bin = binary();
    let (output, wc) = timed(|| {
        run_cdk(
            &cli,
            tree.path(),
            &[
                "synth",
                "--app",
                bin.to_str().unwrap(),
                "-o",
                through_cli.to_str().unwrap(),
                "-q",
            ],
        )
    });
    assert_success(&output, "cdk synth");
    assert_same(
        &normalised(&direct, wd).unwrap(),
        &normalised(&through_cli, wc).unwrap(),
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
    let cold_window = synth_timed(tree.path(), &out);
    let cold = normalised(&out, cold_window).unwrap();

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

    let warm_window = synth_timed(tree.path(), &out);
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
    assert_same(
        &cold,
        &normalised(&out, warm_window).unwrap(),
        "cold then warm synth into one out dir",
    );
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
        timed(|| {
            Command::new(binary())
                .args(["synth", "--layer-builder", "docker", "-o"])
                .arg(out)
                .current_dir(tree.path())
                .env("MLSPACE_DOCKER", &docker)
                .env_remove("CDK_OUTDIR")
                .env_remove("CDK_CONTEXT_JSON")
                .output()
                .unwrap()
        })
    };
    let (a, b) = (outs.path().join("a"), outs.path().join("b"));
    let (output, wa) = run(&a);
    assert_success(&output, "synth with the docker stand-in");
    // One build per recipe: the notifier layer is the common recipe again.
    assert_eq!(
        docker_runs(&log).len(),
        2,
        "docker runs after the first synth"
    );
    let (output, wb) = run(&b);
    assert_success(&output, "second synth with the docker stand-in");
    assert_eq!(docker_runs(&log).len(), 2, "the second synth ran docker");
    assert_same(
        &normalised(&a, wa).unwrap(),
        &normalised(&b, wb).unwrap(),
        "two synths with built layers",
    );
}

/// Each change a real nondeterminism could make must be caught: the masks are narrow.
#[test]
fn the_comparison_catches_changes_outside_the_masked_values() {
    let tree = example_tree(None);
    let outs = tempfile::tempdir().unwrap();
    let out = outs.path().join("out");
    let window = synth_timed(tree.path(), &out);
    let base = normalised(&out, window).unwrap();
    let core = out.join(format!("{CORE_STACK}.template.json"));
    let core_text = fs::read_to_string(&core).unwrap();
    let api = out.join(format!("{API_STACK}.template.json"));
    let api_text = fs::read_to_string(&api).unwrap();
    let manifest = out.join("manifest.json");
    let manifest_text = fs::read_to_string(&manifest).unwrap();

    let stamp = api_text
        .split("ApiDeployment-")
        .nth(1)
        .unwrap()
        .chars()
        .take(13)
        .collect::<String>();
    let vpc_hash = sha256_hex(&fs::read(out.join("mlspace-vpc.template.json")).unwrap());
    let staged = base
        .iter()
        .find_map(|(name, e)| {
            (name.starts_with("asset.") && matches!(e, Entry::File { .. })).then(|| name.clone())
        })
        .unwrap();

    type Change = Box<dyn Fn(&Path)>;
    let changes: Vec<(&str, Change)> = vec![
        (
            "a byte of a staged asset",
            Box::new(move |o: &Path| {
                let f = o.join(&staged);
                let mut bytes = fs::read(&f).unwrap();
                bytes.push(b'\n');
                fs::write(f, bytes).unwrap();
            }),
        ),
        (
            "another stack's template hash in the manifest",
            Box::new(move |o: &Path| {
                let t = manifest_text.replacen(&vpc_hash, &"0".repeat(64), 1);
                fs::write(o.join("manifest.json"), t).unwrap();
            }),
        ),
        (
            "the manifest naming another deployment time than the template",
            Box::new({
                let manifest = fs::read_to_string(&manifest).unwrap();
                move |o: &Path| {
                    let other = format!("{}", stamp.parse::<u128>().unwrap() + 1);
                    let t = manifest.replacen(
                        &format!("ApiDeployment-{stamp}/"),
                        &format!("ApiDeployment-{other}/"),
                        1,
                    );
                    fs::write(o.join("manifest.json"), t).unwrap();
                }
            }),
        ),
        (
            "a core property next to the stamped ids",
            Box::new(move |o: &Path| {
                let t =
                    core_text.replacen(r#"\"action\":\"invoke\""#, r#"\"action\":\"Invoke\""#, 1);
                assert_ne!(t, core_text);
                fs::write(o.join(format!("{CORE_STACK}.template.json")), t).unwrap();
            }),
        ),
    ];
    for (what, change) in changes {
        let copy = tempfile::tempdir().unwrap();
        let target = copy.path().join("out");
        copy_dir(&out, &target);
        change(&target);
        let caught = match normalised(&target, window) {
            Ok(changed) => !differences(&base, &changed).is_empty(),
            Err(_) => true,
        };
        assert!(caught, "the comparison missed {what}");
    }
}
