//! Writing a synthesized assembly into the out dir.
//!
//! compat: the CLI holds a lock file in the out dir while the app runs, so the directory is never
//! wiped; files are created or replaced one by one (each through a temporary name and a rename),
//! assets are staged first, and `manifest.json` is written last so that a failed run leaves no
//! manifest behind. A file that already holds exactly what would be written is left alone.
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
    // The out dir is locked (by us or the cdk CLI): what is left there half-written was left
    // by an interrupted run.
    super::cleanup::sweep_leftovers(outdir);
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
        let path = outdir.join(name);
        // A file that already holds these bytes stays as it is: on a warm synth most templates
        // are unchanged, and replacing a file costs a write and a flush on rename.
        if !holds(&path, bytes) {
            write_file_atomically(&path, bytes)?;
        }
    }
    Ok(())
}

/// Whether `path` is a regular file (not a link) whose content is `bytes`.
fn holds(path: &Path, bytes: &[u8]) -> bool {
    match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            fs::read(path).is_ok_and(|existing| existing == bytes)
        }
        _ => false,
    }
}

/// Write through a temporary file in the same directory and rename it into place.
pub fn write_file_atomically(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let err = |source| WriteError::Write {
        path: path.to_path_buf(),
        source,
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(crate::cdk::cleanup::TEMP_FILE_PREFIX);
    // A temporary file is private (0600); the file it becomes gets what a plain write would
    // give it (0666 less the umask), as the TS app's files do.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let (mut tmp, _registered) =
        crate::cdk::cleanup::create_registered(|| builder.tempfile_in(dir), |t| t.path())
            .map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Remove a manifest an earlier run left, so that a failing run cannot look like a success.
pub fn remove_stale_manifest(outdir: &Path) {
    let _ = fs::remove_file(outdir.join("manifest.json"));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn assembly(files: &[(&str, &str)]) -> Assembly {
        Assembly {
            files: files
                .iter()
                .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
                .collect(),
            stage: Vec::new(),
            stack_names: Vec::new(),
        }
    }

    #[test]
    fn unchanged_files_stay_and_changed_ones_are_replaced() {
        let out = tempfile::tempdir().unwrap();
        let first = assembly(&[("a.json", "{}"), ("b.json", "[1]"), ("manifest.json", "m")]);
        write_assembly(out.path(), &first).unwrap();
        let inode = |n: &str| fs::metadata(out.path().join(n)).unwrap().ino();
        let (a, b, m) = (inode("a.json"), inode("b.json"), inode("manifest.json"));
        // Keep the first files alive under other names: a file system may hand a freed inode
        // number straight to the next new file, which would make a replaced file look kept.
        let keep = tempfile::tempdir_in(out.path()).unwrap();
        for n in ["a.json", "b.json", "manifest.json"] {
            fs::hard_link(out.path().join(n), keep.path().join(n)).unwrap();
        }

        let second = assembly(&[("a.json", "{}"), ("b.json", "[2]"), ("manifest.json", "m")]);
        write_assembly(out.path(), &second).unwrap();
        assert_eq!(inode("a.json"), a, "an unchanged file is not rewritten");
        assert_ne!(inode("b.json"), b, "a changed file is replaced");
        assert_eq!(
            fs::read_to_string(out.path().join("b.json")).unwrap(),
            "[2]"
        );
        // The manifest is always written anew, last.
        assert_ne!(inode("manifest.json"), m);
    }

    #[test]
    fn a_link_with_the_same_content_is_replaced_by_a_file() {
        let out = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let target = elsewhere.path().join("t.json");
        fs::write(&target, "{}").unwrap();
        std::os::unix::fs::symlink(&target, out.path().join("a.json")).unwrap();

        write_assembly(out.path(), &assembly(&[("a.json", "{}")])).unwrap();
        let meta = fs::symlink_metadata(out.path().join("a.json")).unwrap();
        assert!(meta.is_file(), "the link was kept");
        assert_eq!(fs::read_to_string(&target).unwrap(), "{}");
    }
}
