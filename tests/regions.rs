//! The example configuration synthesized in every region aws-cdk-lib knows: each stack carries
//! `AWS::CDK::Metadata` exactly where the region has the type, and what depends on the
//! partition (ARNs of the configuration, interface endpoint names) is the region's.
mod common;

use std::fs;
use std::path::Path;

use mlspace_cdk::cdk::region_info;
use serde_json::{json, Value};

const ACCOUNT: &str = "111122223333";

fn key_arn(partition: &str, region: &str) -> String {
    format!("arn:{partition}:kms:{region}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
}

/// The example's config.json moved to `region`, with an existing KMS key in `partition`.
fn config_text(tree: &Path, region: &str, partition: &str) -> String {
    let mut cfg = common::read_json(&tree.join("lib/config.json"));
    cfg["AWS_REGION"] = json!(region);
    cfg["EXISTING_KMS_MASTER_KEY_ARN"] = json!(key_arn(partition, region));
    serde_json::to_string_pretty(&cfg).unwrap()
}

/// Every string in `v`.
fn strings<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::String(s) => out.push(s),
        Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// What one region's assembly shows; panics naming the region where a rule is broken.
fn check_region(region: &str, out: &Path) -> bool {
    let facts = region_info::region(region).unwrap();
    let partition = facts.partition.as_str();
    let manifest = common::read_json(&out.join("manifest.json"));
    let stacks: Vec<&str> = manifest["artifacts"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, a)| a["type"] == "aws:cloudformation:stack")
        .map(|(name, _)| name.as_str())
        .collect();
    // compat: MLSpace leaves out the Translate API where the service is not offered.
    let expected: Vec<&str> = common::MLSPACE_STACKS
        .into_iter()
        .filter(|s| region != "us-isob-east-1" || *s != "mlspace-translate-apis")
        .collect();
    assert_eq!(stacks, expected, "{region}");

    let mut literal_arns = 0;
    for stack in &stacks {
        let artifact = &manifest["artifacts"][stack];
        assert_eq!(
            artifact["environment"],
            format!("aws://{ACCOUNT}/{region}"),
            "{region} {stack}"
        );
        let template = common::read_json(&out.join(format!("{stack}.template.json")));
        let metadata = &template["Resources"]["CDKMetadata"];
        assert_eq!(
            metadata["Type"] == "AWS::CDK::Metadata",
            facts.cdk_metadata_resource_available,
            "{region} {stack}: CDKMetadata {metadata}"
        );
        let mut all = Vec::new();
        strings(&template, &mut all);
        for s in all {
            // A literal partition (`arn:` alone begins a joined ARN with a deploy-time one; the
            // permissions boundary's statements name every partition as `*`).
            if let Some((p, _)) = s.strip_prefix("arn:").and_then(|r| r.split_once(':')) {
                if p != "*" {
                    assert_eq!(p, partition, "{region} {stack}: {s}");
                    literal_arns += 1;
                }
            }
        }
    }
    assert!(literal_arns > 0, "{region}: the key ARN is in no template");

    let vpc = common::read_json(&out.join("mlspace-vpc.template.json"));
    let service = |id: &str| -> Option<String> {
        let resources = vpc["Resources"].as_object().unwrap();
        resources
            .iter()
            .find(|(lid, r)| lid.starts_with(id) && r["Type"] == "AWS::EC2::VPCEndpoint")
            .map(|(_, r)| r["Properties"]["ServiceName"].as_str().unwrap().to_string())
    };
    if let Some(sts) = service("MLSpaceVPCmlspacestsinterfaceendpoint") {
        let want = region_info::interface_endpoint_service_name("sts", region);
        assert_eq!(sts, want, "{region}");
        assert_eq!(
            sts.starts_with("cn."),
            partition == "aws-cn",
            "{region}: {sts}"
        );
    }
    facts.cdk_metadata_resource_available
}

/// Synthesize the example in `region` in `tree`; whether its stacks have the metadata resource.
fn synth_and_check(tree: &Path, region: &str, partition: &str) -> bool {
    fs::write(
        tree.join("lib/config.json"),
        config_text(&repo_example(), region, partition),
    )
    .unwrap();
    let zones: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|z| format!("{region}{z}"))
        .collect();
    let context = json!({ format!("availability-zones:account={ACCOUNT}:region={region}"): zones });
    fs::write(tree.join("cdk.context.json"), context.to_string()).unwrap();
    let out = tree.join("out");
    let _ = fs::remove_dir_all(&out);
    let run = common::synth(tree, &out);
    assert!(
        run.status.success(),
        "{region}: synth failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    check_region(region, &out)
}

#[test]
fn every_region_synthesizes_with_its_metadata_rule_and_partition() {
    const WORKERS: usize = 3;
    let regions: Vec<(&str, &region_info::RegionFacts)> = region_info::regions().collect();
    let chunk = regions.len().div_ceil(WORKERS);
    let with_metadata: Vec<bool> = std::thread::scope(|scope| {
        let workers: Vec<_> = regions
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let tree = common::example_tree(None);
                    part.iter()
                        .map(|(region, facts)| {
                            synth_and_check(tree.path(), region, &facts.partition)
                        })
                        .collect::<Vec<bool>>()
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let with = with_metadata.iter().filter(|m| **m).count();
    // aws-cdk-lib 2.212.0: 44 regions, 13 of them without the metadata type.
    assert_eq!((with, with_metadata.len() - with), (31, 13));
}

#[test]
fn an_arn_from_another_partition_is_refused_in_every_region() {
    let example = repo_example();
    for (region, facts) in region_info::regions() {
        let other = if facts.partition == "aws" {
            "aws-us-gov"
        } else {
            "aws"
        };
        let err = mlspace_cdk::config::from_json_str(&config_text(&example, region, other), "t")
            .expect_err(region)
            .to_string();
        assert!(
            err.contains("EXISTING_KMS_MASTER_KEY_ARN") && err.contains(&facts.partition),
            "{region}: {err}"
        );
        mlspace_cdk::config::from_json_str(&config_text(&example, region, &facts.partition), "t")
            .unwrap_or_else(|e| panic!("{region}: {e}"));
    }
}

fn repo_example() -> std::path::PathBuf {
    common::repo_root().join("examples/mlspace")
}
