//! The CDK core: knows nothing of MLSpace.
pub mod assets;
