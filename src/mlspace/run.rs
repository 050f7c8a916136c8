//! The synth command: configuration in, cloud assembly out.
//!
//! Everything that can fail on the user's input (configuration, source files, layer builds)
//! fails before the out dir is touched; the assembly is then written with the manifest last.
use std::path::{Path, PathBuf};

use crate::cdk::assembly::{remove_stale_manifest, write_assembly, WriteError};
use crate::cdk::synth::{synthesize, SynthError};
use crate::cdk::toolkit::{invocation, ToolkitError};
use crate::cdk::{App, Environment};
use crate::config::ConfigError;

use super::app::{build, Ctx};
use super::plan::{Clock, FixedClock, SystemClock};

/// How Lambda layers that must be built are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LayerBuilderArg {
    /// Docker when an engine answers, else pip for the target platform.
    #[default]
    Auto,
    Docker,
    Local,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Toolkit(#[from] ToolkitError),
    #[error(transparent)]
    Build(#[from] super::app::BuildError),
    #[error(transparent)]
    Synth(#[from] SynthError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("cannot read {path}: {source}; {hint}")]
    SourceFile {
        path: PathBuf,
        source: std::io::Error,
        hint: &'static str,
    },
    /// An asset that cannot be planned; `what` names it (and ends in `: ` where it names one).
    #[error("{what}{source}")]
    AssetPlan {
        what: String,
        #[source]
        source: crate::cdk::assets::AssetError,
    },
    #[error(transparent)]
    LayerPlan {
        source: Box<crate::mlspace::layers::LayerError>,
    },
    #[error("layer {id}: {source}")]
    Layer {
        id: String,
        #[source]
        source: Box<crate::mlspace::layers::LayerError>,
    },
    #[error("{} is not a folder: the web app is deployed from its build; build it first (in frontend/: `npm install` and `npm run build`)", path.display())]
    FrontendBuildMissing { path: PathBuf },
    #[error("{origin}: {problem}; {}", crate::config::CLUSTER_CONFIG_HINT)]
    ClusterConfig { origin: String, problem: String },
    #[error("{source}: the notebook lifecycle scripts are part of the MLSpace source tree; run from its root")]
    LifecycleScript {
        #[source]
        source: crate::cdk::input::InputError,
    },
    #[error(transparent)]
    Context(#[from] crate::cdk::lookups::ContextError),
    #[error(transparent)]
    Input(#[from] crate::cdk::input::InputError),
    #[error(transparent)]
    Lock(#[from] crate::cdk::outlock::LockError),
    #[error("the out dir {} exists and is not a directory: remove it, or write elsewhere with -o DIR", path.display())]
    OutDir { path: PathBuf },
    #[error(transparent)]
    Guard(#[from] crate::config::release_guard::GuardError),
    #[error(transparent)]
    Unsupported(#[from] crate::config::release_guard::Unsupported),
    #[error(
        "{LAYER_BUILDER_VAR} is {value:?}, but it must be auto, docker or local; fix or unset it"
    )]
    LayerBuilderVar { value: String },
    #[error("{value:?} is not a time in milliseconds since the epoch (13 digits, such as 1780315200000): fix or unset --synth-time / {SYNTH_TIME_VAR}")]
    SynthTime { value: String },
}

/// What is printed for an error: its message, then the causes whose text is not already
/// printed (most messages include their cause's text), so each cause appears exactly once.
pub fn error_report(e: &dyn std::error::Error) -> (String, Vec<String>) {
    let message = e.to_string();
    let mut printed = message.clone();
    let mut causes = Vec::new();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !printed.contains(&text) {
            printed.push_str(&text);
            causes.push(text);
        }
        source = s.source();
    }
    (message, causes)
}

/// Options of `mlspace-cdk synth` (also used when the cdk CLI runs the binary).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SynthArgs {
    /// Output directory (default: $CDK_OUTDIR when the cdk CLI runs us, else ./cdk.out)
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
    /// The MLSpace source root to read (default: the current directory, as for the TS app)
    #[arg(long, env = "MLSPACE_SOURCE_ROOT")]
    pub source_root: Option<PathBuf>,
    /// How to build Lambda layers that have no prebuilt zip (default: $MLSPACE_LAYER_BUILDER,
    /// else auto)
    // The variable is read by `synth` (through its environment), so that a bad value fails the
    // synth with its own message rather than every command at argument parsing.
    #[arg(long, value_enum)]
    pub layer_builder: Option<LayerBuilderArg>,
    /// Synthesize MLSpace 1.6.10's app even where the checkout differs from it in what
    /// mlspace-cdk cannot honour (TypeScript changes, feature flags, unknown constants); the
    /// differences are printed as a warning on every run
    #[arg(long, env = "MLSPACE_ALLOW_UNSUPPORTED", action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new())]
    pub allow_unsupported: bool,
    /// Take the synthesis time from here (milliseconds since the epoch, 13 digits) instead of
    /// the clock, so that two synths write the same bytes. MLSpace stamps the API deployment and
    /// three deploy-time calls with this time so that every deploy redeploys the API and reruns
    /// the calls: an assembly with a pinned time does that only when the time differs from the
    /// last deploy's. For tests and reviews; leave it (and $MLSPACE_SYNTH_TIME_MS) unset to deploy
    // Text, checked by `synth`, which reads the variable too (as for --layer-builder).
    #[arg(long, value_name = "MS")]
    pub synth_time: Option<String>,
}

/// The variable that sets `--synth-time`.
pub const SYNTH_TIME_VAR: &str = "MLSPACE_SYNTH_TIME_MS";
/// The variable that chooses the layer builder when `--layer-builder` is not given.
pub const LAYER_BUILDER_VAR: &str = "MLSPACE_LAYER_BUILDER";

/// `--layer-builder`, else [`LAYER_BUILDER_VAR`] (empty is unset), else auto.
fn layer_builder(
    arg: Option<LayerBuilderArg>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<LayerBuilderArg, RunError> {
    if let Some(arg) = arg {
        return Ok(arg);
    }
    match env(LAYER_BUILDER_VAR).filter(|v| !v.is_empty()) {
        None => Ok(LayerBuilderArg::Auto),
        Some(value) => <LayerBuilderArg as clap::ValueEnum>::from_str(&value, false)
            .map_err(|_| RunError::LayerBuilderVar { value }),
    }
}

/// The pinned synthesis time of `--synth-time` or [`SYNTH_TIME_VAR`], when one is given (an
/// empty value is none): 13 digits, as `Date.now()` gives from 2001 to 2286; the API
/// deployment's id and the creation time in seconds are derived from it.
fn pinned_time(value: Option<&str>) -> Result<Option<u64>, RunError> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let bytes = value.as_bytes();
    let thirteen_digits = bytes.len() == 13
        && (b'1'..=b'9').contains(&bytes[0])
        && bytes.iter().all(u8::is_ascii_digit);
    match value.parse::<u64>() {
        Ok(ms) if thirteen_digits => Ok(Some(ms)),
        _ => Err(RunError::SynthTime {
            value: value.to_string(),
        }),
    }
}

pub struct SynthReport {
    pub outdir: PathBuf,
    pub stacks: Vec<String>,
    pub warnings: Vec<String>,
}

/// Synthesize the MLSpace app whose source root is `--source-root` or `cwd`. A relative out
/// dir is relative to `cwd`, as the cdk CLI means it.
pub fn synth(
    cwd: &Path,
    args: &SynthArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<SynthReport, RunError> {
    let project_dir = match &args.source_root {
        Some(root) => cwd.join(root),
        None => cwd.to_path_buf(),
    };
    let project_dir = project_dir.as_path();
    let inv = invocation(project_dir, args.output.clone(), env)?;
    let outdir = cwd.join(&inv.outdir);
    check_outdir(&outdir)?;
    check_outdir_outside_sources(&outdir, project_dir)?;
    // The cdk CLI holds the out dir's lock while it runs us; on our own we take it.
    let _lock = if crate::cdk::outlock::run_by_cli(env, args.output.as_deref()) {
        None
    } else {
        Some(crate::cdk::outlock::OutLock::acquire(&outdir)?)
    };
    let _sweep = crate::cdk::cleanup::sweep_on_interrupt(&outdir);
    let result = synth_into(project_dir, args, inv.context, &outdir, env);
    if result.is_err() {
        remove_stale_manifest(&outdir);
    }
    result
}

/// The out dir must be a directory (or not exist yet).
fn check_outdir(outdir: &Path) -> Result<(), RunError> {
    match std::fs::metadata(outdir) {
        Ok(meta) if !meta.is_dir() => Err(RunError::OutDir {
            path: outdir.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

/// Folders of the source tree that become assets (copied into the out dir): an out dir inside
/// one would be copied into itself. Checked before anything is created.
const ASSET_SOURCE_DIRS: [&str; 5] = [
    super::app::LAMBDA_SOURCE_PATH,
    super::app::FRONTEND_BUILD_PATH,
    super::stacks::core::CONFIG_FILES,
    super::stacks::core::EXAMPLE_NOTEBOOKS,
    "lambda_dependencies",
];

fn check_outdir_outside_sources(outdir: &Path, project_dir: &Path) -> Result<(), RunError> {
    let out = resolve_existing_prefix(outdir);
    for rel in ASSET_SOURCE_DIRS {
        let Ok(source) = std::fs::canonicalize(project_dir.join(rel)) else {
            continue;
        };
        if out.starts_with(&source) {
            return Err(RunError::AssetPlan {
                what: String::new(),
                source: crate::cdk::assets::AssetError::OutDirInsideSource {
                    outdir: outdir.to_path_buf(),
                    source_dir: project_dir.join(rel),
                },
            });
        }
    }
    Ok(())
}

/// `path` with its longest existing prefix resolved (links followed), the rest appended.
fn resolve_existing_prefix(path: &Path) -> PathBuf {
    let mut rest = Vec::new();
    let mut current = path.to_path_buf();
    loop {
        if let Ok(real) = std::fs::canonicalize(&current) {
            return rest.iter().rev().fold(real, |p, c| p.join(c));
        }
        match (current.file_name(), current.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                current = parent.to_path_buf();
            }
            _ => return path.to_path_buf(),
        }
    }
}

fn synth_into(
    project_dir: &Path,
    args: &SynthArgs,
    context: serde_json::Map<String, serde_json::Value>,
    outdir: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<SynthReport, RunError> {
    let pin = args.synth_time.clone().or_else(|| env(SYNTH_TIME_VAR));
    let pinned = pinned_time(pin.as_deref())?;
    let builder = layer_builder(args.layer_builder, env)?;
    let fixed = pinned.map(|ms| FixedClock(ms.into()));
    let clock: &dyn Clock = match &fixed {
        Some(fixed) => fixed,
        None => &SystemClock,
    };
    let mut loaded = crate::config::load(project_dir)?;
    crate::cdk::lookups::check_context(
        &context,
        &[
            crate::constructs::lambda::RECOGNIZE_LAYER_VERSION_FLAG,
            crate::constructs::custom_resources::INSTALL_LATEST_SDK_FLAG,
        ],
        &[crate::constructs::iam::MINIMIZE_POLICIES_FLAG],
    )?;
    if let Some(unsupported) = check_release(project_dir, &context, &loaded)? {
        if !args.allow_unsupported {
            return Err(unsupported.into());
        }
        loaded.warnings.push(unsupported.warning());
    }
    if let Some(ms) = pinned {
        loaded.warnings.push(format!(
            "the synthesis time is pinned to {ms} (--synth-time / {SYNTH_TIME_VAR}): deploying this assembly redeploys the API and reruns the deploy-time calls only if that time differs from the last deploy's; leave it unset to deploy"
        ));
    }
    let cfg = &loaded.config;
    let mut app = App::new(context);
    // Hashing the large sources in the background overlaps with planning and building.
    super::plan::prefetch(&mut app.asset_plans, project_dir);
    let tools = crate::mlspace::layers::BuildTools::from_env(env);
    let layers = super::plan::LayerTools {
        builder: builder.into(),
        tools: &tools,
    };
    let inputs = super::plan::plan(project_dir, cfg, &layers, clock, &mut app.asset_plans)?;
    let ctx = Ctx {
        cfg,
        env: Environment {
            account: cfg.aws_account.clone(),
            region: cfg.aws_region.clone(),
        },
        inputs: &inputs,
    };
    build(&mut app, &ctx)?;
    let assembly = synthesize(&mut app)?;
    write_assembly(outdir, &assembly)?;
    Ok(SynthReport {
        outdir: outdir.to_path_buf(),
        stacks: assembly.stack_names,
        warnings: loaded.warnings,
    })
}

/// The release guard: what in the checkout differs from MLSpace 1.6.10 where mlspace-cdk cannot
/// honour it (see `config::release_guard`), or `None`.
pub fn check_release(
    project_dir: &Path,
    context: &serde_json::Map<String, serde_json::Value>,
    loaded: &crate::config::Loaded,
) -> Result<Option<crate::config::release_guard::Unsupported>, RunError> {
    use crate::config::release_guard::{differences, read_checkout, Unsupported};
    let checkout = read_checkout(project_dir)?;
    let found = differences(
        &crate::config::RELEASE,
        &checkout,
        context,
        &loaded.constants_exports,
    );
    Ok((!found.is_empty()).then_some(Unsupported { differences: found }))
}

impl From<LayerBuilderArg> for super::layers::LayerBuilder {
    fn from(arg: LayerBuilderArg) -> Self {
        match arg {
            LayerBuilderArg::Auto => super::layers::LayerBuilder::Auto,
            LayerBuilderArg::Docker => super::layers::LayerBuilder::Docker,
            LayerBuilderArg::Local => super::layers::LayerBuilder::Local,
        }
    }
}
