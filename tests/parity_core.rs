//! mlspace-core against the TS app's assemblies in ../shared/reference, on our example MLSpace tree
//! with each reference configuration's config.json and context.
mod common;
use common::*;

/// Resource types that hold MLSpace's data or audit trail: they must keep the TS app's logical
/// ids, names and deletion/replace policies, or a deployment would replace them.
const STATEFUL_TYPES: &[&str] = &[
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::S3::BucketPolicy",
    "AWS::CloudTrail::Trail",
    "AWS::SNS::Topic",
    "AWS::SNS::Subscription",
];

/// The cdk.json whose feature flags shape the templates (e.g. policy minimization):
/// `$MLSPACE_SOURCE/cdk.json`, else the example's, which sets the flags MLSpace sets.
fn mlspace_cdk_json() -> Option<std::path::PathBuf> {
    let root = std::env::var_os("MLSPACE_SOURCE")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repo_root().join("examples/mlspace"));
    let path = root.join("cdk.json");
    path.is_file().then_some(path)
}

/// Synthesizes the example tree with `config`'s inputs and MLSpace's feature flags, and returns
/// cfn-parity's verdict and report for mlspace-core.
fn core_parity(
    shared: &std::path::Path,
    cdk_json: &std::path::Path,
    config: &str,
) -> (bool, String) {
    let (_tree, out_dir) = synth_reference_config(shared, config, |tree| {
        let flags = read_json(cdk_json);
        let ours = tree.join("cdk.json");
        let mut project = read_json(&ours);
        project["context"] = flags["context"].clone();
        std::fs::write(&ours, serde_json::to_string_pretty(&project).unwrap()).unwrap();
    });
    let reference = shared.join("reference").join(config);
    cfn_parity(shared, &reference, &out_dir, &["mlspace-core"])
}

#[test]
fn stateful_resources_match_every_reference() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    let Some(cdk_json) = mlspace_cdk_json() else {
        return skip("MLSpace's cdk.json is absent (set MLSPACE_SOURCE)");
    };
    let configs = reference_configs(&shared);
    assert!(
        !configs.is_empty(),
        "no reference configurations under {}",
        shared.display()
    );
    for config in configs {
        let (_, report) = core_parity(&shared, &cdk_json, &config);
        let stateful: Vec<String> = parity_findings(&report)
            .into_iter()
            .filter(|line| {
                STATEFUL_TYPES
                    .iter()
                    .any(|t| line.contains(&format!("({t})")))
            })
            .collect();
        assert!(
            stateful.is_empty(),
            "{config}: stateful resources differ from the TS app's:\n{}\n\n{report}",
            stateful.join("\n")
        );
        assert!(
            report.contains("mlspace-core: "),
            "{config}: no mlspace-core line in the report:\n{report}"
        );
    }
}

// The whole of mlspace-core, on every run, is in tests/e2e/test_diff.py (`cdk diff` against each
// reference): there the app-config item built from the example's own cluster-config.json is the
// one named difference besides the declared deviations and asset hashes.
