//! File assets as resources use them: plan an asset, register it with its stack, and give the
//! `{S3Bucket, S3Key}` location and the `aws:asset:*` metadata of the resource that uses it.
use std::path::Path;
use std::rc::Rc;

use crate::cdk::app::{StackAsset, StackRef};
use crate::cdk::assets::{stage, AssetError, AssetOptions, AssetSource, PlannedAsset};
use crate::cdk::{App, Resource, Value};
use crate::map;

/// Where a published asset lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetLocation {
    pub bucket_name: String,
    pub object_key: String,
    /// `asset.<hash>[.ext]` in the cloud assembly.
    pub staged_name: String,
}

impl AssetLocation {
    /// `{"S3Bucket": ..., "S3Key": ...}` (a function's `Code`, a layer's `Content`).
    pub fn s3_location(&self) -> Value {
        map! { "S3Bucket" => self.bucket_name.as_str(), "S3Key" => self.object_key.as_str() }
    }

    /// `arn:<partition>:s3:::<bucket>` and its objects, for read grants.
    pub fn bucket_arn(&self) -> Value {
        crate::cdk::concat([
            Value::from("arn:"),
            crate::cdk::Pseudo::Partition.into(),
            format!(":s3:::{}", self.bucket_name).into(),
        ])
    }
}

/// The bootstrap bucket assets are published to (the stack's environment is concrete).
pub fn assets_bucket(app: &App, stack: StackRef) -> String {
    let env = &app.stack(stack).env;
    format!(
        "cdk-{}-assets-{}-{}",
        app.qualifier(),
        env.account,
        env.region
    )
}

/// Plans `source` and registers it with `stack` under `display_name` (the stack-relative path of
/// the asset construct, e.g. `appConfigDeployment/Code`). `keep` is kept alive until staging
/// (e.g. the temporary directory the source lives in).
pub fn add_asset(
    app: &mut App,
    stack: StackRef,
    display_name: &str,
    source: AssetSource,
    options: &AssetOptions,
    keep: Option<Rc<dyn std::any::Any>>,
) -> Result<AssetLocation, AssetError> {
    let planned = app.asset_plans.plan(source, options)?;
    Ok(register(app, stack, display_name, planned, keep))
}

/// Registers an already planned asset.
pub fn register(
    app: &mut App,
    stack: StackRef,
    display_name: &str,
    planned: PlannedAsset,
    keep: Option<Rc<dyn std::any::Any>>,
) -> AssetLocation {
    let location = AssetLocation {
        bucket_name: assets_bucket(app, stack),
        object_key: planned.object_key(),
        staged_name: planned.staged_name.clone(),
    };
    let packaging = planned.packaging;
    let hash = planned.hash.clone();
    let staged_name = planned.staged_name.clone();
    let object_key = location.object_key.clone();
    let stage_fn = move |outdir: &Path| -> Result<(), String> {
        let _ = &keep;
        stage(&planned, outdir).map_err(|e| e.to_string())
    };
    app.add_asset(
        stack,
        StackAsset {
            display_name: display_name.to_string(),
            hash,
            packaging,
            staged_name,
            object_key,
            stage: Rc::new(stage_fn),
        },
    );
    location
}

/// The `aws:asset:*` metadata of a resource whose `property` (`Code`, `Content`) is the asset.
pub fn add_asset_metadata(resource: &mut Resource, location: &AssetLocation, property: &str) {
    resource
        .metadata
        .insert("aws:asset:path".into(), location.staged_name.clone().into());
    resource
        .metadata
        .insert("aws:asset:is-bundled".into(), false.into());
    resource
        .metadata
        .insert("aws:asset:property".into(), property.into());
}

/// Files compiled into the binary, written to a fresh temporary directory (tests: the same files
/// planned from disk and from memory must hash alike).
#[cfg(test)]
pub fn embedded_directory(files: &[(&str, &[u8])]) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(path, bytes)?;
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::assets::plan;
    use crate::cdk::Environment;

    #[test]
    fn embedded_files_hash_the_same_wherever_they_are_written() {
        let files: &[(&str, &[u8])] = &[("index.py", b"print(1)\n"), ("lib/x.py", b"")];
        let a = embedded_directory(files).unwrap();
        let b = embedded_directory(files).unwrap();
        let pa = plan(
            AssetSource::Directory(a.path().into()),
            &AssetOptions::default(),
        )
        .unwrap();
        let pb = plan(
            AssetSource::Directory(b.path().into()),
            &AssetOptions::default(),
        )
        .unwrap();
        assert_eq!(pa.hash, pb.hash);
    }

    #[test]
    fn registered_assets_are_in_the_bootstrap_bucket() {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            Environment {
                account: "123".into(),
                region: "eu-west-1".into(),
            },
            Vec::new(),
        );
        let data = AssetSource::Data {
            file_name: "f.json".into(),
            contents: b"{}".to_vec(),
        };
        let loc = add_asset(
            &mut app,
            s,
            "x/Asset1",
            data,
            &AssetOptions::default(),
            None,
        )
        .unwrap();
        assert_eq!(loc.bucket_name, "cdk-hnb659fds-assets-123-eu-west-1");
        assert!(loc.object_key.ends_with(".zip"));
        assert_eq!(app.stack(s).assets.len(), 1);
    }
}
