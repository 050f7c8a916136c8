//! Placeholder: the configuration module is being written.
pub mod wizard;
