//! One module per MLSpace stack.
pub mod api_deployment;
pub mod apis;
pub mod core;
pub mod iam;
pub mod kms;
pub mod sagemaker;
pub mod vpc;
pub mod web_tier;

#[cfg(test)]
pub(crate) mod testing;
