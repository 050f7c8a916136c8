//! mlspace-web-tier, the API stacks and mlspace-api-deployment against the TS app's assemblies
//! in ../shared/reference, synthesized in the MLSpace trees ../trees/<config> (laid out from the
//! MLSpace mirror by ../shared/tools/mlspace-tree, so that code and frontend assets hash alike).
mod common;
use common::*;

use std::path::{Path, PathBuf};

/// mlspace-web-tier and every stack after it.
fn api_stacks() -> &'static [&'static str] {
    let web_tier = MLSPACE_STACKS
        .iter()
        .position(|s| *s == "mlspace-web-tier")
        .expect("mlspace-web-tier is a stack");
    &MLSPACE_STACKS[web_tier..]
}

/// The MLSpace tree of a configuration, when this machine has it.
fn tree_of(config: &str) -> Option<PathBuf> {
    let tree = repo_root().join("../trees").join(config);
    tree.join("backend/src").is_dir().then_some(tree)
}

/// Synthesizes `config` into a fresh directory; `None` (with a message) when a prerequisite is absent.
fn synth_config(config: &str) -> Option<(PathBuf, PathBuf, tempfile::TempDir)> {
    let Some(shared) = shared() else {
        skip("../shared/reference is absent");
        return None;
    };
    let Some(tree) = tree_of(config) else {
        skip(&format!(
            "../trees/{config} (an MLSpace tree laid out by mlspace-tree) is absent"
        ));
        return None;
    };
    let out = tempfile::tempdir().unwrap();
    let result = synth(&tree, out.path());
    assert!(
        result.status.success(),
        "{config}: synth failed:\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    Some((shared, tree, out))
}

/// Non-template assets of a stack: hash -> display name.
fn code_assets(dir: &Path, stack: &str) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join(format!("{stack}.assets.json"))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut out: Vec<(String, String)> = json["files"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, v)| {
            !v["source"]["path"]
                .as_str()
                .unwrap_or_default()
                .ends_with(".template.json")
        })
        .map(|(k, v)| {
            (
                k.clone(),
                v["displayName"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn api_stacks_match_every_reference() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    for config in reference_configs(&shared) {
        let Some((shared, _tree, out)) = synth_config(&config) else {
            continue;
        };
        let reference = shared.join("reference").join(&config);
        let (ok, report) = cfn_parity(&shared, &reference, out.path(), api_stacks());
        assert!(ok, "{config}:\n{report}");
        let differing: Vec<String> = parity_findings(&report)
            .into_iter()
            .filter(|l| l.starts_with("  ~ ") || l.starts_with("  - ") || l.starts_with("  + "))
            .collect();
        assert!(
            differing.is_empty(),
            "{config}: resources differ:\n{}\n\n{report}",
            differing.join("\n")
        );
        // The Lambda code asset (backend/src) is the reference's, byte for byte.
        for stack in api_stacks().iter().filter(|s| s.ends_with("-apis")) {
            if !reference.join(format!("{stack}.assets.json")).is_file() {
                continue;
            }
            assert_eq!(
                code_assets(&reference, stack),
                code_assets(out.path(), stack),
                "{config}: {stack} assets"
            );
        }
    }
}

#[test]
fn env_js_carries_markers_for_the_api_url() {
    let Some((_, _, out)) = synth_config("basic") else {
        return;
    };
    let template: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("mlspace-web-tier.template.json")).unwrap(),
    )
    .unwrap();
    let resources = template["Resources"].as_object().unwrap();
    let (api_id, _) = resources
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::ApiGateway::RestApi")
        .expect("the REST API");
    let (_, deployment) = resources
        .iter()
        .find(|(_, r)| r["Type"] == "Custom::CDKBucketDeployment")
        .expect("the frontend deployment");
    let props = &deployment["Properties"];
    let keys = props["SourceObjectKeys"].as_array().unwrap();
    let markers = props["SourceMarkers"].as_array().unwrap();
    assert_eq!(keys.len(), 2);
    let env_markers = markers[1].as_object().unwrap();
    assert!(
        env_markers
            .values()
            .any(|v| v["Ref"] == serde_json::json!(api_id)),
        "a marker stands for the API id: {env_markers:?}"
    );
    // The staged env.js holds the markers the handler replaces.
    let hash = keys[1].as_str().unwrap().trim_end_matches(".zip");
    let env_js = std::fs::read_to_string(out.path().join(format!("asset.{hash}/env.js"))).unwrap();
    assert!(env_js.starts_with("window.env = {"), "{env_js}");
    for marker in env_markers.keys() {
        assert!(env_js.contains(marker.as_str()), "{marker} not in {env_js}");
    }
    assert!(
        env_js.contains("\"LAMBDA_ENDPOINT\":\"https://<<marker:0xbaba:"),
        "{env_js}"
    );
}
