//! The CDK core: knows nothing of MLSpace.
//!
//! `tree` (construct paths) -> `logical_id` -> `value` (intrinsics) -> `element` (resources,
//! outputs) -> `app` (stacks, context) -> `synth` (references, templates, manifests) ->
//! `assembly` (the out dir). `assets` fingerprints and stages files; `toolkit` speaks the cdk CLI's
//! protocol; `lookups` are the context providers; `region_info` the facts of every region.
pub mod app;
pub mod assembly;
pub mod assets;
pub mod cleanup;
pub mod collate;
pub mod digest;
pub mod element;
pub mod input;
pub mod json;
pub mod lambda_runtimes;
pub mod logical_id;
pub mod lookups;
pub mod outlock;
pub mod region_info;
pub mod synth;
pub mod tags;
pub mod toolkit;
pub mod tree;
pub mod value;

pub use app::{App, Environment, StackRef};
pub use element::{ElementKind, Output, RemovalPolicy, Resource};
pub use tree::NodeId;
pub use value::{concat, join, Map, Pseudo, Value};
