//! Planning: everything the build takes from the world, resolved once before any stack is built.
//!
//! `run` calls [`plan`] and hands the [`Inputs`] to `app::build` through `Ctx`; the stacks only
//! read them. Each effect has its home here and a fake for tests ([`Inputs::fake`],
//! [`FixedClock`]).
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value as J;

use crate::config::CLUSTER_CONFIG_FILE;
use crate::constructs::handlers::{HandlerCode, HandlerKind};

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

/// A clock that always says the same time (tests).
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
            HandlerCode::load(kind).map_err(|e| RunError::Asset(format!("the {what}: {e}")))
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
        }
    }
}

/// Resolves every input of the build: reads the files of the MLSpace tree at `source_root`
/// that the stacks use and takes the synthesis time from `clock`.
pub fn plan(source_root: &Path, clock: &dyn Clock) -> Result<Inputs, RunError> {
    Ok(Inputs {
        now_ms: clock.now_ms(),
        cluster_config: read_cluster_config(source_root)?,
        lifecycle: read_lifecycle_scripts(source_root)?,
        handlers: Handlers::load()?,
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
    check_cluster_config(&cluster).map_err(|problem| {
        RunError::Asset(format!(
            "{origin}: {problem}; {}",
            crate::config::CLUSTER_CONFIG_HINT
        ))
    })?;
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
                    RunError::Asset(format!("{e}: the notebook lifecycle scripts are part of the MLSpace source tree; run from its root"))
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

    #[test]
    fn plans_the_tree_files_and_the_clock() {
        let inputs = plan(example_tree(), &FixedClock(42)).unwrap();
        assert_eq!(inputs.now_ms, 42);
        assert!(inputs.lifecycle.on_create.contains("<DATA_BUCKET_NAME>"));
        assert!(inputs.lifecycle.on_start.starts_with("#!/bin/bash"));
        assert!(inputs.cluster_config.get("auto-scaling").is_some());
        assert_ne!(
            inputs.handlers.sdk_call.hash(),
            inputs.handlers.bucket_deployment.hash()
        );
    }

    #[test]
    fn missing_lifecycle_scripts_say_where_to_run_from() {
        let err = plan(Path::new("/nonexistent/mlspace"), &SystemClock).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("lifecycle-create.sh"), "{text}");
        assert!(text.contains("run from its root"), "{text}");
    }

    #[test]
    fn the_fake_matches_the_types_of_the_real_cluster_config() {
        check_cluster_config(&Inputs::fake().cluster_config).unwrap();
    }
}
