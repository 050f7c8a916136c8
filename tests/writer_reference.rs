//! The JSON writer and the template hash against every file aws-cdk-lib wrote in
//! ../shared/reference: re-serialising a parsed file must give its exact bytes, and the sha256 of
//! a template must be the hash in its stack's `stackTemplateAssetObjectUrl`.
mod common;
use common::*;
use mlspace_cdk::cdk::json;
use sha2::{Digest, Sha256};

#[test]
fn writer_reproduces_reference_files_byte_for_byte() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    let mut checked = 0;
    for name in reference_configs(&shared) {
        let dir = shared.join("reference").join(&name);
        let manifest_text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&manifest_text).unwrap();
        for (id, artifact) in manifest["artifacts"].as_object().unwrap() {
            if artifact["type"] != "aws:cloudformation:stack" {
                continue;
            }
            let file = dir.join(artifact["properties"]["templateFile"].as_str().unwrap());
            let bytes = std::fs::read(&file).unwrap();
            let parsed: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            let written = json::to_indented(&parsed, 1);
            assert!(
                written.as_bytes() == bytes.as_slice(),
                "{name}/{id}: template bytes differ"
            );
            let hash: String = Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let url = artifact["properties"]["stackTemplateAssetObjectUrl"]
                .as_str()
                .unwrap();
            assert!(
                url.ends_with(&format!("/{hash}.json")),
                "{name}/{id}: {url} vs {hash}"
            );
            let assets = dir.join(format!("{id}.assets.json"));
            let assets_bytes = std::fs::read(&assets).unwrap();
            let parsed: serde_json::Value = serde_json::from_slice(&assets_bytes).unwrap();
            assert!(
                json::to_indented(&parsed, 2).as_bytes() == assets_bytes.as_slice(),
                "{name}/{id}: assets bytes differ"
            );
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn export_names_match_the_reference() {
    let Some(shared) = shared() else {
        return skip("../shared/reference is absent");
    };
    for name in reference_configs(&shared) {
        let dir = shared.join("reference").join(&name);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some(stack) = file.strip_suffix(".template.json") else {
                continue;
            };
            let t = read_json(&path);
            let Some(outputs) = t["Outputs"].as_object() else {
                continue;
            };
            for (lid, out) in outputs {
                let Some(export) = out["Export"]["Name"].as_str() else {
                    continue;
                };
                let output_id = format!("Output{}", json::to_compact(&out["Value"]));
                assert_eq!(
                    mlspace_cdk::cdk::synth::export_name(stack, &output_id),
                    export,
                    "{name}/{stack}"
                );
                assert_eq!(
                    mlspace_cdk::cdk::logical_id::make_unique_id(&["Exports", &output_id]),
                    *lid
                );
            }
        }
    }
}
