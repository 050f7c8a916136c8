//! API Gateway REST APIs as aws-cdk-lib's `RestApi` renders them: the API, its CloudWatch role
//! and account, the automatic deployment (whose logical id carries a content hash) and stage,
//! resources, methods with Lambda / AWS / mock integrations, CORS preflight, request
//! authorizers, and the Lambda permissions a Lambda integration adds.
//!
//! ```ignore
//! let mut api = apigateway::rest_api(app, stack.node, "api", RestApiProps { .. });
//! let users = apigateway::add_resource(app, &mut api, &api.root.clone(), "user");
//! apigateway::add_method(app, &mut api, &users, "GET", Integration::Lambda(&f), MethodOptions::default());
//! apigateway::finish_deployment(app, &api)?; // after the last method: fixes the deployment's logical id
//! ```
//!
//! One file per concept: `rest_api.rs` (the API, its deployment, stage and CloudWatch role),
//! `method.rs` (resources, methods, integrations, Lambda permissions), `cors.rs` (preflight)
//! and `authorizer.rs` (request authorizers); the public API is re-exported here.
mod authorizer;
mod cors;
mod method;
mod rest_api;

pub use authorizer::{request_authorizer, RequestAuthorizer};
pub use cors::{add_cors_preflight, CorsOptions, ALL_METHODS, DEFAULT_CORS_HEADERS};
pub use method::{
    add_method, add_resource, permission_id, ApiResource, AwsIntegration, Integration,
    MethodOptions, Response,
};
pub use rest_api::{
    finish_deployment, imported_rest_api, path_for_arn, rest_api, RestApi, RestApiProps,
    StageOptions,
};

const APIGATEWAY_SERVICE: &str = "apigateway.amazonaws.com";
