//! MLSpace's Lambda layers: where each layer's code comes from.
//!
//! In order (as MLSpace's TypeScript app decides):
//! 1. an explicit path from the configuration (`COMMON_LAYER_PATH`, `JWT_LAYER_PATH`), when it exists;
//! 2. otherwise, without an explicit path, a prebuilt `lambda_dependencies/<id>_layer.zip`;
//! 3. otherwise the layer is built from its recipe: the checkout's
//!    `lambda_dependencies/<recipe>/` when it has a `create.sh`, else ours (`lambda-layers/`,
//!    built into the binary). The notifier layer is the common recipe under its own id.
//!
//! Builds are cached by content in `<root>/build/layer-cache/<key>/`; the key covers the
//! recipe files, runtime, architecture and builder, so an unchanged layer is never rebuilt.
//!
//! A built layer keeps the asset hash the TypeScript app gives it (see [`layer_asset_hash`]):
//! that hash depends on the recipe folder and the bundling options only, never on what the
//! build produced, so a deployment made by the TypeScript app sees no change.

mod build;
mod construct;

use crate::cdk::digest::hex;
use crate::cdk::lambda_runtimes::LambdaRuntime;
use crate::constructs::lambda::Architecture;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::cdk::assets::{
    extension, fingerprint, AssetError, AssetOptions, AssetSource, Packaging, PlannedAsset,
    DEFAULT_EXCLUDE,
};

pub use build::{docker_args, pip_args, BuildTools};
pub use construct::{lambda_layer, planned_lambda_layer, LambdaLayerProps, BUCKET_CODE_ACK};

/// One layer the app needs.
#[derive(Debug, Clone, Copy)]
pub struct LayerRequest<'a> {
    /// `common`, `jwt` or `notifier`: names the prebuilt zip and the construct.
    pub id: &'a str,
    /// `common` or `jwt`: which recipe builds it.
    pub recipe: &'a str,
    /// The configured layer path, relative to the root unless absolute.
    pub explicit_path: Option<&'a str>,
    pub runtime: LambdaRuntime,
    pub architecture: Architecture,
}

impl<'a> LayerRequest<'a> {
    /// A layer with no configured path: the prebuilt zip, else built from `recipe`.
    pub fn new(
        id: &'a str,
        recipe: &'a str,
        runtime: LambdaRuntime,
        architecture: Architecture,
    ) -> Self {
        LayerRequest {
            id,
            recipe,
            explicit_path: None,
            runtime,
            architecture,
        }
    }
}

/// Who builds a layer that has to be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayerBuilder {
    /// Docker when an engine answers, else local.
    #[default]
    Auto,
    Docker,
    Local,
}

impl std::str::FromStr for LayerBuilder {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(LayerBuilder::Auto),
            "docker" => Ok(LayerBuilder::Docker),
            "local" => Ok(LayerBuilder::Local),
            other => Err(format!(
                "unknown layer builder {other:?}: use auto, docker or local"
            )),
        }
    }
}

/// A builder that actually runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuilderKind {
    Docker,
    Local,
}

impl BuilderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BuilderKind::Docker => "docker",
            BuilderKind::Local => "local",
        }
    }
}

#[derive(Debug, Error)]
pub enum LayerError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no recipe named {recipe:?} for layer {layer:?}: use \"common\" or \"jwt\"")]
    UnknownRecipe { layer: String, recipe: String },
    #[error("layer {layer}: --layer-builder docker was asked for, but `{program} version` failed ({detail}); start Docker or use --layer-builder local")]
    NoDocker {
        layer: String,
        program: String,
        detail: String,
    },
    #[error("layer {layer}: cannot run {program:?}: {source}; install it or choose another --layer-builder")]
    Spawn {
        layer: String,
        program: String,
        #[source]
        source: io::Error,
    },
    #[error("layer {layer} ({builder}) failed with {status}; its last output lines:\n{}", tail.join("\n"))]
    BuildFailed {
        layer: String,
        builder: &'static str,
        status: String,
        tail: Vec<String>,
    },
    #[error("layer {layer}: the build wrote nothing to {}; the recipe must write into /asset-output", dir.display())]
    NoOutput { layer: String, dir: PathBuf },
    #[error("layer {layer}: cannot hash its recipe {origin}: {source}")]
    RecipeHash {
        layer: String,
        origin: String,
        #[source]
        source: AssetError,
    },
    #[error("layer {layer}: the prebuilt layer {} cannot be used: {problem}; replace it with a zip of the layer (python/ at its root), or remove it to build the layer", path.display())]
    Prebuilt {
        layer: String,
        path: PathBuf,
        problem: String,
    },
    #[error("layer {layer}: its recipe cannot be read: {message}")]
    Recipe { layer: String, message: String },
    #[error("layer {layer}: {source}")]
    Asset {
        layer: String,
        #[source]
        source: AssetError,
    },
}

impl LayerError {
    fn io(path: &Path, source: io::Error) -> Self {
        LayerError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A layer's code, and how the TypeScript app would have referred to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LayerCode {
    /// A prebuilt zip or a configured path, used as it is (the layer version's own `Code` asset).
    Given(AssetSource),
    /// Built from a recipe: an asset of the layer construct, read from the bucket by the layer
    /// version.
    Built(BuiltLayer),
}

impl LayerCode {
    /// The zip, folder or build output the asset is staged from.
    pub fn source(&self) -> &AssetSource {
        match self {
            LayerCode::Given(source) => source,
            LayerCode::Built(built) => &built.output,
        }
    }

    pub fn into_source(self) -> AssetSource {
        match self {
            LayerCode::Given(source) => source,
            LayerCode::Built(built) => built.output,
        }
    }

    /// The code with its asset planned: a given zip or folder is fingerprinted (read) here, a
    /// built layer is named by its recipe's hash. `layer` names the layer in errors.
    pub fn plan(self, layer: &str) -> Result<PlannedLayer, LayerError> {
        match self {
            LayerCode::Given(source) => crate::cdk::assets::plan(source, &AssetOptions::default())
                .map(PlannedLayer::Given)
                .map_err(|source| LayerError::Asset {
                    layer: layer.into(),
                    source,
                }),
            LayerCode::Built(built) => Ok(PlannedLayer::Built(built)),
        }
    }
}

/// A layer's code, planned: what the layer construct renders without reading anything.
#[derive(Debug, Clone)]
pub enum PlannedLayer {
    /// A given zip or folder, fingerprinted: the layer version's own asset.
    Given(PlannedAsset),
    /// A layer built from a recipe, read from the assets bucket.
    Built(BuiltLayer),
}

/// A layer built from a recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltLayer {
    /// The asset hash, from the recipe and the bundling options ([`layer_asset_hash`]).
    pub hash: String,
    /// The build output: its directory, or the lone archive in it.
    pub output: AssetSource,
}

impl BuiltLayer {
    /// The asset to stage: the build output under the recipe's hash. A directory is zipped at
    /// publish time (`asset.<hash>`, key `<hash>.zip`); a lone archive is published as it is
    /// (`asset.<hash><ext>`, key `<hash><ext>`).
    pub fn planned(&self) -> PlannedAsset {
        let (packaging, staged_name) = match &self.output {
            AssetSource::File(path) => (
                Packaging::File,
                format!("asset.{}{}", self.hash, extension(path)),
            ),
            _ => (Packaging::Zip, format!("asset.{}", self.hash)),
        };
        PlannedAsset {
            hash: self.hash.clone(),
            packaging,
            staged_name,
            source: self.output.clone(),
            options: AssetOptions::default(),
        }
    }
}

/// Where the layer's files come from, with explicit tools (tests pass a stand-in `docker`).
pub fn resolve_layer_with(
    root: &Path,
    req: &LayerRequest,
    builder: LayerBuilder,
    tools: &BuildTools,
) -> Result<AssetSource, LayerError> {
    resolve_layer_code_with(root, req, builder, tools).map(LayerCode::into_source)
}

/// Finds or builds a layer's code with `tools` (see [`BuildTools::from_env`]).
pub fn resolve_layer_code_with(
    root: &Path,
    req: &LayerRequest,
    builder: LayerBuilder,
    tools: &BuildTools,
) -> Result<LayerCode, LayerError> {
    if let Some(explicit) = req.explicit_path {
        let path = root.join(explicit);
        if path.is_file() {
            check_layer_zip(req.id, &path)?;
            return Ok(LayerCode::Given(AssetSource::File(path)));
        }
        if path.is_dir() {
            return Ok(LayerCode::Given(AssetSource::Directory(path)));
        }
        if path.exists() {
            return Err(LayerError::Prebuilt {
                layer: req.id.into(),
                path,
                problem: "it is neither a file nor a folder".into(),
            });
        }
        // compat: MLSpace builds the layer when the configured path does not exist, and
        // does not look for the prebuilt zip then.
        eprintln!(
            "layer {}: {} does not exist; building the layer instead",
            req.id,
            path.display()
        );
    } else {
        let prebuilt = root
            .join("lambda_dependencies")
            .join(format!("{}_layer.zip", req.id));
        // Anything at that name is meant as the prebuilt layer: it is checked, never skipped.
        if fs::symlink_metadata(&prebuilt).is_ok() {
            check_layer_zip(req.id, &prebuilt)?;
            return Ok(LayerCode::Given(AssetSource::File(prebuilt)));
        }
    }
    let output = build_cached(root, req, builder, tools)?;
    let hash = recipe_asset_hash(root, req)?;
    let output = single_archive(&output)
        .map(AssetSource::File)
        .unwrap_or(AssetSource::Directory(output));
    Ok(LayerCode::Built(BuiltLayer { hash, output }))
}

/// A prebuilt layer must be a regular file that is a readable zip archive with `python/` at its
/// root (where Lambda looks for a Python layer's packages).
fn check_layer_zip(layer: &str, path: &Path) -> Result<(), LayerError> {
    let bad = |problem: String| LayerError::Prebuilt {
        layer: layer.into(),
        path: path.to_path_buf(),
        problem,
    };
    let (file, _) = crate::cdk::input::open_regular(path).map_err(|e| bad(e.to_string()))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| bad(format!("it is not a readable zip archive ({e})")))?;
    let mut has_python = false;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| bad(format!("its entry {i} cannot be read ({e})")))?;
        has_python |= entry.name().starts_with("python/");
    }
    if !has_python {
        return Err(bad("it has no python/ folder at its root".into()));
    }
    Ok(())
}

/// The bundling options MLSpace gives a layer asset, serialised as aws-cdk-lib mixes them into
/// the asset hash: the keys in the order MLSpace writes them, the image by name, and no
/// `environment` (MLSpace passes none, and an absent value is left out).
pub fn bundling_options_json(runtime: LambdaRuntime, architecture: Architecture) -> String {
    serde_json::json!({
        "image": format!("public.ecr.aws/sam/build-{runtime}"),
        "command": ["./create.sh"],
        "platform": architecture.docker_platform(),
        "outputType": "auto-discover",
        "securityOpt": "no-new-privileges:true",
        "entrypoint": ["/bin/bash"],
        "workingDirectory": "/asset-input",
    })
    .to_string()
}

/// The hash aws-cdk-lib gives a bundled asset whose hash type is `SOURCE`: SHA-256 of the
/// recipe folder's fingerprint followed by the bundling options ([`bundling_options_json`]).
/// The build output plays no part: the same recipe always has the same hash.
pub fn layer_asset_hash(
    recipe_dir: &Path,
    runtime: LambdaRuntime,
    architecture: Architecture,
) -> Result<String, AssetError> {
    let options = AssetOptions {
        exclude: vec![DEFAULT_EXCLUDE.to_string()],
        ..Default::default()
    };
    let source = fingerprint(recipe_dir, &options)?;
    Ok(bundled_hash(&source, runtime, architecture))
}

/// [`layer_asset_hash`] of a recipe held in memory (our built-in recipes): the same hash as
/// the recipe written to a folder, without writing it.
pub fn recipe_files_hash(
    files: &[(String, Vec<u8>)],
    runtime: LambdaRuntime,
    architecture: Architecture,
) -> Result<String, AssetError> {
    let options = AssetOptions {
        exclude: vec![DEFAULT_EXCLUDE.to_string()],
        ..Default::default()
    };
    let source = crate::cdk::assets::files_fingerprint(files, &options)?;
    Ok(bundled_hash(&source, runtime, architecture))
}

fn bundled_hash(source: &str, runtime: LambdaRuntime, architecture: Architecture) -> String {
    let mut hash = Sha256::new();
    hash.update(source.as_bytes());
    hash.update(bundling_options_json(runtime, architecture).as_bytes());
    hex(&hash.finalize())
}

/// [`layer_asset_hash`] of the recipe the layer is built from: the checkout's folder (which
/// MLSpace copies whole into its build folder before hashing), else our built-in recipe.
fn recipe_asset_hash(root: &Path, req: &LayerRequest) -> Result<String, LayerError> {
    let (hash, origin) = match checkout_recipe_dir(root, req.recipe) {
        Some(dir) => (
            layer_asset_hash(&dir, req.runtime, req.architecture),
            dir.display().to_string(),
        ),
        None => {
            let recipe = Recipe::builtin(req.recipe).ok_or_else(|| LayerError::UnknownRecipe {
                layer: req.id.into(),
                recipe: req.recipe.into(),
            })?;
            (
                recipe_files_hash(&recipe.files, req.runtime, req.architecture),
                recipe.origin,
            )
        }
    };
    hash.map_err(|source| LayerError::RecipeHash {
        layer: req.id.into(),
        origin,
        source,
    })
}

/// The checkout's `lambda_dependencies/<name>/`, when it holds a `create.sh`.
fn checkout_recipe_dir(root: &Path, name: &str) -> Option<PathBuf> {
    let dir = root.join("lambda_dependencies").join(name);
    fs::symlink_metadata(dir.join("create.sh"))
        .is_ok()
        .then_some(dir)
}

/// A recipe's files: name and bytes, sorted by name.
#[derive(Debug, Clone)]
pub struct Recipe {
    pub origin: String,
    pub files: Vec<(String, Vec<u8>)>,
}

impl Recipe {
    /// The checkout's recipe folder when it has a `create.sh`, else ours.
    pub fn find(root: &Path, layer: &str, name: &str) -> Result<Recipe, LayerError> {
        if let Some(dir) = checkout_recipe_dir(root, name) {
            let mut files = Vec::new();
            for entry in fs::read_dir(&dir).map_err(|e| LayerError::io(&dir, e))? {
                let entry = entry.map_err(|e| LayerError::io(&dir, e))?;
                // Folders are not part of a recipe; anything else must be a readable file (a
                // FIFO or device named create.sh is an error, never a silent fallback).
                if !fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
                    let bytes = crate::cdk::input::read_bytes(
                        &entry.path(),
                        crate::cdk::input::SMALL_INPUT,
                    )
                    .map_err(|e| LayerError::Recipe {
                        layer: layer.into(),
                        message: e.to_string(),
                    })?;
                    files.push((entry.file_name().to_string_lossy().into_owned(), bytes));
                }
            }
            files.sort();
            return Ok(Recipe {
                origin: dir.display().to_string(),
                files,
            });
        }
        Self::builtin(name).ok_or_else(|| LayerError::UnknownRecipe {
            layer: layer.into(),
            recipe: name.into(),
        })
    }

    /// Our own recipes, compiled in so the binary works from any checkout.
    pub fn builtin(name: &str) -> Option<Recipe> {
        let (create, requirements) = match name {
            "common" => (
                include_str!("../../../lambda-layers/common/create.sh"),
                include_str!("../../../lambda-layers/common/requirements.txt"),
            ),
            "jwt" => (
                include_str!("../../../lambda-layers/jwt/create.sh"),
                include_str!("../../../lambda-layers/jwt/requirements.txt"),
            ),
            _ => return None,
        };
        let files = vec![
            ("create.sh".to_string(), create.as_bytes().to_vec()),
            (
                "requirements.txt".to_string(),
                requirements.as_bytes().to_vec(),
            ),
        ];
        Some(Recipe {
            origin: format!("built-in recipe {name}"),
            files,
        })
    }

    /// The package list both builders share (blank lines and `#` comments dropped).
    pub fn requirements(&self) -> Option<Vec<String>> {
        let (_, bytes) = self.files.iter().find(|(n, _)| n == "requirements.txt")?;
        let text = String::from_utf8_lossy(bytes);
        let lines = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim());
        Some(lines.filter(|l| !l.is_empty()).map(String::from).collect())
    }

    fn write_to(&self, dir: &Path) -> Result<(), LayerError> {
        for (name, bytes) in &self.files {
            let path = dir.join(name);
            fs::write(&path, bytes).map_err(|e| LayerError::io(&path, e))?;
            #[cfg(unix)]
            if name.ends_with(".sh") {
                use std::os::unix::fs::PermissionsExt;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755))
                    .map_err(|e| LayerError::io(&path, e))?;
            }
        }
        Ok(())
    }
}

/// The cache key: sha256 over the recipe files, runtime, architecture and builder.
pub fn cache_key(
    recipe: &Recipe,
    runtime: LambdaRuntime,
    architecture: Architecture,
    builder: BuilderKind,
) -> String {
    let mut hash = Sha256::new();
    for (name, bytes) in &recipe.files {
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    }
    for part in [runtime.name(), architecture.name(), builder.as_str()] {
        hash.update([0u8]);
        hash.update(part.as_bytes());
    }
    hex(&hash.finalize())
}

fn build_cached(
    root: &Path,
    req: &LayerRequest,
    builder: LayerBuilder,
    tools: &BuildTools,
) -> Result<PathBuf, LayerError> {
    let recipe = Recipe::find(root, req.id, req.recipe)?;
    let cache = root.join("build").join("layer-cache");
    let cached = |kind| cache.join(cache_key(&recipe, req.runtime, req.architecture, kind));

    let kind = match builder {
        LayerBuilder::Docker => BuilderKind::Docker,
        LayerBuilder::Local => BuilderKind::Local,
        LayerBuilder::Auto => {
            // Any finished build of this recipe will do: no need to ask Docker first.
            if let Some(dir) = [BuilderKind::Docker, BuilderKind::Local]
                .map(cached)
                .into_iter()
                .find(|d| d.is_dir())
            {
                return Ok(dir);
            }
            if tools.docker_answers() {
                BuilderKind::Docker
            } else {
                tools.note_local_fallback();
                BuilderKind::Local
            }
        }
    };
    let target = cached(kind);
    if target.is_dir() {
        return Ok(target);
    }
    if kind == BuilderKind::Docker && builder == LayerBuilder::Docker && !tools.docker_answers() {
        return Err(LayerError::NoDocker {
            layer: req.id.into(),
            program: tools.docker.clone(),
            detail: "no engine answered".into(),
        });
    }

    build_into_cache(&cache, &target, kind, req, &recipe, tools)?;
    Ok(target)
}

/// Build the layer in a work folder of `cache`, then give the finished output its cache name
/// `target`; a failed build is dropped with its work folder.
fn build_into_cache(
    cache: &Path,
    target: &Path,
    kind: BuilderKind,
    req: &LayerRequest,
    recipe: &Recipe,
    tools: &BuildTools,
) -> Result<(), LayerError> {
    fs::create_dir_all(cache).map_err(|e| LayerError::io(cache, e))?;
    let (work, _registered) = crate::cdk::cleanup::create_registered(
        || {
            tempfile::Builder::new()
                .prefix(".building-")
                .tempdir_in(cache)
        },
        |w| w.path(),
    )
    .map_err(|e| LayerError::io(cache, e))?;
    let recipe_dir = work.path().join("recipe");
    let output = work.path().join("output");
    for dir in [&recipe_dir, &output] {
        fs::create_dir(dir).map_err(|e| LayerError::io(dir, e))?;
    }
    recipe.write_to(&recipe_dir)?;
    build::run(kind, req, recipe, &recipe_dir, &output, tools)?;
    if fs::read_dir(&output)
        .map_err(|e| LayerError::io(&output, e))?
        .next()
        .is_none()
    {
        return Err(LayerError::NoOutput {
            layer: req.id.into(),
            dir: output,
        });
    }
    if let Err(e) = fs::rename(&output, target) {
        if !target.is_dir() {
            return Err(LayerError::io(target, e));
        }
    }
    Ok(())
}

/// The archive names aws-cdk-lib's auto-discovered bundling output recognises.
const ARCHIVE_EXTENSIONS: [&str; 5] = [".tar.gz", ".zip", ".jar", ".tar", ".tgz"];

/// Like aws-cdk-lib's auto-discovered bundling output: a lone archive is used as a file.
fn single_archive(dir: &Path) -> Option<PathBuf> {
    let mut entries = fs::read_dir(dir).ok()?;
    let only = entries.next()?.ok()?.path();
    if entries.next().is_some() || !only.is_file() {
        return None;
    }
    ARCHIVE_EXTENSIONS
        .contains(&extension(&only).to_lowercase().as_str())
        .then_some(only)
}

#[cfg(test)]
mod tests;
