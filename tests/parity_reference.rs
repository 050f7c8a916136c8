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
    let configs = reference_configs(&shared);
    assert!(
        !configs.is_empty(),
        "no reference configurations under {}",
        shared.display()
    );
    for name in configs {
        assert_stacks_match_reference(&shared, &name, CONFIG_ONLY_STACKS);
    }
}
