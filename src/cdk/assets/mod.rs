//! File assets: what aws-cdk-lib calls asset staging, split into a pure plan and an effect.
//!
//! - [`plan`] reads the source and computes its hash (the fingerprint aws-cdk-lib would
//!   compute), the packaging and the name it gets in the cloud assembly.
//! - [`stage`] copies a planned asset into the output directory, atomically.
//!
//! ```no_run
//! # use mlspace_cdk::cdk::assets::*;
//! # fn f() -> Result<(), AssetError> {
//! let asset = plan(AssetSource::Directory("backend/src".into()), &AssetOptions::default())?;
//! stage(&asset, std::path::Path::new("cdk.out"))?;
//! println!("s3 key {}", asset.object_key());
//! # Ok(()) }
//! ```

mod fingerprint;
mod glob;
mod planner;
mod stage;
mod walk;
pub mod zip;

use std::io;
use std::path::{Path, PathBuf};

use thiserror::Error;

pub use fingerprint::{
    content_fingerprint, data_fingerprint, files_fingerprint, fingerprint, js_string_cmp,
};
pub use glob::{ExcludeSet, UnsupportedPattern};
pub use planner::Planner;
pub use stage::stage;

/// aws-cdk-lib always excludes this marker file from assets.
pub const DEFAULT_EXCLUDE: &str = ".is_custom_resource";

/// How the CLI uploads an asset: a directory is zipped at publish time, a file goes as is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packaging {
    Zip,
    File,
}

impl Packaging {
    /// The name used in `*.assets.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Packaging::Zip => "zip",
            Packaging::File => "file",
        }
    }
}

/// What an asset is made of.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AssetSource {
    Directory(PathBuf),
    File(PathBuf),
    /// A directory holding one file, like `Source.data` of aws-s3-deployment.
    /// `file_name` may contain `/` (the file then sits in subdirectories).
    Data {
        file_name: String,
        contents: Vec<u8>,
    },
    /// A directory of files held in memory (names without `/`), such as code compiled into
    /// the binary: hashed and staged without a temporary copy on disk.
    Files(Vec<(String, Vec<u8>)>),
}

/// Which symbolic links are followed (their target's content is used) rather than kept as links.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SymlinkFollow {
    Never,
    Always,
    /// Follow links whose target is outside the asset root (the CDK default).
    #[default]
    External,
    /// Follow links whose target is inside the asset root.
    BlockExternal,
}

impl SymlinkFollow {
    /// The name aws-cdk-lib hashes.
    pub fn as_str(self) -> &'static str {
        match self {
            SymlinkFollow::Never => "never",
            SymlinkFollow::Always => "always",
            SymlinkFollow::External => "external",
            SymlinkFollow::BlockExternal => "internal-only",
        }
    }
}

/// What becomes of a symbolic link inside an asset's tree that points out of it, where the follow
/// mode would follow it (aws-cdk-lib's default mode, `External`, does: it copies the target in).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExternalLinks {
    /// Stop with [`AssetError::ExternalSymlink`]: an asset never takes content from outside its
    /// source tree. For trees without such links the hash is aws-cdk-lib's.
    #[default]
    Refuse,
    /// Follow them, as aws-cdk-lib does.
    Follow,
}

/// Asset options; `Default` gives what aws-cdk-lib uses when none are passed, except that links
/// out of the tree are refused ([`ExternalLinks`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct AssetOptions {
    /// Glob patterns (minimatch style, `!` re-includes), relative to the asset root.
    /// [`plan`] puts [`DEFAULT_EXCLUDE`] in front of them.
    pub exclude: Vec<String>,
    pub follow: SymlinkFollow,
    /// Not part of the hash: refusing stops synthesis rather than hashing something else.
    pub external_links: ExternalLinks,
    /// When set, the asset hash is sha256 of this string and the content is not read.
    pub custom_hash: Option<String>,
    /// Mixed into the fingerprint (aws-cdk-lib `extraHash`, with any salt already appended).
    pub extra_hash: Option<String>,
}

/// An asset whose hash is known and which can be staged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAsset {
    pub hash: String,
    pub packaging: Packaging,
    /// `asset.<hash>` for directories, `asset.<hash><ext>` for files.
    pub staged_name: String,
    pub source: AssetSource,
    /// The options the asset was planned with (staging copies with the same excludes).
    pub options: AssetOptions,
}

impl PlannedAsset {
    /// The S3 object key: `<hash>.zip` for directories, `<hash><ext>` for files.
    pub fn object_key(&self) -> String {
        match (&self.packaging, &self.source) {
            (Packaging::File, AssetSource::File(path)) => {
                format!("{}{}", self.hash, extension(path))
            }
            _ => format!("{}.zip", self.hash),
        }
    }
}

#[derive(Debug, Error)]
pub enum AssetError {
    #[error("cannot find asset at {}: check the path (relative paths are taken from the current directory)", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("asset {} should be a {expected}, but it is not", path.display())]
    WrongKind {
        path: PathBuf,
        expected: &'static str,
    },
    #[error("cannot hash {}: it is neither a file nor a directory (sockets and devices cannot be assets)", path.display())]
    NotFileOrDirectory { path: PathBuf },
    #[error("{} is a symbolic link to {}, outside the asset's tree: assets never take content from outside their source tree; copy the target into the tree or remove the link", link.display(), target.display())]
    ExternalSymlink { link: PathBuf, target: PathBuf },
    #[error("symbolic links loop back into {}: remove the loop or exclude it", path.display())]
    SymlinkLoop { path: PathBuf },
    #[error("{}: the name is not valid UTF-8; rename it or exclude it", path.display())]
    NonUtf8Name { path: PathBuf },
    #[error("data asset file name {name:?} is not a relative path inside its directory")]
    BadDataName { name: String },
    #[error(transparent)]
    Pattern(#[from] UnsupportedPattern),
    #[error("the out dir {} is inside the asset source {}, which would be copied into itself; write the assembly outside it (-o DIR)", outdir.display(), source_dir.display())]
    OutDirInsideSource {
        outdir: PathBuf,
        source_dir: PathBuf,
    },
}

impl AssetError {
    pub(crate) fn io(path: &Path, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::NotFound {
            AssetError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            AssetError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// Computes an asset's hash and names without writing anything.
pub fn plan(source: AssetSource, opts: &AssetOptions) -> Result<PlannedAsset, AssetError> {
    let mut hash_opts = opts.clone();
    hash_opts.exclude.insert(0, DEFAULT_EXCLUDE.to_string());
    let packaging = match &source {
        AssetSource::Directory(path) => {
            expect_kind(path, true)?;
            Packaging::Zip
        }
        AssetSource::File(path) => {
            expect_kind(path, false)?;
            Packaging::File
        }
        AssetSource::Data { file_name, .. } => {
            check_data_name(file_name)?;
            Packaging::Zip
        }
        AssetSource::Files(files) => {
            for (name, _) in files {
                if name.contains('/') {
                    return Err(AssetError::BadDataName { name: name.clone() });
                }
                check_data_name(name)?;
            }
            Packaging::Zip
        }
    };
    let hash = match (&opts.custom_hash, &source) {
        (Some(custom), _) => crate::cdk::digest::sha256_hex(custom.as_bytes()),
        (None, AssetSource::Directory(path) | AssetSource::File(path)) => {
            fingerprint(path, &hash_opts)?
        }
        (
            None,
            AssetSource::Data {
                file_name,
                contents,
            },
        ) => data_fingerprint(file_name, contents, &hash_opts)?,
        (None, AssetSource::Files(files)) => fingerprint::files_fingerprint(files, &hash_opts)?,
    };
    let staged_name = match &source {
        AssetSource::File(path) => format!("asset.{hash}{}", extension(path)),
        _ => format!("asset.{hash}"),
    };
    Ok(PlannedAsset {
        hash,
        packaging,
        staged_name,
        source,
        options: opts.clone(),
    })
}

fn expect_kind(path: &Path, dir: bool) -> Result<(), AssetError> {
    let meta = std::fs::metadata(path).map_err(|e| AssetError::io(path, e))?;
    if meta.is_dir() != dir {
        let expected = if dir { "directory" } else { "file" };
        return Err(AssetError::WrongKind {
            path: path.to_path_buf(),
            expected,
        });
    }
    Ok(())
}

fn check_data_name(name: &str) -> Result<(), AssetError> {
    let trimmed = name.trim_matches('/');
    let bad = trimmed.is_empty()
        || name.starts_with('/')
        || trimmed
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if bad {
        return Err(AssetError::BadDataName {
            name: name.to_string(),
        });
    }
    Ok(())
}

/// The extension a staged file keeps: a known archive suffix, else the last extension
/// (the rules of aws-cdk-lib, which follow Node's `path.extname`).
pub fn extension(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_lowercase();
    for archive in [".tar.gz", ".zip", ".jar", ".tar", ".tgz"] {
        if lower.ends_with(archive) {
            return archive.to_string();
        }
    }
    match name.rfind('.') {
        // A name made of leading dots and then a word (".bashrc") has no extension.
        Some(dot) if name[..dot].chars().any(|c| c != '.') => name[dot..].to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extensions_follow_node() {
        assert_eq!(extension(Path::new("a/layer.ZIP")), ".zip");
        assert_eq!(extension(Path::new("x.tar.gz")), ".tar.gz");
        assert_eq!(extension(Path::new("x.json")), ".json");
        assert_eq!(extension(Path::new(".bashrc")), "");
        assert_eq!(extension(Path::new("noext")), "");
        assert_eq!(extension(Path::new("a.")), ".");
    }

    #[test]
    fn custom_hash_is_sha256_of_the_string() {
        let opts = AssetOptions {
            custom_hash: Some("abc".into()),
            ..Default::default()
        };
        let data = AssetSource::Data {
            file_name: "f".into(),
            contents: b"x".to_vec(),
        };
        let planned = plan(data, &opts).unwrap();
        assert_eq!(
            planned.hash,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn data_names_must_stay_inside() {
        for bad in ["", "/etc/passwd", "../x", "a/../b"] {
            let data = AssetSource::Data {
                file_name: bad.into(),
                contents: vec![],
            };
            assert!(
                matches!(
                    plan(data, &AssetOptions::default()),
                    Err(AssetError::BadDataName { .. })
                ),
                "{bad}"
            );
        }
    }
}
