//! mlspace-vpc's lookups. (Its parity with every reference, with mlspace-iam's, is checked by
//! tests/parity_reference.rs.)
mod common;
use common::*;

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
    let out_dir = synth_ok(tree.path(), "");
    let manifest = read_json(&out_dir.join("manifest.json"));
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
