//! Our own custom-resource handlers (the `handlers/` folder of this repository), compiled into
//! the binary and published as directory assets of the functions that serve the
//! `Custom::CDKBucketDeployment`, `Custom::AWS` and `Custom::S3BucketNotifications` resources.
//!
//! They replace aws-cdk-lib's handlers (see `handlers/*/README.md` and the declared deviations in
//! `tests/parity/deviations.json`).
use crate::cdk::app::StackRef;
use crate::cdk::assets::{plan, AssetError, AssetOptions, AssetSource, PlannedAsset};
use crate::cdk::lambda_runtimes::LambdaRuntime;
use crate::cdk::App;

use super::assets::{register, AssetLocation};

/// Runtime and entry point of every handler in `handlers/`.
pub const HANDLER_RUNTIME: LambdaRuntime = LambdaRuntime::PYTHON_3_11;
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
/// happens when its function is created: see [`HandlerCode::register`]). The files are hashed
/// and staged from memory: nothing is written outside the out dir.
#[derive(Clone)]
pub struct HandlerCode {
    pub kind: HandlerKind,
    planned: PlannedAsset,
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
        let files = kind
            .files()
            .iter()
            .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
            .collect();
        let planned = plan(AssetSource::Files(files), &AssetOptions::default())?;
        Ok(HandlerCode { kind, planned })
    }

    pub fn hash(&self) -> &str {
        &self.planned.hash
    }

    /// Registers the code with `stack` as the asset `display_name`.
    pub fn register(&self, app: &mut App, stack: StackRef, display_name: &str) -> AssetLocation {
        register(app, stack, display_name, self.planned.clone(), None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::assets::embedded_directory;
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
            let AssetSource::Files(files) = &code.planned.source else {
                panic!("handler code is staged from memory")
            };
            let file = |n: &str| files.iter().find(|(name, _)| name == n).map(|f| &f.1);
            assert_eq!(file("cfn_response.py").unwrap(), shared, "{}", kind.dir());
            assert!(file("index.py").is_some(), "{}", kind.dir());
            // The hash is what the same files written to a folder hash to.
            let dir = embedded_directory(kind.files()).unwrap();
            let on_disk = plan(
                AssetSource::Directory(dir.path().to_path_buf()),
                &AssetOptions::default(),
            )
            .unwrap();
            assert_eq!(on_disk.hash, code.hash(), "{}", kind.dir());
        }
    }
}
