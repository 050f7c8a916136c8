//! The out dir's lock: the cdk CLI's own reader/writer lock files, so that a standalone
//! `mlspace-cdk synth -o DIR` and a `cdk synth`/`cdk deploy` using DIR exclude each other.
//!
//! compat: the CLI (aws-cdk 2.1148.1, `RWLock` of toolkit-lib) writes `synth.lock` holding its
//! process id while it synthesizes into a directory (the writer), and `read.<pid>.<n>.lock`
//! while it reads an assembly (a reader). A writer needs no other writer and no reader; a lock
//! file whose process is gone is stale and deleted. The CLI holds the writer lock while it runs
//! the app, so the app run by the CLI takes no lock (see [`run_by_cli`]).
//!
//! The CLI checks and then writes, which two processes can interleave; among our own runs an
//! advisory `flock` on the directory itself closes that gap, so two of our synths never write
//! into one out dir at once.
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The writer lock file the cdk CLI uses.
pub const WRITER_FILE: &str = "synth.lock";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another process (PID {pid}) is synthesizing into {}: run one synth at a time, or give each its own out dir (-o DIR)", dir.display())]
    Writer { dir: PathBuf, pid: String },
    #[error("another process (PID {pids}) is reading the assembly in {} (a cdk deploy or diff): wait for it to finish, or synthesize into another out dir (-o DIR)", dir.display())]
    Readers { dir: PathBuf, pids: String },
    #[error("cannot lock the out dir {}: {message}", dir.display())]
    Io { dir: PathBuf, message: String },
}

/// Whether the cdk CLI runs us: it sets CDK_OUTDIR (where it holds `synth.lock`) and
/// CDK_CLI_VERSION for the app. Both must be set (and non-empty), and the out dir must be the
/// CLI's: `-o` naming another directory is a standalone run.
pub fn run_by_cli(env: &dyn Fn(&str) -> Option<String>, outdir_flag: Option<&Path>) -> bool {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    match (set("CDK_OUTDIR"), set("CDK_CLI_VERSION")) {
        (Some(cli_outdir), Some(_)) => outdir_flag.is_none_or(|o| o == Path::new(&cli_outdir)),
        _ => false,
    }
}

/// The writer lock on an out dir, released (its `synth.lock` deleted) when dropped.
pub struct OutLock {
    /// The out dir, when this lock created it: removed again if the run left it empty.
    created: Option<PathBuf>,
    writer: PathBuf,
    pid: String,
    _flock: File,
    _cleanup: super::cleanup::Registered,
}

impl OutLock {
    /// Take the writer lock on `dir` (created if need be), or say who holds it.
    pub fn acquire(dir: &Path) -> Result<OutLock, LockError> {
        let io = |e: std::io::Error| LockError::Io {
            dir: dir.to_path_buf(),
            message: e.to_string(),
        };
        let created = (!dir.exists()).then(|| dir.to_path_buf());
        fs::create_dir_all(dir).map_err(io)?;
        let flock = File::open(dir).map_err(io)?;
        let pid = std::process::id().to_string();
        let writer = dir.join(WRITER_FILE);
        match flock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let holder = read_lock_file(&writer).unwrap_or_default();
                return Err(LockError::Writer {
                    dir: dir.to_path_buf(),
                    pid: if holder.trim().is_empty() {
                        "unknown".into()
                    } else {
                        holder.trim().to_owned()
                    },
                });
            }
            Err(fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        if let Some(holder) = live_holder(&writer) {
            return Err(LockError::Writer {
                dir: dir.to_path_buf(),
                pid: holder.to_string(),
            });
        }
        let readers = live_readers(dir).map_err(io)?;
        if !readers.is_empty() {
            let pids: Vec<String> = readers.iter().map(u32::to_string).collect();
            return Err(LockError::Readers {
                dir: dir.to_path_buf(),
                pids: pids.join(", "),
            });
        }
        // As the CLI writes it: a temporary name, then a rename.
        let temp = dir.join(format!("{WRITER_FILE}.{pid}_1"));
        let cleanup = super::cleanup::register(&writer);
        let write = || -> std::io::Result<()> {
            let mut f = File::create(&temp)?;
            f.write_all(pid.as_bytes())?;
            fs::rename(&temp, &writer)
        };
        write().map_err(io)?;
        Ok(OutLock {
            created,
            writer,
            pid,
            _flock: flock,
            _cleanup: cleanup,
        })
    }
}

impl Drop for OutLock {
    fn drop(&mut self) {
        // Only our own: a CLI may have replaced a lock it took for stale.
        if read_lock_file(&self.writer).is_some_and(|held| held == self.pid) {
            let _ = fs::remove_file(&self.writer);
        }
        // A run that failed before writing anything leaves no empty out dir behind.
        if let Some(dir) = &self.created {
            let _ = fs::remove_dir(dir);
        }
    }
}

/// The text of a lock file, if it is a regular file of a process id's size: a FIFO or device in
/// its place is never read (opening one could wait forever), and counts as a stale lock.
fn read_lock_file(path: &Path) -> Option<String> {
    let bytes = super::input::read_bytes(path, 64).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// The process holding `synth.lock`, when that process still runs (a stale file is deleted).
fn live_holder(writer: &Path) -> Option<u32> {
    let text = read_lock_file(writer)?;
    match text.trim().parse::<u32>() {
        Ok(pid) if pid != std::process::id() && process_exists(pid) => Some(pid),
        _ => {
            let _ = fs::remove_file(writer);
            None
        }
    }
}

/// Processes holding `read.<pid>.<n>.lock` files in `dir` (stale ones are deleted).
fn live_readers(dir: &Path) -> std::io::Result<Vec<u32>> {
    let mut pids = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(middle) = name
            .strip_prefix("read.")
            .and_then(|r| r.strip_suffix(".lock"))
        else {
            continue;
        };
        let Some((pid, counter)) = middle.split_once('.') else {
            continue;
        };
        if pid.is_empty() || counter.is_empty() || counter.contains('.') {
            continue;
        }
        match pid.parse::<u32>() {
            Ok(pid) if process_exists(pid) => pids.push(pid),
            _ => {
                let _ = fs::remove_file(dir.join(name));
            }
        }
    }
    pids.sort_unstable();
    pids.dedup();
    Ok(pids)
}

/// `kill(pid, 0)`: whether a process with this id exists (as the CLI asks Node).
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    if pid <= 0 {
        return false;
    }
    // SAFETY: signal 0 checks for the process without sending anything.
    let rc = unsafe { libc::kill(pid, 0) };
    rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_writer_or_reader_excludes_us_and_stale_ones_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let parent = std::os::unix::process::parent_id().to_string();
        fs::write(dir.path().join(WRITER_FILE), &parent).unwrap();
        let err = OutLock::acquire(dir.path()).err().unwrap();
        assert!(err.to_string().contains(&format!("PID {parent}")), "{err}");

        fs::write(dir.path().join(WRITER_FILE), "999999999").unwrap();
        fs::write(dir.path().join(format!("read.{parent}.1.lock")), &parent).unwrap();
        let err = OutLock::acquire(dir.path()).err().unwrap();
        assert!(matches!(err, LockError::Readers { .. }), "{err}");
        assert!(!dir.path().join(WRITER_FILE).exists(), "stale writer kept");

        fs::remove_file(dir.path().join(format!("read.{parent}.1.lock"))).unwrap();
        fs::write(dir.path().join("read.999999999.3.lock"), "999999999").unwrap();
        let lock = OutLock::acquire(dir.path()).unwrap();
        assert_eq!(
            fs::read_to_string(dir.path().join(WRITER_FILE)).unwrap(),
            std::process::id().to_string()
        );
        assert!(!dir.path().join("read.999999999.3.lock").exists());
        drop(lock);
        assert!(!dir.path().join(WRITER_FILE).exists());
        assert!(dir.path().exists(), "an out dir it did not create stays");

        let fresh = dir.path().join("new-out");
        drop(OutLock::acquire(&fresh).unwrap());
        assert!(
            !fresh.exists(),
            "an out dir it created and left empty is removed"
        );
        let kept = dir.path().join("kept-out");
        let lock = OutLock::acquire(&kept).unwrap();
        fs::write(kept.join("manifest.json"), "{}").unwrap();
        drop(lock);
        assert!(kept.join("manifest.json").exists());
    }

    #[test]
    fn the_cli_is_recognized_by_its_variables() {
        let env = |k: &str| match k {
            "CDK_OUTDIR" => Some("out".to_string()),
            "CDK_CLI_VERSION" => Some("2.1148.1".to_string()),
            _ => None,
        };
        assert!(run_by_cli(&env, None));
        assert!(run_by_cli(&env, Some(Path::new("out"))));
        assert!(!run_by_cli(&env, Some(Path::new("elsewhere"))));
        assert!(!run_by_cli(
            &|k| (k == "CDK_OUTDIR").then(|| "out".to_string()),
            None
        ));
        assert!(!run_by_cli(&|_| Some(String::new()), None));
    }
}
