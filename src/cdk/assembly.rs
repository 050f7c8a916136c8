//! Writing a synthesized assembly into the out dir.
//!
//! compat: the CLI holds a lock file in the out dir while the app runs, so the directory is never
//! wiped; files are created or replaced one by one (each through a temporary name and a rename),
//! assets are staged first, and `manifest.json` is written last so that a failed run leaves no
//! manifest behind.
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use super::synth::Assembly;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("cannot create the output directory {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot stage asset {name} into {outdir}: {message}")]
    Stage {
        name: String,
        outdir: PathBuf,
        message: String,
    },
}

pub fn write_assembly(outdir: &Path, assembly: &Assembly) -> Result<(), WriteError> {
    fs::create_dir_all(outdir).map_err(|source| WriteError::CreateDir {
        path: outdir.to_path_buf(),
        source,
    })?;
    let manifest = outdir.join("manifest.json");
    if manifest.exists() {
        fs::remove_file(&manifest).map_err(|source| WriteError::Write {
            path: manifest.clone(),
            source,
        })?;
    }
    for (name, stage) in &assembly.stage {
        stage(outdir).map_err(|message| WriteError::Stage {
            name: name.clone(),
            outdir: outdir.to_path_buf(),
            message,
        })?;
    }
    for (name, bytes) in &assembly.files {
        write_file_atomically(&outdir.join(name), bytes)?;
    }
    Ok(())
}

/// Write through a temporary file in the same directory and rename it into place.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let err = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    // A temporary file is private (0600); the file it becomes gets what a plain write would
    // give it (0666 less the umask), as the TS app's files do.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder.tempfile_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Remove a manifest an earlier run left, so that a failing run cannot look like a success.
pub fn remove_stale_manifest(outdir: &Path) {
    let _ = fs::remove_file(outdir.join("manifest.json"));
}
