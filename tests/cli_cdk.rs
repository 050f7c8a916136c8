//! The binary as the app of the real cdk CLI, on the example inputs the repository ships.
mod common;
use common::*;

#[test]
fn cdk_ls_lists_the_eighteen_stacks() {
    let Some(cli) = require_cdk_cli() else { return };
    let tree = example_tree(None);
    let bin = binary();
    let out = run_cdk(&cli, tree.path(), &["ls", "--app", bin.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "cdk ls failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    let mut expected: Vec<String> = MLSPACE_STACKS.iter().map(|s| s.to_string()).collect();
    let mut got = listed.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
}

#[test]
fn cdk_synth_writes_an_assembly_the_cli_accepts() {
    let Some(cli) = require_cdk_cli() else { return };
    let tree = example_tree(None);
    let bin = binary();
    let out_dir = tree.path().join("out");
    let out = run_cdk(
        &cli,
        tree.path(),
        &["synth", "--app", bin.to_str().unwrap(), "-o", "out", "-q"],
    );
    assert!(
        out.status.success(),
        "cdk synth failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = read_json(&out_dir.join("manifest.json"));
    for s in MLSPACE_STACKS {
        assert_eq!(
            manifest["artifacts"][s]["type"], "aws:cloudformation:stack",
            "{s}"
        );
        assert!(out_dir.join(format!("{s}.template.json")).is_file());
    }
    assert!(
        manifest.get("missing").is_none(),
        "the example ships its lookups in cdk.context.json"
    );
}

#[test]
fn missing_lookup_is_listed_for_the_cli() {
    // Without cdk.context.json the availability zones are not known: the app must still write a
    // whole assembly with the dummy zones and list the lookup for the CLI.
    let tree = example_tree(None);
    std::fs::remove_file(tree.path().join("cdk.context.json")).unwrap();
    let out_dir = synth_ok(tree.path(), "");
    let manifest = read_json(&out_dir.join("manifest.json"));
    let missing = manifest["missing"].as_array().expect("a missing list");
    assert_eq!(missing.len(), 1);
    assert_eq!(
        missing[0]["key"],
        "availability-zones:account=111122223333:region=us-east-1"
    );
    assert_eq!(missing[0]["provider"], "availability-zones");
    assert_eq!(
        missing[0]["props"],
        serde_json::json!({
            "dummyValue": ["dummy1a", "dummy1b", "dummy1c"],
            "account": "111122223333",
            "region": "us-east-1",
            "lookupRoleArn": "arn:${AWS::Partition}:iam::111122223333:role/cdk-hnb659fds-lookup-role-111122223333-us-east-1"
        })
    );
}

#[test]
fn bad_config_fails_cleanly_without_a_manifest() {
    let tree = example_tree(None);
    let out_dir = tree.path().join("out");
    // A successful run first, so a stale manifest would be there to mislead.
    assert!(synth(tree.path(), &out_dir).status.success());
    std::fs::write(
        tree.path().join("lib/config.json"),
        "{\n  \"AWS_ACCOUNT\": \"12345\",\n",
    )
    .unwrap();
    let out = synth(tree.path(), &out_dir);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("lib/config.json"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out_dir.join("manifest.json").exists());
}
