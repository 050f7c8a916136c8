//! How a layer is rendered into the cloud assembly: a built layer as an asset of its layer
//! construct, read from the bucket; a given zip as the layer version's own asset.
//!
//! Expected values come from aws-cdk-lib 2.212.0: a throwaway node script built a stack
//! `layer-stack` (account 123456789012, us-east-1) with, per architecture, a construct
//! `layer-<arch>` holding an `aws-s3-assets` Asset `LayerAsset` of tests/fixtures/layer-recipe
//! (MLSpace's bundling options, run through a stand-in docker) and a LayerVersion
//! `mlspace-layer-<arch>-lambda-layer` with `Code.fromBucket(asset.bucket, asset.s3ObjectKey)`.
//! Its template, asset manifest and manifest metadata gave the hashes, logical ids, display
//! names and the warning's place below.

use std::fs;
use std::path::Path;

use serde_json::{json, Value as J};

use mlspace_cdk::cdk::assembly::write_assembly;
use mlspace_cdk::cdk::assets::AssetSource;
use mlspace_cdk::cdk::lambda_runtimes::LambdaRuntime;
use mlspace_cdk::cdk::synth::synthesize;
use mlspace_cdk::cdk::{App, Environment};
use mlspace_cdk::constructs::lambda::Architecture;
use mlspace_cdk::mlspace::layers::{
    lambda_layer, layer_asset_hash, BuiltLayer, LambdaLayerProps, LayerCode, BUCKET_CODE_ACK,
};

const BUCKET: &str = "cdk-hnb659fds-assets-123456789012-us-east-1";

fn fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer-recipe")
}

fn app() -> (App, mlspace_cdk::cdk::StackRef) {
    let mut context = serde_json::Map::new();
    context.insert("aws:cdk:enable-path-metadata".into(), J::Bool(true));
    context.insert("aws:cdk:enable-asset-metadata".into(), J::Bool(true));
    let mut app = App::new(context);
    let stack = app.add_stack(
        "layer-stack",
        Environment {
            account: "123456789012".into(),
            region: "us-east-1".into(),
        },
        Vec::new(),
    );
    (app, stack)
}

fn read(dir: &Path, name: &str) -> J {
    serde_json::from_str(&fs::read_to_string(dir.join(name)).unwrap()).unwrap()
}

fn synth(app: &mut App) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    write_assembly(out.path(), &synthesize(app).unwrap()).unwrap();
    out
}

fn props(name: &str, architecture: Architecture) -> LambdaLayerProps<'_> {
    LambdaLayerProps {
        layer_name: name,
        identifier: None,
        runtime: LambdaRuntime::PYTHON_3_11,
        architecture,
    }
}

#[test]
fn a_built_layer_is_read_from_the_bucket_like_the_typescript_app_does() {
    let (mut app, stack) = app();
    let build = tempfile::tempdir().unwrap();
    fs::create_dir_all(build.path().join("python")).unwrap();
    fs::write(build.path().join("python/stub.py"), "stub\n").unwrap();
    for arch in [Architecture::X86_64, Architecture::Arm64] {
        let code = LayerCode::Built(BuiltLayer {
            hash: layer_asset_hash(&fixture(), LambdaRuntime::PYTHON_3_11, arch).unwrap(),
            output: AssetSource::Directory(build.path().into()),
        });
        let name = format!("layer-{arch}");
        lambda_layer(&mut app, stack.node, &props(&name, arch), code).unwrap();
    }
    let out = synth(&mut app);

    let expected = [
        (
            "x86_64",
            "mlspacelayerx8664lambdalayer692FDEEB",
            "5e522715a5a657b55cdc0535a7e444510deaeb2ff8618d2a161f4c03e3ac4f71",
        ),
        (
            "arm64",
            "mlspacelayerarm64lambdalayerF8CE64BD",
            "bee5174a1cff384fd2706544b54a3fd178271c4c73e73f0059180c4be67ec455",
        ),
    ];
    let template = read(out.path(), "layer-stack.template.json");
    let assets = read(out.path(), "layer-stack.assets.json");
    let manifest = read(out.path(), "manifest.json");
    let metadata = &manifest["artifacts"]["layer-stack"]["metadata"];
    for (arch, logical_id, hash) in expected {
        let layer = &template["Resources"][logical_id];
        assert_eq!(layer["Type"], "AWS::Lambda::LayerVersion", "{template:#}");
        assert_eq!(
            layer["Properties"]["Content"],
            json!({"S3Bucket": BUCKET, "S3Key": format!("{hash}.zip")})
        );
        assert_eq!(
            layer["Properties"]["CompatibleArchitectures"],
            json!([arch])
        );
        // Code.fromBucket: the layer version has no asset of its own.
        assert_eq!(
            layer["Metadata"],
            json!({"aws:cdk:path": format!("layer-stack/mlspace-layer-{arch}-lambda-layer/Resource")})
        );

        let entry = &assets["files"][hash];
        assert_eq!(entry["displayName"], format!("layer-{arch}/LayerAsset"));
        assert_eq!(
            entry["source"],
            json!({"path": format!("asset.{hash}"), "packaging": "zip"})
        );
        let destinations = entry["destinations"].as_object().unwrap();
        assert_eq!(destinations.len(), 1);
        let destination = destinations.values().next().unwrap();
        assert_eq!(destination["bucketName"], BUCKET);
        assert_eq!(destination["objectKey"], format!("{hash}.zip"));
        // The build output is what is staged.
        assert_eq!(
            fs::read_to_string(out.path().join(format!("asset.{hash}/python/stub.py"))).unwrap(),
            "stub\n"
        );

        // The bucket construct below the asset carries the warning, with aws-cdk-lib's ack id.
        let warning = &metadata[format!("/layer-stack/layer-{arch}/LayerAsset/AssetBucket")];
        assert_eq!(warning[0]["type"], "aws:cdk:warning", "{metadata:#}");
        assert!(warning[0]["data"]
            .as_str()
            .unwrap()
            .ends_with(&format!("[ack: {BUCKET_CODE_ACK}]")));
    }
    // Pre-order: each warning precedes its layer version's logical id, as in aws-cdk-lib.
    let paths: Vec<&String> = metadata.as_object().unwrap().keys().collect();
    assert_eq!(
        &paths[..4],
        [
            "/layer-stack/layer-x86_64/LayerAsset/AssetBucket",
            "/layer-stack/mlspace-layer-x86_64-lambda-layer/Resource",
            "/layer-stack/layer-arm64/LayerAsset/AssetBucket",
            "/layer-stack/mlspace-layer-arm64-lambda-layer/Resource",
        ]
    );
}

#[test]
fn a_lone_archive_from_the_build_is_published_as_a_file() {
    let (mut app, stack) = app();
    let build = tempfile::tempdir().unwrap();
    let archive = build.path().join("layer.zip");
    fs::write(&archive, b"PK-not-really").unwrap();
    let hash =
        layer_asset_hash(&fixture(), LambdaRuntime::PYTHON_3_11, Architecture::X86_64).unwrap();
    let code = LayerCode::Built(BuiltLayer {
        hash: hash.clone(),
        output: AssetSource::File(archive),
    });
    lambda_layer(
        &mut app,
        stack.node,
        &props("common", Architecture::X86_64),
        code,
    )
    .unwrap();
    let out = synth(&mut app);
    let assets = read(out.path(), "layer-stack.assets.json");
    let entry = &assets["files"][&hash];
    assert_eq!(
        entry["source"],
        json!({"path": format!("asset.{hash}.zip"), "packaging": "file"})
    );
    let destination = entry["destinations"].as_object().unwrap().values().next();
    assert_eq!(destination.unwrap()["objectKey"], format!("{hash}.zip"));
    assert!(out.path().join(format!("asset.{hash}.zip")).is_file());
}

#[test]
fn a_given_zip_is_the_layer_versions_own_asset() {
    let (mut app, stack) = app();
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("common_layer.zip");
    fs::write(&zip, b"PK-not-really").unwrap();
    let code = LayerCode::Given(AssetSource::File(zip));
    lambda_layer(
        &mut app,
        stack.node,
        &props("common", Architecture::X86_64),
        code,
    )
    .unwrap();
    let out = synth(&mut app);
    let template = read(out.path(), "layer-stack.template.json");
    let (_, layer) = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(_, r)| r["Type"] == "AWS::Lambda::LayerVersion")
        .unwrap();
    let staged = layer["Metadata"]["aws:asset:path"].as_str().unwrap();
    assert!(
        staged.starts_with("asset.") && staged.ends_with(".zip"),
        "{staged}"
    );
    assert_eq!(layer["Metadata"]["aws:asset:property"], "Content");
    assert_eq!(
        layer["Properties"]["Description"],
        "Lambda layer for undefined dependencies needed by MLSpace"
    );
    assert_eq!(layer["Properties"]["LayerName"], "mlspace-common-layer");
    let assets = read(out.path(), "layer-stack.assets.json");
    let entry = assets["files"]
        .as_object()
        .unwrap()
        .values()
        .find(|f| f["source"]["packaging"] == "file" && f["source"]["path"] == staged)
        .unwrap();
    assert_eq!(entry["displayName"], "mlspace-common-lambda-layer/Code");
    let manifest = read(out.path(), "manifest.json");
    let metadata = manifest["artifacts"]["layer-stack"]["metadata"]
        .as_object()
        .unwrap();
    assert!(
        !metadata.keys().any(|k| k.contains("LayerAsset")),
        "{metadata:#?}"
    );
}
