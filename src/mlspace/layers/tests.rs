//! Unit tests of layer resolution and building (a stand-in docker, recipes, the cache).
use super::*;

#[test]
fn a_builtin_recipe_hashes_in_memory_as_written_to_a_folder() {
    for name in ["common", "jwt"] {
        let recipe = Recipe::builtin(name).unwrap();
        let dir = tempfile::tempdir().unwrap();
        recipe.write_to(dir.path()).unwrap();
        assert_eq!(
            recipe_files_hash(
                &recipe.files,
                LambdaRuntime::PYTHON_3_11,
                Architecture::Arm64
            )
            .unwrap(),
            layer_asset_hash(dir.path(), LambdaRuntime::PYTHON_3_11, Architecture::Arm64).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn builtin_recipes_share_a_requirements_list() {
    let common = Recipe::builtin("common").unwrap();
    assert_eq!(
        common.requirements().unwrap(),
        [
            "dynamodb_json",
            "simplejson",
            "cachetools",
            "pyseto",
            "boto3"
        ]
    );
    assert_eq!(
        Recipe::builtin("jwt").unwrap().requirements().unwrap(),
        ["pyjwt"]
    );
    assert!(Recipe::builtin("other").is_none());
}

#[test]
fn cache_key_changes_with_every_input() {
    let r = Recipe::builtin("jwt").unwrap();
    let base = cache_key(
        &r,
        LambdaRuntime::PYTHON_3_11,
        Architecture::Arm64,
        BuilderKind::Local,
    );
    assert_eq!(
        base,
        cache_key(
            &r,
            LambdaRuntime::PYTHON_3_11,
            Architecture::Arm64,
            BuilderKind::Local
        )
    );
    assert_ne!(
        base,
        cache_key(
            &r,
            LambdaRuntime::python("python3.12").unwrap(),
            Architecture::Arm64,
            BuilderKind::Local
        )
    );
    assert_ne!(
        base,
        cache_key(
            &r,
            LambdaRuntime::PYTHON_3_11,
            Architecture::X86_64,
            BuilderKind::Local
        )
    );
    assert_ne!(
        base,
        cache_key(
            &r,
            LambdaRuntime::PYTHON_3_11,
            Architecture::Arm64,
            BuilderKind::Docker
        )
    );
    let mut changed = r.clone();
    changed.files[1].1.extend_from_slice(b"requests\n");
    assert_ne!(
        base,
        cache_key(
            &changed,
            LambdaRuntime::PYTHON_3_11,
            Architecture::Arm64,
            BuilderKind::Local
        )
    );
}

#[test]
fn prebuilt_zip_wins_unless_a_path_is_configured() {
    let root = tempfile::tempdir().unwrap();
    let deps = root.path().join("lambda_dependencies");
    fs::create_dir_all(&deps).unwrap();
    layer_zip(&deps.join("notifier_layer.zip"));
    layer_zip(&root.path().join("mine.zip"));
    let req = LayerRequest::new(
        "notifier",
        "common",
        LambdaRuntime::PYTHON_3_11,
        Architecture::X86_64,
    );
    let tools = BuildTools::unavailable();
    let got = resolve_layer_with(root.path(), &req, LayerBuilder::Local, &tools).unwrap();
    assert_eq!(got, AssetSource::File(deps.join("notifier_layer.zip")));
    let req = LayerRequest {
        explicit_path: Some("mine.zip"),
        ..req
    };
    let got = resolve_layer_with(root.path(), &req, LayerBuilder::Local, &tools).unwrap();
    assert_eq!(got, AssetSource::File(root.path().join("mine.zip")));
}

/// A zip holding `python/m.py`, as a prebuilt layer does.
fn layer_zip(path: &Path) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(fs::File::create(path).unwrap());
    zip.start_file("python/m.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    zip.write_all(b"x = 1\n").unwrap();
    zip.finish().unwrap();
}

#[test]
fn a_prebuilt_layer_that_is_no_layer_zip_is_refused_by_name() {
    let root = tempfile::tempdir().unwrap();
    let deps = root.path().join("lambda_dependencies");
    fs::create_dir_all(&deps).unwrap();
    let zip = deps.join("notifier_layer.zip");
    let req = LayerRequest::new(
        "notifier",
        "common",
        LambdaRuntime::PYTHON_3_11,
        Architecture::X86_64,
    );
    let tools = BuildTools::unavailable();
    let refused = |what: &str| {
        let err = resolve_layer_with(root.path(), &req, LayerBuilder::Local, &tools)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("notifier_layer.zip") && err.contains("cannot be used"),
            "{what}: {err}"
        );
    };
    fs::write(&zip, b"").unwrap();
    refused("empty");
    layer_zip(&zip);
    let whole = fs::read(&zip).unwrap();
    fs::write(&zip, &whole[..whole.len() / 2]).unwrap();
    refused("truncated");
    {
        use std::io::Write;
        let mut other = zip::ZipWriter::new(fs::File::create(&zip).unwrap());
        other
            .start_file("m.py", zip::write::SimpleFileOptions::default())
            .unwrap();
        other.write_all(b"x").unwrap();
        other.finish().unwrap();
    }
    refused("no python/ at the root");
    fs::remove_file(&zip).unwrap();
    fs::create_dir(&zip).unwrap();
    refused("a folder");
}

fn fixture_recipe() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer-recipe")
}

// Expected values: aws-cdk-lib 2.212.0's own hash for this folder. A throwaway node script
// made an `aws-s3-assets` Asset of tests/fixtures/layer-recipe with MLSpace's bundling
// options (python3.11's bundling image, linux/amd64 or linux/arm64, auto-discover, the
// security option, /bin/bash entrypoint, /asset-input) and printed `asset.assetHash`; the
// same values were in its asset manifest.
const FIXTURE_X86_64: &str = "5e522715a5a657b55cdc0535a7e444510deaeb2ff8618d2a161f4c03e3ac4f71";
const FIXTURE_ARM64: &str = "bee5174a1cff384fd2706544b54a3fd178271c4c73e73f0059180c4be67ec455";

#[test]
fn layer_hash_is_aws_cdk_libs_bundled_source_hash() {
    let dir = fixture_recipe();
    assert_eq!(
        layer_asset_hash(&dir, LambdaRuntime::PYTHON_3_11, Architecture::X86_64).unwrap(),
        FIXTURE_X86_64
    );
    assert_eq!(
        layer_asset_hash(&dir, LambdaRuntime::PYTHON_3_11, Architecture::Arm64).unwrap(),
        FIXTURE_ARM64
    );
    // The runtime names the bundling image, so it changes the hash too.
    assert_ne!(
        layer_asset_hash(
            &dir,
            LambdaRuntime::python("python3.12").unwrap(),
            Architecture::X86_64
        )
        .unwrap(),
        FIXTURE_X86_64
    );
}

#[test]
fn bundling_options_keep_mlspaces_key_order_and_leave_out_the_environment() {
    let json = bundling_options_json(LambdaRuntime::PYTHON_3_11, Architecture::Arm64);
    let keys: Vec<String> =
        serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&json)
            .unwrap()
            .keys()
            .cloned()
            .collect();
    assert_eq!(
        keys,
        [
            "image",
            "command",
            "platform",
            "outputType",
            "securityOpt",
            "entrypoint",
            "workingDirectory"
        ]
    );
    assert!(
        json.contains(r#""image":"public.ecr.aws/sam/build-python3.11""#),
        "{json}"
    );
    assert!(json.contains(r#""platform":"linux/arm64""#), "{json}");
    assert!(
        !json.contains(' '),
        "compact, as JSON.stringify writes it: {json}"
    );
}

#[test]
fn the_checkouts_recipe_folder_is_hashed() {
    let root = tempfile::tempdir().unwrap();
    let recipe = root.path().join("lambda_dependencies/common");
    fs::create_dir_all(&recipe).unwrap();
    fs::copy(fixture_recipe().join("create.sh"), recipe.join("create.sh")).unwrap();
    let req = LayerRequest::new(
        "notifier",
        "common",
        LambdaRuntime::PYTHON_3_11,
        Architecture::X86_64,
    );
    assert_eq!(
        recipe_asset_hash(root.path(), &req).unwrap(),
        FIXTURE_X86_64
    );
    // Every file of the folder counts, as MLSpace copies the folder whole.
    fs::write(recipe.join("notes.txt"), "extra").unwrap();
    assert_ne!(
        recipe_asset_hash(root.path(), &req).unwrap(),
        FIXTURE_X86_64
    );
}

#[test]
fn our_recipe_hashes_like_its_folder_in_lambda_layers() {
    let empty = tempfile::tempdir().unwrap();
    for (name, arch) in [
        ("common", Architecture::X86_64),
        ("jwt", Architecture::Arm64),
    ] {
        let req = LayerRequest::new(name, name, LambdaRuntime::PYTHON_3_11, arch);
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("lambda-layers/{name}"));
        assert_eq!(
            recipe_asset_hash(empty.path(), &req).unwrap(),
            layer_asset_hash(&folder, LambdaRuntime::PYTHON_3_11, arch).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn built_output_is_staged_under_the_recipe_hash() {
    let out = tempfile::tempdir().unwrap();
    let dir = BuiltLayer {
        hash: "h".into(),
        output: AssetSource::Directory(out.path().into()),
    }
    .planned();
    assert_eq!(
        (dir.packaging, dir.staged_name.as_str(), dir.object_key()),
        (Packaging::Zip, "asset.h", "h.zip".to_string())
    );
    let zip = BuiltLayer {
        hash: "h".into(),
        output: AssetSource::File(out.path().join("layer.ZIP")),
    }
    .planned();
    assert_eq!(
        (zip.packaging, zip.staged_name.as_str(), zip.object_key()),
        (Packaging::File, "asset.h.zip", "h.zip".to_string())
    );
}

#[test]
fn a_lone_archive_of_any_known_kind_is_the_output() {
    for (name, archive) in [
        ("layer.zip", true),
        ("layer.tar.gz", true),
        ("layer.TGZ", true),
        ("layer.jar", true),
        ("layer.txt", false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(name), b"x").unwrap();
        assert_eq!(single_archive(dir.path()).is_some(), archive, "{name}");
    }
    let two = tempfile::tempdir().unwrap();
    fs::write(two.path().join("a.zip"), b"x").unwrap();
    fs::write(two.path().join("b.zip"), b"x").unwrap();
    assert!(single_archive(two.path()).is_none());
}
