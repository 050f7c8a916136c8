//! The web app through the API: `GET /` reads index.html from the website bucket, `GET
//! /{proxy+}` any other file, both as the S3 reader role.
use crate::cdk::App;
use crate::cdk::Value;
use crate::constructs::apigateway::{
    self, AwsIntegration, Integration, MethodOptions, Response, RestApi,
};

/// The headers passed back from S3 to the browser.
const RESPONSE_HEADERS: [&str; 3] = ["Content-Length", "Content-Type", "Content-Disposition"];
/// The request headers a method declares, and (in another order) passes on to S3.
const METHOD_REQUEST_HEADERS: [&str; 3] = ["Accept", "Content-Type", "Content-Disposition"];
const INTEGRATION_REQUEST_HEADERS: [&str; 3] = ["Accept", "Content-Disposition", "Content-Type"];

pub(super) fn proxy_methods(
    app: &mut App,
    api: &mut RestApi,
    website_bucket: &str,
    reader_role_arn: &Value,
) {
    let method_request: Vec<(String, bool)> = METHOD_REQUEST_HEADERS
        .iter()
        .map(|h| (format!("method.request.header.{h}"), true))
        .collect();
    let integration_request: Vec<(String, String)> = INTEGRATION_REQUEST_HEADERS
        .iter()
        .map(|h| {
            (
                format!("integration.request.header.{h}"),
                format!("method.request.header.{h}"),
            )
        })
        .collect();
    let s3_read = |path: String, method: &str, request_parameters: Vec<(String, String)>| {
        Integration::Aws(AwsIntegration {
            service: "s3".into(),
            path,
            integration_http_method: method.into(),
            credentials_role_arn: Some(reader_role_arn.clone()),
            request_parameters,
            integration_responses: integration_responses(),
        })
    };
    let root = api.root.clone();
    apigateway::add_method(
        app,
        api,
        &root,
        "GET",
        s3_read(
            format!("{website_bucket}/index.html"),
            "GET",
            integration_request.clone(),
        ),
        MethodOptions {
            request_parameters: method_request.clone(),
            method_responses: method_responses(),
            ..Default::default()
        },
    );
    let proxy = apigateway::add_resource(app, api, &root, "{proxy+}");
    let mut proxy_request = integration_request;
    proxy_request.push((
        "integration.request.path.proxy".into(),
        "method.request.path.proxy".into(),
    ));
    let mut proxy_method_request = method_request;
    proxy_method_request.push(("method.request.path.proxy".into(), true));
    apigateway::add_method(
        app,
        api,
        &proxy,
        "GET",
        s3_read(format!("{website_bucket}/{{proxy}}"), "ANY", proxy_request),
        MethodOptions {
            request_parameters: proxy_method_request,
            method_responses: method_responses(),
            ..Default::default()
        },
    );
}

fn method_responses() -> Vec<Response<bool>> {
    vec![Response {
        status_code: "200".into(),
        response_parameters: RESPONSE_HEADERS
            .iter()
            .map(|h| (format!("method.response.header.{h}"), true))
            .collect(),
    }]
}

fn integration_responses() -> Vec<Response<String>> {
    vec![Response {
        status_code: "200".into(),
        response_parameters: RESPONSE_HEADERS
            .iter()
            .map(|h| {
                (
                    format!("method.response.header.{h}"),
                    format!("integration.response.header.{h}"),
                )
            })
            .collect(),
    }]
}
