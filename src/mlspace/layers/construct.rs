//! MLSpace's layer construct: one `<id>` construct and the layer version
//! `mlspace-<id>-lambda-layer` beside it, rendered as the TypeScript app renders them.
//!
//! - A given zip or folder is the layer version's own asset (`<version>/Code`, with the
//!   `aws:asset:*` metadata).
//! - A built layer is an asset of the `<id>` construct (`<id>/LayerAsset`), which the layer
//!   version reads from the assets bucket: its `Content` is the bucket and key, with no asset
//!   metadata, and the bucket construct carries a warning that the object has no version.

use crate::cdk::lambda_runtimes::LambdaRuntime;
use crate::cdk::{App, NodeId};
use crate::constructs::assets::register;
use crate::constructs::lambda::{self, Architecture, Code, LayerProps, LayerRef};

use super::{LayerCode, LayerError, PlannedLayer};

/// The acknowledgement id of the warning on a layer read from the bucket (aws-cdk-lib's id,
/// so that an acknowledgement written for the TypeScript app still applies).
pub const BUCKET_CODE_ACK: &str = "@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified";

/// What MLSpace's `createLambdaLayer` is given.
#[derive(Debug, Clone, Copy)]
pub struct LambdaLayerProps<'a> {
    /// `common` or `jwt`: the recipe, and the layer name `mlspace-<name>-layer`.
    pub layer_name: &'a str,
    /// Replaces the layer name in the construct ids (the notifier layer).
    pub identifier: Option<&'a str>,
    pub runtime: LambdaRuntime,
    pub architecture: Architecture,
}

/// Adds the layer construct and its layer version under `scope`; returns the layer version.
/// Plans `code` first (see [`LayerCode::plan`]).
pub fn lambda_layer(
    app: &mut App,
    scope: NodeId,
    p: &LambdaLayerProps,
    code: LayerCode,
) -> Result<LayerRef, LayerError> {
    let code = code.plan(p.identifier.unwrap_or(p.layer_name))?;
    Ok(planned_lambda_layer(app, scope, p, &code))
}

/// [`lambda_layer`] of code planned ahead: reads nothing.
pub fn planned_lambda_layer(
    app: &mut App,
    scope: NodeId,
    p: &LambdaLayerProps,
    code: &PlannedLayer,
) -> LayerRef {
    let id = p.identifier.unwrap_or(p.layer_name);
    let wrapper = app.construct(scope, id);
    let code = match code {
        PlannedLayer::Given(planned) => Code::Asset(planned.clone(), None),
        PlannedLayer::Built(built) => {
            let asset = app.construct(wrapper, "LayerAsset");
            app.construct(asset, "Stage");
            let stack = app.stack_ref(scope);
            let display_name = app.tree.path_below_stack(asset).join("/");
            let location = register(app, stack, &display_name, built.planned(), None);
            let bucket = app.construct(asset, "AssetBucket");
            app.add_warning(
                bucket,
                &format!(
                    "The layer is read from the assets bucket without an object version, so \
                     CloudFormation cannot notice a changed object under the same key; a new \
                     layer version is made only when the key (the recipe's hash) changes. \
                     [ack: {BUCKET_CODE_ACK}]"
                ),
            );
            Code::Bucket(location)
        }
    };
    lambda::layer_version(
        app,
        scope,
        &format!("mlspace-{id}-lambda-layer"),
        LayerProps {
            // compat: MLSpace names the layer identifier here, `undefined` when there is none.
            description: Some(format!(
                "Lambda layer for {} dependencies needed by MLSpace",
                p.identifier.unwrap_or("undefined")
            )),
            compatible_architectures: vec![p.architecture],
            compatible_runtimes: vec![p.runtime],
            layer_name: Some(format!("mlspace-{}-layer", p.layer_name)),
            ..LayerProps::new(code)
        },
    )
}
