//! Leaving nothing behind: paths a run is writing (staging folders, the lock file) are
//! registered while they exist, and removed when the run is interrupted (SIGINT, SIGTERM,
//! SIGHUP). What a `kill -9` leaves is swept by the next run that holds the out dir's lock.
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Registered paths: (id, path, whether it is an out dir to sweep rather than a path to remove).
static PATHS: Mutex<Vec<(u64, PathBuf, bool)>> = Mutex::new(Vec::new());
static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Removes the path from the registry (not from the disk) when dropped.
#[must_use]
pub struct Registered(u64);

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut paths) = PATHS.lock() {
            paths.retain(|(id, _, _)| *id != self.0);
        }
    }
}

/// Remove `path` (a file or a folder) if the run is interrupted while the guard lives.
pub fn register(path: &Path) -> Registered {
    add(path, false)
}

/// Create something on disk with `create` and register the path `path_of` gives, as one step
/// under the registry's lock: an interrupt either comes first (then nothing is created, since
/// the interrupt holds the lock until the process exits) or finds the path registered.
pub fn create_registered<T>(
    create: impl FnOnce() -> std::io::Result<T>,
    path_of: impl FnOnce(&T) -> &Path,
) -> std::io::Result<(T, Registered)> {
    let mut paths = PATHS.lock().unwrap_or_else(|p| p.into_inner());
    let created = create()?;
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    paths.push((id, path_of(&created).to_path_buf(), false));
    Ok((created, Registered(id)))
}

static INTERRUPTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether the run has been interrupted: long copies stop writing, so that their folder can be
/// removed.
pub fn interrupted() -> bool {
    INTERRUPTED.load(std::sync::atomic::Ordering::SeqCst)
}

/// Sweep the leftovers of `outdir` ([`sweep_leftovers`]) if the run is interrupted while the
/// guard lives: this catches a staging folder created just before the interrupt, before it was
/// registered. Only while the out dir's lock is held.
pub fn sweep_on_interrupt(outdir: &Path) -> Registered {
    add(outdir, true)
}

fn add(path: &Path, sweep: bool) -> Registered {
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if let Ok(mut paths) = PATHS.lock() {
        paths.push((id, path.to_path_buf(), sweep));
    }
    Registered(id)
}

/// On SIGINT, SIGTERM or SIGHUP: remove every registered path, then exit with 128 + the signal
/// number, as a shell reports a process the signal ended. Call once, from `main`.
pub fn on_interrupt_remove_registered() -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        if let Some(signal) = signals.forever().next() {
            INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
            // Held to the end: no new path is registered (or created, see create_registered)
            // while we exit.
            let paths = PATHS.lock().unwrap_or_else(|p| p.into_inner());
            // Last registered first: staging folders, then the out dir's sweep, then the lock.
            for (_, path, sweep) in paths.iter().rev() {
                if *sweep {
                    sweep_leftovers(path);
                } else {
                    remove(path);
                }
            }
            std::process::exit(128 + signal);
        }
    });
    Ok(())
}

fn remove(path: &Path) {
    // Another thread may still be writing into a folder until it sees `interrupted()`: try
    // again for a while.
    for attempt in 0..200 {
        if attempt > 0 {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let result = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
            Ok(_) => std::fs::remove_file(path),
            Err(_) => return,
        };
        if result.is_ok() {
            return;
        }
    }
}

/// Whether `name` (an entry of an out dir) is what an interrupted run leaves: a staging
/// folder of an asset, or a file being written under a temporary name.
pub fn is_leftover(name: &str) -> bool {
    (name.starts_with(".asset.") && name.contains(".staging-"))
        || name.starts_with(TEMP_FILE_PREFIX)
}

/// The prefix of files being written into the out dir (renamed into place when complete).
pub const TEMP_FILE_PREFIX: &str = ".mlspace-cdk.writing-";

/// Remove what interrupted runs left in `outdir`. Only call while holding the out dir's lock
/// (ours, or the cdk CLI's when it runs us): then no other run is writing there.
pub fn sweep_leftovers(outdir: &Path) {
    let Ok(entries) = std::fs::read_dir(outdir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(is_leftover) {
            remove(&entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leftovers_are_swept_and_nothing_else() {
        let out = tempfile::tempdir().unwrap();
        let p = out.path();
        std::fs::create_dir_all(p.join(".asset.abc.staging-XyZ12/item/sub")).unwrap();
        std::fs::write(p.join(format!("{TEMP_FILE_PREFIX}a1b2")), "x").unwrap();
        std::fs::create_dir(p.join("asset.abc")).unwrap();
        std::fs::write(p.join("manifest.json"), "{}").unwrap();
        std::fs::write(p.join(".keep"), "").unwrap();
        sweep_leftovers(p);
        let mut left: Vec<String> = std::fs::read_dir(p)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, [".keep", "asset.abc", "manifest.json"]);
    }
}
