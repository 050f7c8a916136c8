//! Deterministic zip archives: the same directory always gives the same bytes.
//!
//! Entries are sorted by path (byte order), every timestamp is 1980-01-01 00:00:00 (the
//! earliest a zip can hold), Unix permission bits are kept, and directories get their own
//! entries. Symbolic links are stored as the files they point to.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::AssetError;

/// Writes `src_dir`'s contents to the zip file `dest` (written to a temporary name, then renamed).
pub fn zip_directory(src_dir: &Path, dest: &Path) -> Result<(), AssetError> {
    let mut entries = Vec::new();
    collect(src_dir, "", &mut entries)?;
    entries.sort_by(|a, b| a.0.cmp(&b.0));

    let parent = dest
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let temp = tempfile::NamedTempFile::new_in(parent).map_err(|e| AssetError::io(parent, e))?;
    let mut zip = ZipWriter::new(io::BufWriter::new(temp.as_file()));
    let base = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    let zip_err = |e: zip::result::ZipError| AssetError::Io {
        path: dest.to_path_buf(),
        source: io::Error::other(e),
    };
    for (name, path, mode, is_dir) in &entries {
        let options = base.unix_permissions(*mode);
        if *is_dir {
            zip.add_directory(name.as_str(), options).map_err(zip_err)?;
        } else {
            zip.start_file(name.as_str(), options).map_err(zip_err)?;
            let data = fs::read(path).map_err(|e| AssetError::io(path, e))?;
            zip.write_all(&data).map_err(|e| AssetError::io(dest, e))?;
        }
    }
    let mut writer = zip.finish().map_err(zip_err)?;
    writer.flush().map_err(|e| AssetError::io(dest, e))?;
    drop(writer);
    temp.persist(dest)
        .map_err(|e| AssetError::io(dest, e.error))?;
    Ok(())
}

type Entry = (String, PathBuf, u32, bool);

fn collect(dir: &Path, rel: &str, out: &mut Vec<Entry>) -> Result<(), AssetError> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| AssetError::io(dir, e))? {
        let entry = entry.map_err(|e| AssetError::io(dir, e))?;
        let name = entry
            .file_name()
            .into_string()
            .map_err(|raw| AssetError::NonUtf8Name {
                path: dir.join(raw),
            })?;
        names.push(name);
    }
    for name in names {
        let path = dir.join(&name);
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let meta = fs::metadata(&path).map_err(|e| AssetError::io(&path, e))?;
        let mode = permissions(&meta);
        if meta.is_dir() {
            out.push((format!("{child}/"), path.clone(), mode, true));
            collect(&path, &child, out)?;
        } else {
            out.push((child, path, mode, false));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn permissions(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions(meta: &fs::Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_tree_same_bytes_modes_kept() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir_all(src.join("python/pkg")).unwrap();
        fs::write(src.join("python/pkg/b.py"), "b").unwrap();
        fs::write(src.join("python/a.sh"), "#!/bin/sh").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(src.join("python/a.sh"), fs::Permissions::from_mode(0o755))
                .unwrap();
        }
        let (z1, z2) = (dir.path().join("1.zip"), dir.path().join("2.zip"));
        zip_directory(&src, &z1).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        fs::write(src.join("python/pkg/b.py"), "b").unwrap(); // new mtime, same content
        zip_directory(&src, &z2).unwrap();
        assert_eq!(fs::read(&z1).unwrap(), fs::read(&z2).unwrap());

        let mut archive = zip::ZipArchive::new(fs::File::open(&z1).unwrap()).unwrap();
        let names: Vec<String> = (0..archive.len())
            .map(|i| archive.by_index(i).unwrap().name().to_string())
            .collect();
        assert_eq!(
            names,
            ["python/", "python/a.sh", "python/pkg/", "python/pkg/b.py"]
        );
        let script = archive.by_name("python/a.sh").unwrap();
        #[cfg(unix)]
        assert_eq!(script.unix_mode().unwrap() & 0o777, 0o755);
        assert_eq!(script.last_modified().unwrap(), DateTime::default());
    }
}
