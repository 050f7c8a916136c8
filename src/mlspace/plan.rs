//! Planning: everything the build takes from the world, resolved once before any stack is built.
//!
//! `run` calls [`plan`] and hands the [`Inputs`] to `app::build` through `Ctx`; the stacks only
//! read them. Each effect has its home here and a fake for tests ([`Inputs::fake`],
//! [`FixedClock`]).
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as J;

use crate::cdk::assets::{AssetOptions, AssetSource, PlannedAsset, Planner};
use crate::config::{Config, CLUSTER_CONFIG_FILE};
use crate::constructs::handlers::{HandlerCode, HandlerKind};

use super::layers::{
    resolve_layer_code_with, BuildTools, LayerBuilder, LayerRequest, PlannedLayer,
};

use super::run::RunError;
use super::stacks::core::{check_cluster_config, default_cluster_config};
use super::stacks::sagemaker::{CREATE_SCRIPT, START_SCRIPT};

/// Where the synthesis time comes from.
pub trait Clock {
    /// Milliseconds since the epoch.
    fn now_ms(&self) -> u128;
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u128 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default()
    }
}

/// A clock that always says the same time (`--synth-time`, tests).
pub struct FixedClock(pub u128);

impl Clock for FixedClock {
    fn now_ms(&self) -> u128 {
        self.0
    }
}

/// What the stacks take from the world, read once.
#[derive(Debug, Clone)]
pub struct Inputs {
    /// The synthesis time, in milliseconds since the epoch. compat: the TS app stamps the API
    /// deployment's construct id, three deploy-time calls and the initial app configuration's
    /// `createdAt` with `Date.now()`, so that every deploy redeploys the API and reruns the calls.
    pub now_ms: u128,
    /// lib/resources/config/cluster-config.json (MLSpace's defaults when it is absent), checked.
    pub cluster_config: J,
    /// The notebook lifecycle scripts of lib/resources/sagemaker.
    pub lifecycle: LifecycleScripts,
    /// Our custom-resource handlers' code (compiled in), planned as assets.
    pub handlers: Handlers,
    /// The Lambda layers, found or built, and planned.
    pub layers: Layers,
    /// The folders of the tree that become assets, fingerprinted.
    pub assets: TreeAssets,
}

/// The folders of the MLSpace tree that the stacks publish, planned (fingerprinted).
#[derive(Debug, Clone)]
pub struct TreeAssets {
    /// backend/src: one code asset shared by every MLSpace function.
    pub lambda_code: PlannedAsset,
    /// lib/config: deployed to the config bucket.
    pub config_files: PlannedAsset,
    /// The example notebooks, deployed to the data bucket.
    pub example_notebooks: PlannedAsset,
    /// frontend/build: the web app, deployed to the website bucket.
    pub frontend_build: PlannedAsset,
}

/// MLSpace's three layers (the notifier layer is the common recipe under its own name).
#[derive(Debug, Clone)]
pub struct Layers {
    pub common: PlannedLayer,
    pub notifier: PlannedLayer,
    pub jwt: PlannedLayer,
}

/// How layers are found or built: the builder chosen and the programs it runs.
pub struct LayerTools<'a> {
    pub builder: LayerBuilder,
    pub tools: &'a BuildTools,
}

/// The notebook instance lifecycle scripts, as the TS app reads them.
#[derive(Debug, Clone)]
pub struct LifecycleScripts {
    /// lifecycle-create.sh, with its `<DATA_BUCKET_NAME>` placeholder.
    pub on_create: String,
    /// lifecycle-start.sh.
    pub on_start: String,
}

/// The code of each custom-resource handler, planned once and shared by the stacks.
#[derive(Debug, Clone)]
pub struct Handlers {
    pub bucket_deployment: HandlerCode,
    pub sdk_call: HandlerCode,
    pub bucket_notifications: HandlerCode,
}

impl Handlers {
    pub fn load() -> Result<Handlers, RunError> {
        let load = |kind, what: &str| {
            HandlerCode::load(kind).map_err(|source| RunError::AssetPlan {
                what: format!("the {what}: "),
                source,
            })
        };
        Ok(Handlers {
            bucket_deployment: load(HandlerKind::BucketDeployment, "bucket deployment handler")?,
            sdk_call: load(HandlerKind::SdkCall, "SDK call handler")?,
            bucket_notifications: load(
                HandlerKind::BucketNotifications,
                "bucket notifications handler",
            )?,
        })
    }
}

impl Inputs {
    /// Inputs for tests: a fixed time (2026-06-01 12:00:00 UTC), MLSpace's default cluster
    /// configuration and two small lifecycle scripts; nothing is read.
    pub fn fake() -> Inputs {
        Inputs {
            now_ms: 1_780_315_200_000,
            cluster_config: default_cluster_config(),
            lifecycle: LifecycleScripts {
                on_create: "#!/bin/bash\naws s3 cp s3://<DATA_BUCKET_NAME>/setup.sh .\n".into(),
                on_start: "#!/bin/bash\necho started\n".into(),
            },
            handlers: Handlers::load().expect("the compiled-in handlers plan"),
            layers: Layers {
                common: fake_layer("common"),
                notifier: fake_layer("notifier"),
                jwt: fake_layer("jwt"),
            },
            assets: TreeAssets {
                lambda_code: fake_asset("handler.py"),
                config_files: fake_asset("config.json"),
                example_notebooks: fake_asset("example.ipynb"),
                frontend_build: fake_asset("index.html"),
            },
        }
    }
}

/// A folder of one small file, planned from memory.
fn fake_asset(name: &str) -> PlannedAsset {
    let files = vec![(name.to_string(), format!("test {name}\n").into_bytes())];
    crate::cdk::assets::plan(AssetSource::Files(files), &AssetOptions::default())
        .expect("an in-memory folder plans")
}

/// A layer of one small file, planned from memory (a test stand-in: not a real layer layout).
fn fake_layer(name: &str) -> PlannedLayer {
    let files = vec![(format!("{name}.py"), b"# test layer\n".to_vec())];
    let planned = crate::cdk::assets::plan(AssetSource::Files(files), &AssetOptions::default())
        .expect("an in-memory layer plans");
    PlannedLayer::Given(planned)
}

/// Starts fingerprinting the two large sources of the tree at `source_root` (the Lambda code and
/// the web app's build) in the background, so that hashing them overlaps with the rest of
/// planning; [`plan`] then takes the results from `planner`.
pub fn prefetch(planner: &mut Planner, source_root: &Path) {
    planner.prefetch(
        AssetSource::Directory(source_root.join(super::app::LAMBDA_SOURCE_PATH)),
        &AssetOptions::default(),
    );
    let frontend = source_root.join(super::app::FRONTEND_BUILD_PATH);
    if frontend.is_dir() {
        planner.prefetch(AssetSource::Directory(frontend), &AssetOptions::default());
    }
}

/// Resolves every input of the build: finds or builds the layers, reads the files of the
/// MLSpace tree at `source_root` that the stacks use, fingerprints its folders that become
/// assets and takes the synthesis time from `clock`.
/// compat: in the order the stacks met them when they read while building (the config files,
/// the example notebooks, the common layer, the Lambda code, the notifier layer,
/// cluster-config.json, the lifecycle scripts, the JWT layer, the web app's build), so that the
/// first failure reported is the same.
pub fn plan(
    source_root: &Path,
    cfg: &Config,
    layers: &LayerTools,
    clock: &dyn Clock,
    planner: &mut Planner,
) -> Result<Inputs, RunError> {
    let now_ms = clock.now_ms();
    let handlers = Handlers::load()?;
    let config_files = tree_asset(
        planner,
        source_root,
        super::stacks::core::CONFIG_FILES,
        "mlspace-core MLSpaceConfigDeployment: ",
    )?;
    let example_notebooks = tree_asset(
        planner,
        source_root,
        super::stacks::core::EXAMPLE_NOTEBOOKS,
        "mlspace-core MLSpaceExampleDataDeployment: ",
    )?;
    let common = core_layer(source_root, cfg, layers, "common")?;
    let lambda_code = lambda_code(planner, source_root)?;
    let notifier = core_layer(source_root, cfg, layers, "notifier")?;
    let cluster_config = read_cluster_config(source_root)?;
    let lifecycle = read_lifecycle_scripts(source_root)?;
    let jwt = jwt_layer(source_root, cfg, layers)?;
    let frontend_build = frontend_build(planner, source_root)?;
    Ok(Inputs {
        now_ms,
        cluster_config,
        lifecycle,
        handlers,
        layers: Layers {
            common,
            notifier,
            jwt,
        },
        assets: TreeAssets {
            lambda_code,
            config_files,
            example_notebooks,
            frontend_build,
        },
    })
}

/// A file or folder of the tree as `Source.asset` takes it: a zip is published as it is, a
/// folder zipped. `what` prefixes the error.
fn tree_asset(
    planner: &mut Planner,
    root: &Path,
    rel: &str,
    what: &str,
) -> Result<PlannedAsset, RunError> {
    let path = root.join(rel);
    let source = if path.is_file() {
        AssetSource::File(path)
    } else {
        AssetSource::Directory(path)
    };
    planner
        .plan(source, &AssetOptions::default())
        .map_err(|source| RunError::AssetPlan {
            what: what.to_string(),
            source,
        })
}

/// MLSpace's Lambda code: one asset shared by every function (from the prefetch).
fn lambda_code(planner: &mut Planner, root: &Path) -> Result<PlannedAsset, RunError> {
    let path = super::app::LAMBDA_SOURCE_PATH;
    planner
        .plan(
            AssetSource::Directory(root.join(path)),
            &AssetOptions::default(),
        )
        .map_err(|source| RunError::AssetPlan {
            what: format!("MLSpace's Lambda code ({path}): "),
            source,
        })
}

/// The web app's build, which must exist (from the prefetch).
fn frontend_build(planner: &mut Planner, root: &Path) -> Result<PlannedAsset, RunError> {
    let build = root.join(super::app::FRONTEND_BUILD_PATH);
    if !build.is_dir() {
        return Err(RunError::FrontendBuildMissing { path: build });
    }
    planner
        .plan(AssetSource::Directory(build), &AssetOptions::default())
        .map_err(|source| RunError::AssetPlan {
            what: String::new(),
            source,
        })
}

/// A layer of mlspace-core (`common` or `notifier`): the common recipe, COMMON_LAYER_PATH.
fn core_layer(
    root: &Path,
    cfg: &Config,
    layers: &LayerTools,
    id: &str,
) -> Result<PlannedLayer, RunError> {
    let request = LayerRequest {
        id,
        recipe: "common",
        explicit_path: cfg.common_layer_path.as_deref().filter(|p| !p.is_empty()),
        runtime: cfg.lambda_runtime,
        architecture: cfg.lambda_architecture,
    };
    resolve_layer_code_with(root, &request, layers.builder, layers.tools)
        .and_then(|code| code.plan(id))
        .map_err(|e| RunError::Layer {
            id: id.to_string(),
            source: Box::new(e),
        })
}

/// The web tier's JWT layer: the jwt recipe, JWT_LAYER_PATH.
fn jwt_layer(root: &Path, cfg: &Config, layers: &LayerTools) -> Result<PlannedLayer, RunError> {
    let request = LayerRequest {
        id: "jwt",
        recipe: "jwt",
        explicit_path: cfg.jwt_layer_path.as_deref(),
        runtime: cfg.lambda_runtime,
        architecture: cfg.lambda_architecture,
    };
    resolve_layer_code_with(root, &request, layers.builder, layers.tools)
        .and_then(|code| code.plan("jwt"))
        .map_err(|e| RunError::LayerPlan {
            source: Box::new(e),
        })
}

/// Reads `<root>/lib/resources/config/cluster-config.json`, or the defaults when it is absent.
pub fn read_cluster_config(root: &Path) -> Result<J, RunError> {
    let path = root.join(CLUSTER_CONFIG_FILE);
    let Some(text) = crate::cdk::input::read_optional_text(&path, crate::cdk::input::SMALL_INPUT)?
    else {
        return Ok(default_cluster_config());
    };
    let origin = path.display().to_string();
    let cluster =
        crate::config::merge::parse_object_or(&text, &origin, crate::config::CLUSTER_CONFIG_HINT)?;
    let cluster = J::Object(cluster);
    check_cluster_config(&cluster)
        .map_err(|problem| RunError::ClusterConfig { origin, problem })?;
    Ok(cluster)
}

/// Reads the notebook lifecycle scripts of the tree at `root`.
pub fn read_lifecycle_scripts(root: &Path) -> Result<LifecycleScripts, RunError> {
    let read = |rel: &str| -> Result<String, RunError> {
        let path = root.join(rel);
        // compat: the TS app decodes the scripts as Node does (a BOM kept, a bad byte replaced).
        crate::cdk::input::read_bytes(&path, crate::cdk::input::SMALL_INPUT)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| {
                if e.is_not_found() {
                    RunError::LifecycleScript { source: e }
                } else {
                    e.into()
                }
            })
    };
    Ok(LifecycleScripts {
        on_create: read(CREATE_SCRIPT)?,
        on_start: read(START_SCRIPT)?,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    /// The repository's example MLSpace tree (read only).
    fn example_tree() -> &'static Path {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/mlspace"))
    }

    /// The report `main` prints: the message and the causes not already in it.
    fn printed(e: &RunError) -> String {
        let (message, causes) = crate::mlspace::run::error_report(e);
        std::iter::once(message)
            .chain(causes)
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_nested_cause_is_kept_and_printed_once() {
        use std::error::Error as _;
        let e = RunError::Layer {
            id: "common".into(),
            source: Box::new(crate::mlspace::layers::LayerError::Io {
                path: "lambda_dependencies/common/requirements.txt".into(),
                source: std::io::Error::other("disk on fire"),
            }),
        };
        // The chain keeps the typed causes: RunError -> LayerError -> io::Error.
        let layer = e.source().expect("the layer error is the source");
        assert_eq!(
            layer.to_string(),
            "lambda_dependencies/common/requirements.txt: disk on fire"
        );
        assert_eq!(layer.source().unwrap().to_string(), "disk on fire");
        let text = printed(&e);
        assert_eq!(text.matches("disk on fire").count(), 1, "{text}");
        assert!(text.starts_with("layer common: lambda_dependencies/common/requirements.txt: "));

        // A lifecycle script missing from the tree: the file is named, its cause once.
        let empty = tempfile::tempdir().unwrap();
        let e = read_lifecycle_scripts(empty.path()).unwrap_err();
        assert!(matches!(e, RunError::LifecycleScript { .. }), "{e:?}");
        let cause = e.source().unwrap().to_string();
        let text = printed(&e);
        assert_eq!(text.matches(&cause).count(), 1, "{text}");
        assert!(text.contains(CREATE_SCRIPT), "{text}");
    }

    #[test]
    fn reads_the_tree_files_and_loads_distinct_handlers() {
        let lifecycle = read_lifecycle_scripts(example_tree()).unwrap();
        assert!(lifecycle.on_create.contains("<DATA_BUCKET_NAME>"));
        assert!(lifecycle.on_start.starts_with("#!/bin/bash"));
        let cluster = read_cluster_config(example_tree()).unwrap();
        assert!(cluster.get("auto-scaling").is_some());
        let handlers = Handlers::load().unwrap();
        assert_ne!(handlers.sdk_call.hash(), handlers.bucket_deployment.hash());
        assert_eq!(FixedClock(42).now_ms(), 42);
    }

    /// A whole plan of a tree with prebuilt layers: nothing is built, the clock is the one given.
    #[test]
    fn plans_a_tree_with_prebuilt_layers() {
        use crate::mlspace::stacks::testing::{config, source_tree};
        let tree = source_tree();
        let tools = BuildTools::unavailable();
        let layers = LayerTools {
            builder: LayerBuilder::Local,
            tools: &tools,
        };
        let mut planner = Planner::default();
        let inputs = plan(
            tree.path(),
            &config(""),
            &layers,
            &FixedClock(42),
            &mut planner,
        )
        .unwrap();
        assert_eq!(inputs.now_ms, 42);
        for layer in [
            &inputs.layers.common,
            &inputs.layers.notifier,
            &inputs.layers.jwt,
        ] {
            assert!(matches!(layer, PlannedLayer::Given(_)), "{layer:?}");
        }
    }

    #[test]
    fn missing_lifecycle_scripts_say_where_to_run_from() {
        let err = read_lifecycle_scripts(Path::new("/nonexistent/mlspace")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("lifecycle-create.sh"), "{text}");
        assert!(text.contains("run from its root"), "{text}");
    }

    #[test]
    fn the_fake_matches_the_types_of_the_real_cluster_config() {
        check_cluster_config(&Inputs::fake().cluster_config).unwrap();
    }
}
