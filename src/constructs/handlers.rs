//! Our own custom-resource handlers (the `handlers/` folder of this repository), compiled into
//! the binary and published as directory assets of the functions that serve the
//! `Custom::CDKBucketDeployment`, `Custom::AWS` and `Custom::S3BucketNotifications` resources.
//!
//! They replace aws-cdk-lib's handlers (see `handlers/*/README.md` and the declared deviations in
//! `tests/parity/deviations.json`).
use std::rc::Rc;

use crate::cdk::app::StackRef;
use crate::cdk::assets::{plan, AssetError, AssetOptions, AssetSource, PlannedAsset};
use crate::cdk::App;

use super::assets::{embedded_directory, register, AssetLocation};

/// Runtime and entry point of every handler in `handlers/`.
pub const HANDLER_RUNTIME: &str = "python3.11";
pub const HANDLER_ENTRY: &str = "index.handler";

/// `handlers/shared/cfn_response.py`: answering CloudFormation, the same for every handler.
const CFN_RESPONSE: (&str, &[u8]) = (
    "cfn_response.py",
    include_bytes!("../../handlers/shared/cfn_response.py"),
);

/// Which handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandlerKind {
    BucketDeployment,
    SdkCall,
    BucketNotifications,
}

impl HandlerKind {
    /// The folder under `handlers/`.
    pub fn dir(self) -> &'static str {
        match self {
            HandlerKind::BucketDeployment => "bucket_deployment",
            HandlerKind::SdkCall => "sdk_call",
            HandlerKind::BucketNotifications => "bucket_notifications",
        }
    }

    /// The handler's code files, as compiled in: its own `index.py` and the response module all
    /// handlers share (`handlers/shared/`), so each code asset stands alone.
    fn files(self) -> &'static [(&'static str, &'static [u8])] {
        match self {
            HandlerKind::BucketDeployment => &[
                CFN_RESPONSE,
                (
                    "index.py",
                    include_bytes!("../../handlers/bucket_deployment/index.py"),
                ),
            ],
            HandlerKind::SdkCall => &[
                CFN_RESPONSE,
                (
                    "index.py",
                    include_bytes!("../../handlers/sdk_call/index.py"),
                ),
            ],
            HandlerKind::BucketNotifications => &[
                CFN_RESPONSE,
                (
                    "index.py",
                    include_bytes!("../../handlers/bucket_notifications/index.py"),
                ),
            ],
        }
    }
}

/// A handler's code, planned as a directory asset but not yet registered with a stack (that
/// happens when its function is created: see [`HandlerCode::register`]).
#[derive(Clone)]
pub struct HandlerCode {
    pub kind: HandlerKind,
    planned: PlannedAsset,
    /// The temporary directory the files were written to; it must outlive staging.
    dir: Rc<tempfile::TempDir>,
}

impl std::fmt::Debug for HandlerCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandlerCode")
            .field("kind", &self.kind)
            .field("hash", &self.planned.hash)
            .finish()
    }
}

impl HandlerCode {
    pub fn load(kind: HandlerKind) -> Result<HandlerCode, AssetError> {
        let dir = embedded_directory(kind.files()).map_err(|source| AssetError::Io {
            path: kind.dir().into(),
            source,
        })?;
        let planned = plan(
            AssetSource::Directory(dir.path().to_path_buf()),
            &AssetOptions::default(),
        )?;
        Ok(HandlerCode {
            kind,
            planned,
            dir: Rc::new(dir),
        })
    }

    pub fn hash(&self) -> &str {
        &self.planned.hash
    }

    /// Registers the code with `stack` as the asset `display_name`.
    pub fn register(&self, app: &mut App, stack: StackRef, display_name: &str) -> AssetLocation {
        let keep: Rc<dyn std::any::Any> = self.dir.clone();
        register(app, stack, display_name, self.planned.clone(), Some(keep))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_handler_loads_with_a_distinct_hash() {
        let hashes: Vec<String> = [
            HandlerKind::BucketDeployment,
            HandlerKind::SdkCall,
            HandlerKind::BucketNotifications,
        ]
        .into_iter()
        .map(|k| HandlerCode::load(k).unwrap().hash().to_string())
        .collect();
        assert_eq!(hashes.len(), 3);
        assert!(hashes[0] != hashes[1] && hashes[1] != hashes[2] && hashes[0] != hashes[2]);
    }

    #[test]
    fn every_handler_asset_holds_its_entry_and_the_shared_response_module() {
        let shared = include_bytes!("../../handlers/shared/cfn_response.py");
        for kind in [
            HandlerKind::BucketDeployment,
            HandlerKind::SdkCall,
            HandlerKind::BucketNotifications,
        ] {
            let code = HandlerCode::load(kind).unwrap();
            let response = std::fs::read(code.dir.path().join("cfn_response.py")).unwrap();
            assert_eq!(response, shared, "{}", kind.dir());
            assert!(code.dir.path().join("index.py").is_file(), "{}", kind.dir());
        }
    }
}
