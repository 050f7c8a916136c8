//! Asset hashes of the real MLSpace tree against the reference assembly that the
//! TypeScript app synthesized (`../shared/reference/basic`).
//!
//! Needs `../shared` (reference and tools) and a git directory of awslabs/mlspace
//! (`../.mirror/awslabs+mlspace/repo`, or `$MLSPACE_GIT_DIR`); aws-cdk-lib's own handler
//! assets also need `../ext/npm/node_modules` (or `$AWS_CDK_NODE_MODULES`). Each missing
//! input skips its part with a message.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use mlspace_cdk::cdk::assets::{fingerprint, plan, AssetOptions, AssetSource, PlannedAsset};
use serde_json::Value;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn reference_dir() -> Option<PathBuf> {
    let dir = repo_root().join("../shared/reference/basic");
    dir.join("manifest.json").is_file().then_some(dir)
}

fn node_modules() -> Option<PathBuf> {
    let dir = std::env::var_os("AWS_CDK_NODE_MODULES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../ext/npm/node_modules"));
    dir.join("aws-cdk-lib").is_dir().then_some(dir)
}

/// The MLSpace tree laid out by `../shared/tools/mlspace-tree` for `basic`, made once.
fn mlspace_tree() -> Option<&'static Path> {
    static TREE: OnceLock<Option<(tempfile::TempDir, PathBuf)>> = OnceLock::new();
    TREE.get_or_init(|| {
        let tool = repo_root().join("../shared/tools/mlspace-tree");
        let git_dir = std::env::var_os("MLSPACE_GIT_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("../.mirror/awslabs+mlspace/repo"));
        if !tool.is_file() || !git_dir.exists() {
            eprintln!(
                "skipping: needs {} and the MLSpace git directory {}",
                tool.display(),
                git_dir.display()
            );
            return None;
        }
        let temp = tempfile::tempdir().unwrap();
        let dest = temp.path().join("mlspace");
        let status = Command::new("bash")
            .arg(&tool)
            .arg(&git_dir)
            .arg(&dest)
            .arg("basic")
            .status()
            .unwrap();
        assert!(status.success(), "mlspace-tree failed");
        Some((temp, dest))
    })
    .as_ref()
    .map(|(_, dest)| dest.as_path())
}

/// Every resource of the reference templates, with its construct path.
fn reference_resources(dir: &Path) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if !path.to_string_lossy().ends_with(".template.json") {
            continue;
        }
        let template: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for resource in template["Resources"]
            .as_object()
            .into_iter()
            .flat_map(|r| r.values())
        {
            if let Some(cdk_path) = resource["Metadata"]["aws:cdk:path"].as_str() {
                out.push((cdk_path.to_string(), resource.clone()));
            }
        }
    }
    out
}

fn find<'a>(resources: &'a [(String, Value)], path_suffix: &str) -> &'a Value {
    resources
        .iter()
        .find(|(p, _)| p.ends_with(path_suffix))
        .map(|(_, r)| r)
        .unwrap_or_else(|| panic!("no resource at *{path_suffix} in the reference"))
}

/// The staged name the reference gives the asset of the resource at `path_suffix`.
fn staged_name_of(resources: &[(String, Value)], path_suffix: &str) -> String {
    find(resources, path_suffix)["Metadata"]["aws:asset:path"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The object key of source `index` of the bucket deployment at `path_suffix`.
fn deployment_source_key(resources: &[(String, Value)], path_suffix: &str, index: usize) -> String {
    find(resources, path_suffix)["Properties"]["SourceObjectKeys"][index]
        .as_str()
        .unwrap()
        .to_string()
}

fn planned(source: AssetSource) -> PlannedAsset {
    plan(source, &AssetOptions::default()).unwrap()
}

#[test]
fn mlspace_source_assets_match_the_reference() {
    let (Some(reference), Some(tree)) = (reference_dir(), mlspace_tree()) else {
        eprintln!("skipping: ../shared/reference/basic or the MLSpace tree is not available");
        return;
    };
    let resources = reference_resources(&reference);
    let mut failures = Vec::new();
    let mut check = |what: &str, got: String, want: String| {
        if got != want {
            failures.push(format!("{what}: ours {got}, reference {want}"));
        }
    };

    let lambda_code = planned(AssetSource::Directory(tree.join("backend/src/")));
    check(
        "backend/src",
        lambda_code.staged_name,
        staged_name_of(&resources, "/appConfigDeployment/Resource"),
    );

    for (layer, construct) in [
        ("common", "mlspace-common-lambda-layer"),
        ("notifier", "mlspace-notifier-lambda-layer"),
        ("jwt", "mlspace-jwt-lambda-layer"),
    ] {
        let zip = planned(AssetSource::File(
            tree.join(format!("lambda_dependencies/{layer}_layer.zip")),
        ));
        check(
            layer,
            zip.staged_name,
            staged_name_of(&resources, &format!("/{construct}/Resource")),
        );
    }

    for (dir, deployment, index) in [
        (
            "lib/resources/config",
            "/MLSpaceConfigDeployment/CustomResource/Default",
            1,
        ),
        (
            "lib/resources/sagemaker/global/",
            "/MLSpaceExampleDataDeployment/CustomResource/Default",
            1,
        ),
        (
            "frontend/build/",
            "/MLSpaceFrontEndDeployment/CustomResource-1024MiB/Default",
            0,
        ),
    ] {
        let asset = planned(AssetSource::Directory(tree.join(dir)));
        check(
            dir,
            asset.object_key(),
            deployment_source_key(&resources, deployment, index),
        );
    }
    assert!(
        failures.is_empty(),
        "asset hashes differ:\n{}",
        failures.join("\n")
    );
}

#[test]
fn aws_cdk_lib_handler_assets_match_the_reference() {
    let (Some(reference), Some(modules)) = (reference_dir(), node_modules()) else {
        eprintln!(
            "skipping: ../shared/reference/basic or aws-cdk-lib's node_modules is not available"
        );
        return;
    };
    let resources = reference_resources(&reference);
    let handlers = modules.join("aws-cdk-lib/custom-resource-handlers/dist");

    let bucket_deployment = planned(AssetSource::Directory(
        handlers.join("aws-s3-deployment/bucket-deployment-handler"),
    ));
    assert_eq!(
        bucket_deployment.staged_name,
        staged_name_of(
            &resources,
            "/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C/Resource"
        )
    );

    let sdk_call = planned(AssetSource::Directory(
        handlers.join("custom-resources/aws-custom-resource-handler"),
    ));
    assert_eq!(
        sdk_call.staged_name,
        staged_name_of(&resources, "/AWS679f53fac002430cb0da5b7982bd2287/Resource")
    );

    // The AWS CLI layer ships a zip whose hash is given as the fingerprint of its source folder.
    let awscli = modules.join("@aws-cdk/asset-awscli-v1");
    let custom = fingerprint(&awscli.join("layer"), &AssetOptions::default()).unwrap();
    let opts = AssetOptions {
        custom_hash: Some(custom),
        ..Default::default()
    };
    let layer = plan(AssetSource::File(awscli.join("lib/layer.zip")), &opts).unwrap();
    assert_eq!(
        layer.staged_name,
        staged_name_of(&resources, "/MLSpaceConfigDeployment/AwsCliLayer/Resource")
    );
}
