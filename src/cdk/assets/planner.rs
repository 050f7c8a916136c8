//! The asset plans of one synthesis.
//!
//! Within a synthesis a source is fingerprinted once per set of options, however many
//! constructs use it (aws-cdk-lib keeps the same cache for its staging). An app that knows its
//! large sources before it builds can name them with [`Planner::prefetch`]: they are then
//! fingerprinted on a background thread while the construct tree is built, and the construct
//! that needs the hash waits only for what is left.
//!
//! A prefetch never changes a result: a plan taken from it is what [`plan`] gives for the same
//! source and options, a failed prefetch is planned again in the foreground (so its error is
//! reported by the construct that needs it), and a prefetch nobody asks for is dropped.

use std::collections::HashMap;
use std::thread::JoinHandle;

use super::{plan, AssetError, AssetOptions, AssetSource, PlannedAsset};

type Key = (AssetSource, AssetOptions);

#[derive(Default)]
pub struct Planner {
    planned: HashMap<Key, PlannedAsset>,
    pending: HashMap<Key, JoinHandle<Result<PlannedAsset, AssetError>>>,
    /// How many plans were served from an earlier plan or a prefetch.
    reused: usize,
}

impl std::fmt::Debug for Planner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Planner")
            .field("planned", &self.planned.len())
            .field("pending", &self.pending.len())
            .field("reused", &self.reused)
            .finish()
    }
}

impl Planner {
    /// Starts fingerprinting `source` in the background (once; data assets are cheap and are
    /// planned when asked for).
    pub fn prefetch(&mut self, source: AssetSource, options: &AssetOptions) {
        if matches!(source, AssetSource::Data { .. } | AssetSource::Files(_)) {
            return;
        }
        let key = (source, options.clone());
        if self.planned.contains_key(&key) || self.pending.contains_key(&key) {
            return;
        }
        let (source, options) = key.clone();
        let job = std::thread::Builder::new()
            .name("asset-prefetch".into())
            .spawn(move || plan(source, &options));
        // Without a thread the source is simply planned when it is asked for.
        if let Ok(job) = job {
            self.pending.insert(key, job);
        }
    }

    /// [`plan`], served from an earlier plan or a prefetch of the same source and options.
    pub fn plan(
        &mut self,
        source: AssetSource,
        options: &AssetOptions,
    ) -> Result<PlannedAsset, AssetError> {
        if matches!(source, AssetSource::Data { .. } | AssetSource::Files(_)) {
            return plan(source, options);
        }
        let key = (source, options.clone());
        if let Some(done) = self.planned.get(&key) {
            self.reused += 1;
            return Ok(done.clone());
        }
        let prefetched = match self.pending.remove(&key) {
            Some(job) => job.join().ok().and_then(Result::ok),
            None => None,
        };
        let planned = match prefetched {
            Some(planned) => {
                self.reused += 1;
                planned
            }
            None => plan(key.0.clone(), options)?,
        };
        self.planned.insert(key, planned.clone());
        Ok(planned)
    }

    /// How many plans did not fingerprint their source themselves.
    pub fn reused(&self) -> usize {
        self.reused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("src/pkg")).unwrap();
        fs::write(dir.path().join("src/pkg/a.py"), "print('a')\n").unwrap();
        fs::write(dir.path().join("src/b.txt"), "b\r\nc\n").unwrap();
        dir
    }

    #[test]
    fn a_prefetched_plan_is_the_plan() {
        let dir = tree();
        let source = AssetSource::Directory(dir.path().join("src"));
        let options = AssetOptions::default();
        let direct = plan(source.clone(), &options).unwrap();

        let mut planner = Planner::default();
        planner.prefetch(source.clone(), &options);
        assert_eq!(planner.plan(source.clone(), &options).unwrap(), direct);
        assert_eq!(planner.plan(source, &options).unwrap(), direct);
        assert_eq!(planner.reused(), 2);
    }

    #[test]
    fn other_options_are_planned_on_their_own() {
        let dir = tree();
        let source = AssetSource::Directory(dir.path().join("src"));
        let excluding = AssetOptions {
            exclude: vec!["*.txt".into()],
            ..AssetOptions::default()
        };
        let mut planner = Planner::default();
        planner.prefetch(source.clone(), &AssetOptions::default());
        let planned = planner.plan(source.clone(), &excluding).unwrap();
        assert_eq!(planned, plan(source, &excluding).unwrap());
        assert_eq!(planner.reused(), 0);
    }

    #[test]
    fn a_failed_prefetch_reports_its_error_when_asked_for() {
        let dir = tree();
        let missing = AssetSource::Directory(dir.path().join("nope"));
        let mut planner = Planner::default();
        planner.prefetch(missing.clone(), &AssetOptions::default());
        let err = planner.plan(missing, &AssetOptions::default()).unwrap_err();
        assert!(matches!(err, AssetError::NotFound { .. }), "{err}");
    }

    #[test]
    fn data_assets_are_planned_each_time() {
        let source = AssetSource::Data {
            file_name: "env.js".into(),
            contents: b"window.env = {}".to_vec(),
        };
        let mut planner = Planner::default();
        planner.prefetch(source.clone(), &AssetOptions::default());
        let a = planner
            .plan(source.clone(), &AssetOptions::default())
            .unwrap();
        let b = planner.plan(source, &AssetOptions::default()).unwrap();
        assert_eq!(a, b);
        assert_eq!(planner.reused(), 0);
    }
}
