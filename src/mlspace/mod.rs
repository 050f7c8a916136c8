//! The MLSpace app.
pub mod layers;
