//! mlspace-vpc and mlspace-iam against the TS app's assemblies in ../shared/reference: on our
//! example tree with each reference configuration's config.json and lookup context, both stacks
//! (which depend on the configuration only) must match resource for resource.
mod common;
use common::*;

const STACKS: &[&str] = &["mlspace-vpc", "mlspace-iam"];

#[test]
fn vpc_and_iam_match_every_reference() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    let configs = reference_configs(&shared);
    assert!(
        !configs.is_empty(),
        "no reference configurations under {}",
        shared.display()
    );
    for name in configs {
        let reference = shared.join("reference").join(&name);
        let tree = example_tree(Some((
            &reference.join("config.json.input"),
            &reference.join("cdk.context.json.input"),
        )));
        apply_architecture(&reference, tree.path());
        let out_dir = tree.path().join("out");
        let out = synth(tree.path(), &out_dir);
        assert!(
            out.status.success(),
            "{name}: synth failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (ok, report) = cfn_parity(&shared, &reference, &out_dir, STACKS);
        assert!(ok, "{name}:\n{report}");
        let findings = parity_findings(&report);
        assert!(
            findings.is_empty(),
            "{name}: findings:\n{}",
            findings.join("\n")
        );
    }
}

/// Without the lookup result in the context, an existing VPC is listed as missing context for
/// the CLI to fetch, and synthesis still succeeds (the CLI then runs the app again).
#[test]
fn existing_vpc_without_context_asks_the_cli_for_it() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    let reference = shared.join("reference").join("existing-vpc");
    if !reference.is_dir() {
        return skip("the existing-vpc reference is absent");
    }
    let tree = example_tree(None);
    std::fs::copy(
        reference.join("config.json.input"),
        tree.path().join("lib/config.json"),
    )
    .unwrap();
    std::fs::write(tree.path().join("cdk.context.json"), "{}").unwrap();
    let out_dir = tree.path().join("out");
    let out = synth(tree.path(), &out_dir);
    assert!(
        out.status.success(),
        "synth failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out_dir.join("manifest.json")).unwrap())
            .unwrap();
    let missing = manifest["missing"].as_array().cloned().unwrap_or_default();
    assert!(
        missing.iter().any(|m| m["provider"] == "vpc-provider"),
        "no vpc-provider lookup in missing: {missing:?}"
    );
    assert!(
        !missing
            .iter()
            .any(|m| m["provider"] == "availability-zones"),
        "an existing VPC needs no zone lookup: {missing:?}"
    );
}
