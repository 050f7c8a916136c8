//! The Docker layer builder, through the stand-in `tests/fake-docker/docker`, which checks
//! the `docker run` line and runs the recipe on the host with a stub pip.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{docker_runs as runs, fake_docker};

use mlspace_cdk::cdk::assets::AssetSource;
use mlspace_cdk::cdk::lambda_runtimes::LambdaRuntime;
use mlspace_cdk::constructs::lambda::Architecture;
use mlspace_cdk::mlspace::layers::{
    resolve_layer_code_with, resolve_layer_with, BuildTools, LayerBuilder, LayerCode, LayerError,
    LayerRequest,
};

fn request<'a>(id: &'a str, recipe: &'a str, architecture: Architecture) -> LayerRequest<'a> {
    LayerRequest::new(id, recipe, LambdaRuntime::PYTHON_3_11, architecture)
}

/// The stand-in docker with `settings` as the only builder (no python3), and its run log.
fn docker_only(root: &Path, settings: &[(&str, &str)]) -> (BuildTools, PathBuf) {
    let (docker, log) = fake_docker(root, settings);
    (BuildTools::new(docker, "/nonexistent/python3"), log)
}

/// Resolve `req` with `builder`; the directory the layer was built into.
fn built_dir(
    root: &Path,
    tools: &BuildTools,
    req: &LayerRequest,
    builder: LayerBuilder,
) -> PathBuf {
    directory(resolve_layer_with(root, req, builder, tools).unwrap())
}

fn directory(source: AssetSource) -> PathBuf {
    match source {
        AssetSource::Directory(dir) => dir,
        other => panic!("expected a built directory, got {other:?}"),
    }
}

#[test]
fn docker_build_runs_once_and_is_shared_by_the_notifier() {
    let root = tempfile::tempdir().unwrap();
    let (tools, log) = docker_only(root.path(), &[("FAKE_DOCKER_PLATFORM", "linux/arm64")]);

    let common = built_dir(
        root.path(),
        &tools,
        &request("common", "common", Architecture::Arm64),
        LayerBuilder::Docker,
    );
    assert!(
        common.starts_with(root.path().join("build/layer-cache")),
        "{}",
        common.display()
    );
    for package in [
        "dynamodb_json",
        "simplejson",
        "cachetools",
        "pyseto",
        "boto3",
    ] {
        assert!(
            common
                .join("python")
                .join(package)
                .join("__init__.py")
                .is_file(),
            "{package} missing"
        );
    }
    assert_eq!(
        runs(&log),
        ["run linux/arm64 public.ecr.aws/sam/build-python3.11"]
    );

    // Same recipe, runtime and architecture: served from the cache, Docker is not run again.
    let again = built_dir(
        root.path(),
        &tools,
        &request("common", "common", Architecture::Arm64),
        LayerBuilder::Docker,
    );
    let notifier = built_dir(
        root.path(),
        &tools,
        &request("notifier", "common", Architecture::Arm64),
        LayerBuilder::Auto,
    );
    assert_eq!(again, common);
    assert_eq!(notifier, common);
    assert_eq!(runs(&log).len(), 1);
    // Nothing but finished builds in the cache.
    let entries: Vec<_> = fs::read_dir(root.path().join("build/layer-cache"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries.len(), 1, "{entries:?}");
}

#[test]
fn auto_uses_docker_when_an_engine_answers() {
    let root = tempfile::tempdir().unwrap();
    let (tools, log) = docker_only(root.path(), &[("FAKE_DOCKER_PLATFORM", "linux/amd64")]);
    let jwt = built_dir(
        root.path(),
        &tools,
        &request("jwt", "jwt", Architecture::X86_64),
        LayerBuilder::Auto,
    );
    assert!(jwt.join("python/pyjwt/__init__.py").is_file());
    assert_eq!(
        runs(&log),
        ["run linux/amd64 public.ecr.aws/sam/build-python3.11"]
    );
}

#[test]
fn a_failed_build_shows_its_last_lines_and_caches_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (tools, _) = docker_only(root.path(), &[("FAKE_DOCKER_FAIL", "1")]);
    let err = resolve_layer_with(
        root.path(),
        &request("jwt", "jwt", Architecture::X86_64),
        LayerBuilder::Docker,
        &tools,
    )
    .unwrap_err();
    let LayerError::BuildFailed { ref tail, .. } = err else {
        panic!("expected BuildFailed, got {err}")
    };
    assert_eq!(tail.len(), 20);
    assert_eq!(tail.last().unwrap(), "build output line 30");
    assert!(err.to_string().contains("build output line 11"), "{err}");
    assert!(!err.to_string().contains("build output line 10\n"), "{err}");
    let cache = root.path().join("build/layer-cache");
    assert_eq!(
        fs::read_dir(&cache).unwrap().count(),
        0,
        "the failed build left something in {}",
        cache.display()
    );
}

#[test]
fn docker_asked_for_but_no_engine_is_an_error() {
    let root = tempfile::tempdir().unwrap();
    let (tools, log) = docker_only(root.path(), &[("FAKE_DOCKER_NO_ENGINE", "1")]);
    let err = resolve_layer_with(
        root.path(),
        &request("jwt", "jwt", Architecture::X86_64),
        LayerBuilder::Docker,
        &tools,
    )
    .unwrap_err();
    assert!(matches!(err, LayerError::NoDocker { .. }), "{err}");
    assert!(err.to_string().contains("--layer-builder local"), "{err}");
    assert!(runs(&log).is_empty());
}

#[test]
fn the_checkouts_recipe_is_preferred() {
    let root = tempfile::tempdir().unwrap();
    let recipe = root.path().join("lambda_dependencies/jwt");
    fs::create_dir_all(&recipe).unwrap();
    fs::write(
        recipe.join("create.sh"),
        "set -e\nmkdir -p /asset-output/python\necho mine > /asset-output/python/marker.txt\n",
    )
    .unwrap();
    let (tools, _) = docker_only(root.path(), &[]);
    let built = built_dir(
        root.path(),
        &tools,
        &request("jwt", "jwt", Architecture::Arm64),
        LayerBuilder::Docker,
    );
    assert_eq!(
        fs::read_to_string(built.join("python/marker.txt")).unwrap(),
        "mine\n"
    );
    assert!(!built.join("python/pyjwt").exists());
}

#[test]
fn an_explicit_path_that_is_missing_falls_back_to_building() {
    let root = tempfile::tempdir().unwrap();
    let deps = root.path().join("lambda_dependencies");
    fs::create_dir_all(&deps).unwrap();
    fs::write(deps.join("jwt_layer.zip"), b"prebuilt").unwrap();
    let (tools, log) = docker_only(root.path(), &[]);
    let req = LayerRequest {
        explicit_path: Some("missing/jwt.zip"),
        ..request("jwt", "jwt", Architecture::X86_64)
    };
    // As in MLSpace: a configured path replaces the prebuilt zip, and when it is absent the layer is built.
    built_dir(root.path(), &tools, &req, LayerBuilder::Docker);
    assert_eq!(runs(&log).len(), 1);
}

#[test]
fn a_built_layer_has_the_hash_of_its_recipe_not_of_its_output() {
    let root = tempfile::tempdir().unwrap();
    let recipe = root.path().join("lambda_dependencies/common");
    fs::create_dir_all(&recipe).unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/layer-recipe");
    fs::copy(fixture.join("create.sh"), recipe.join("create.sh")).unwrap();
    let (tools, _) = docker_only(root.path(), &[]);
    let LayerCode::Built(built) = resolve_layer_code_with(
        root.path(),
        &request("notifier", "common", Architecture::Arm64),
        LayerBuilder::Docker,
        &tools,
    )
    .unwrap() else {
        panic!("expected a built layer");
    };
    // aws-cdk-lib 2.212.0's hash for this recipe on arm64 (see src/mlspace/layers unit tests).
    assert_eq!(
        built.hash,
        "bee5174a1cff384fd2706544b54a3fd178271c4c73e73f0059180c4be67ec455"
    );
    let output = directory(built.output);
    assert!(output.join("python/fixture/__init__.py").is_file());
}
