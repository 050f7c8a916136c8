//! Parity with the TS app's assemblies in ../shared/reference, on our own example inputs with each
//! reference configuration's config.json and context: the stacks that do not depend on MLSpace's
//! own files must match resource for resource.
mod common;
use common::*;

/// Stacks whose templates depend only on the configuration (not on MLSpace's sources).
const CONFIG_ONLY_STACKS: &[&str] = &[
    "mlspace-vpc",
    "mlspace-kms",
    "mlspace-iam",
    "mlspace-api-deployment",
];

#[test]
fn config_only_stacks_match_every_reference() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    for name in reference_configs(&shared) {
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
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (ok, report) = cfn_parity(&shared, &reference, &out_dir, CONFIG_ONLY_STACKS);
        assert!(ok, "{name}:\n{report}");
        let findings = parity_findings(&report);
        assert!(
            findings.is_empty(),
            "{name}: findings:\n{}",
            findings.join("\n")
        );
    }
}
