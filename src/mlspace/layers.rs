//! Placeholder: Lambda layer resolution and builders.
