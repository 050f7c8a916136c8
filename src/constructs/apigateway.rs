//! API Gateway REST APIs (being written).
