//! Placeholder: asset fingerprints, staging and deterministic zips.
