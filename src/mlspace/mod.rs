//! The MLSpace app: its 18 stacks on top of the CDK core.
//!
//! `app` wires the stacks together as MLSpace's bin/mlspace-cdk.ts does; `stacks` has one
//! module per stack; `plan` resolves what the stacks take from the world (files, clock, layer
//! builds) ahead of building; `run` is the synth command (configuration in, cloud assembly out).
pub mod app;
pub mod layers;
pub mod permissions_boundary;
pub mod plan;
pub mod run;
pub mod show;
pub mod stacks;
