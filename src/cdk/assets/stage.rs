//! Copying planned assets into the cloud assembly directory.
//!
//! A staged asset is written under a temporary name inside the output directory and
//! renamed into place when complete, so an interrupted run never leaves a half-copied
//! `asset.<hash>` behind (a later run would take it as done). An existing target is kept:
//! its name is its content hash.
//!
//! Directories are copied by the walk the fingerprint uses (`walk.rs`), with the options
//! they were hashed with, so the staged copy holds exactly what the hash covered: a
//! followed link is copied as its target's content, any other link is recreated as a link
//! with the same text.

use std::fs;
use std::path::Path;

use super::glob::ExcludeSet;
use super::walk::{Entry, Walk};
use super::{AssetError, AssetSource, PlannedAsset, DEFAULT_EXCLUDE};

/// Copies `asset` to `<outdir>/<staged_name>` unless it is already there.
pub fn stage(asset: &PlannedAsset, outdir: &Path) -> Result<(), AssetError> {
    let target = outdir.join(&asset.staged_name);
    if target.symlink_metadata().is_ok() {
        return Ok(());
    }
    fs::create_dir_all(outdir).map_err(|e| AssetError::io(outdir, e))?;
    // Removed if the run is interrupted; a kill -9 leaves it to the next run's sweep.
    let (temp, _registered) = crate::cdk::cleanup::create_registered(
        || {
            tempfile::Builder::new()
                .prefix(&format!(".{}.staging-", asset.staged_name))
                .tempdir_in(outdir)
        },
        |t| t.path(),
    )
    .map_err(|e| AssetError::io(outdir, e))?;
    // The staged item is built inside the temporary directory, then renamed out of it.
    let built = temp.path().join("item");
    match &asset.source {
        AssetSource::File(path) => {
            fs::copy(path, &built).map_err(|e| AssetError::io(path, e))?;
        }
        AssetSource::Directory(path) => {
            let mut excludes = vec![DEFAULT_EXCLUDE.to_string()];
            excludes.extend(asset.options.exclude.iter().cloned());
            let excludes = ExcludeSet::new(&excludes)?;
            let root = fs::canonicalize(path).map_err(|e| AssetError::io(path, e))?;
            if fs::canonicalize(outdir).is_ok_and(|out| out.starts_with(&root)) {
                return Err(AssetError::OutDirInsideSource {
                    outdir: outdir.to_path_buf(),
                    source_dir: path.clone(),
                });
            }
            let walk = Walk {
                excludes: &excludes,
                follow: asset.options.follow,
                external_links: asset.options.external_links,
            };
            walk.run(&root, &mut |entry| copy_entry(entry, &built))?;
        }
        AssetSource::Data {
            file_name,
            contents,
        } => {
            let file = built.join(file_name.trim_matches('/'));
            if let Some(parent) = file.parent() {
                fs::create_dir_all(parent).map_err(|e| AssetError::io(parent, e))?;
            }
            fs::write(&file, contents).map_err(|e| AssetError::io(&file, e))?;
        }
        AssetSource::Files(files) => {
            fs::create_dir(&built).map_err(|e| AssetError::io(&built, e))?;
            for (name, contents) in files {
                let file = built.join(name);
                fs::write(&file, contents).map_err(|e| AssetError::io(&file, e))?;
            }
        }
    }
    if let Err(e) = fs::rename(&built, &target) {
        // Someone else staged the same hash meanwhile: theirs is as good as ours.
        if target.symlink_metadata().is_err() {
            return Err(AssetError::io(&target, e));
        }
    }
    Ok(())
}

/// Writes one entry of the walk under `built`: a directory is created, a file copied, a link
/// that is not followed recreated with the same text.
fn copy_entry(entry: Entry<'_>, built: &Path) -> Result<(), AssetError> {
    let dest = |rel: &str| {
        if rel.is_empty() {
            built.to_path_buf()
        } else {
            built.join(rel)
        }
    };
    match entry {
        Entry::Dir { rel } => {
            let dest = dest(rel);
            fs::create_dir(&dest).map_err(|e| AssetError::io(&dest, e))
        }
        Entry::File { rel, real } => {
            // A real copy, never a hard link: the source may change after synthesis.
            fs::copy(real, dest(rel)).map_err(|e| AssetError::io(real, e))?;
            Ok(())
        }
        Entry::Link { rel, target } => {
            let dest = dest(rel);
            symlink(target, &dest).map_err(|e| AssetError::io(&dest, e))
        }
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn symlink(_target: &Path, link: &Path) -> std::io::Result<()> {
    Err(std::io::Error::new(
        std::io::ErrorKind::Unsupported,
        format!("cannot recreate the symbolic link {}", link.display()),
    ))
}
