//! CORS preflight: the `OPTIONS` method with a mock integration that `addCorsPreflight` adds.
use crate::cdk::{App, NodeId};

use super::method::{add_method, ApiResource, Integration, MethodOptions, Response};
use super::rest_api::RestApi;

/// compat: the headers aws-cdk-lib's `Cors.DEFAULT_HEADERS` allows.
pub const DEFAULT_CORS_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
];
/// compat: `Cors.ALL_METHODS`.
pub const ALL_METHODS: &[&str] = &["OPTIONS", "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD"];

/// A CORS preflight (`OPTIONS`) as `addCorsPreflight` builds it (the options MLSpace uses).
#[derive(Debug, Clone, PartialEq)]
pub struct CorsOptions {
    pub allow_origins: Vec<String>,
    /// Empty: [`DEFAULT_CORS_HEADERS`].
    pub allow_headers: Vec<String>,
    /// Empty: [`ALL_METHODS`].
    pub allow_methods: Vec<String>,
    pub status_code: u16,
}

impl CorsOptions {
    /// All origins, the default headers plus `extra_headers`, all methods.
    pub fn all_origins(extra_headers: &[&str]) -> Self {
        CorsOptions {
            allow_origins: vec!["*".into()],
            allow_headers: DEFAULT_CORS_HEADERS
                .iter()
                .chain(extra_headers)
                .map(|h| h.to_string())
                .collect(),
            allow_methods: Vec::new(),
            status_code: 204,
        }
    }

    /// The response headers, in the order aws-cdk-lib adds them.
    fn headers(&self) -> Vec<(String, String)> {
        let headers: Vec<String> = if self.allow_headers.is_empty() {
            DEFAULT_CORS_HEADERS.iter().map(|h| h.to_string()).collect()
        } else {
            self.allow_headers.clone()
        };
        let mut out = vec![(
            "Access-Control-Allow-Headers".to_string(),
            format!("'{}'", headers.join(",")),
        )];
        let origin = self
            .allow_origins
            .first()
            .cloned()
            .unwrap_or_else(|| "*".into());
        out.push(("Access-Control-Allow-Origin".into(), format!("'{origin}'")));
        if origin != "*" {
            out.push(("Vary".into(), "'Origin'".into()));
        }
        let methods: Vec<String> =
            if self.allow_methods.is_empty() || self.allow_methods.iter().any(|m| m == "ANY") {
                ALL_METHODS.iter().map(|m| m.to_string()).collect()
            } else {
                self.allow_methods.clone()
            };
        out.push((
            "Access-Control-Allow-Methods".into(),
            format!("'{}'", methods.join(",")),
        ));
        out
    }
}

/// `resource.addCorsPreflight(options)`: an `OPTIONS` method with a mock integration.
pub fn add_cors_preflight(
    app: &mut App,
    api: &mut RestApi,
    resource: &ApiResource,
    cors: &CorsOptions,
) -> NodeId {
    let headers = cors.headers();
    let status = cors.status_code.to_string();
    let integration_params: Vec<(String, String)> = headers
        .iter()
        .map(|(h, v)| (format!("method.response.header.{h}"), v.clone()))
        .collect();
    let method_params: Vec<(String, bool)> = headers
        .iter()
        .map(|(h, _)| (format!("method.response.header.{h}"), true))
        .collect();
    add_method(
        app,
        api,
        resource,
        "OPTIONS",
        Integration::Mock {
            request_templates: vec![("application/json".into(), "{ statusCode: 200 }".into())],
            integration_responses: vec![Response {
                status_code: status.clone(),
                response_parameters: integration_params,
            }],
        },
        MethodOptions {
            authorization_type: Some("NONE".into()),
            authorizer_id: None,
            api_key_required: Some(false),
            request_parameters: Vec::new(),
            method_responses: vec![Response {
                status_code: status,
                response_parameters: method_params,
            }],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cors_headers_follow_the_options() {
        let h = CorsOptions::all_origins(&["x-a"]).headers();
        assert_eq!(
            h[0].1,
            "'Content-Type,X-Amz-Date,Authorization,X-Api-Key,X-Amz-Security-Token,X-Amz-User-Agent,x-a'"
        );
        assert_eq!(h[1].1, "'*'");
        assert_eq!(
            h[2],
            (
                "Access-Control-Allow-Methods".into(),
                "'OPTIONS,GET,PUT,POST,DELETE,PATCH,HEAD'".into()
            )
        );
        let mut specific = CorsOptions::all_origins(&[]);
        specific.allow_origins = vec!["https://a".into()];
        assert_eq!(specific.headers()[2].0, "Vary");
    }
}
