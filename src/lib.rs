//! mlspace-cdk: the MLSpace CDK app as a Rust library.
//!
//! - `cdk`: a small CDK core that knows nothing of MLSpace (construct tree, logical ids,
//!   values and intrinsics, cross-stack references, assets, synthesizer, assembly writer).
//! - `config`: MLSpace's configuration (defaults, lib/config.json, validation, wizard).
//! - `mlspace`: the MLSpace app on top of the core, one module per stack.
pub mod cdk;
pub mod config;
pub mod constructs;
pub mod mlspace;
