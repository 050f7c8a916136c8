//! `AwsCustomResource`: one AWS API call per CloudFormation event, made by a provider function
//! shared by the whole stack (our `handlers/sdk_call`).
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, RemovalPolicy, Resource, Value};

use super::assets::add_asset_metadata;
use super::handlers::{HandlerCode, HANDLER_ENTRY, HANDLER_RUNTIME};
use super::names::singleton_id;

/// compat: aws-cdk-lib's provider is the singleton `AWS` + this UUID (see [`provider_id`]).
pub const PROVIDER_UUID: &str = "679f53fa-c002-430c-b0da-5b7982bd2287";

/// The provider function's construct id.
pub fn provider_id() -> String {
    singleton_id("AWS", PROVIDER_UUID)
}
/// The context flag that gives `installLatestAwsSdk` its default.
pub const INSTALL_LATEST_SDK_FLAG: &str = "@aws-cdk/customresources:installLatestAwsSdkDefault";
const INSTALL_LATEST_SDK_ACK: &str = "@aws-cdk/custom-resources:installLatestAwsSdkNotSpecified";
/// `aws:cdk:is-custom-resource-handler-runtime-family` of a Python handler.
const PYTHON_RUNTIME_FAMILY: i64 = 2;

/// One SDK call: a map in the order it is written to the template (`service`, `action`,
/// `parameters`, `physicalResourceId`, ... in whatever order the caller gives them).
#[derive(Debug, Clone, PartialEq)]
pub struct SdkCall(pub Value);

/// What the resource does on each event, and as whom.
#[derive(Debug, Clone)]
pub struct AwsCustomResourceProps {
    pub on_create: Option<SdkCall>,
    pub on_update: Option<SdkCall>,
    pub on_delete: Option<SdkCall>,
    /// The role the provider function runs as (MLSpace always passes one, so no policy is made).
    pub role_arn: Value,
    pub install_latest_aws_sdk: Option<bool>,
}

/// `new AwsCustomResource(scope, id, props)`: `<id>/Resource/Default` of type `Custom::AWS`,
/// served by the stack's provider function (created on first use). Returns the resource.
pub fn aws_custom_resource(
    app: &mut App,
    scope: NodeId,
    id: &str,
    p: AwsCustomResourceProps,
    code: &HandlerCode,
) -> NodeId {
    let construct = app.construct(scope, id);
    let install_latest = match p.install_latest_aws_sdk {
        Some(v) => v,
        None => match app
            .context
            .get(INSTALL_LATEST_SDK_FLAG)
            .and_then(|v| v.as_bool())
        {
            Some(v) => v,
            None => {
                app.add_warning(
                    construct,
                    &format!(
                        "installLatestAwsSdk is not set, so it is taken as true. Set it on this resource, or set the \
                         context flag '{INSTALL_LATEST_SDK_FLAG}' for the whole project; MLSpace's handler ignores it and \
                         uses the boto3 of its runtime. [ack: {INSTALL_LATEST_SDK_ACK}]"
                    ),
                );
                true
            }
        },
    };
    let provider = provider_function(app, scope, &p.role_arn, code);
    let wrapper = app.construct(construct, "Resource");
    let properties = props([
        ("ServiceToken", Some(Value::get_att(provider, "Arn"))),
        ("Create", p.on_create.map(|c| c.0.to_json_string())),
        ("Update", p.on_update.map(|c| c.0.to_json_string())),
        ("Delete", p.on_delete.map(|c| c.0.to_json_string())),
        ("InstallLatestAwsSdk", Some(install_latest.into())),
    ]);
    let mut resource = Resource::new("Custom::AWS", properties);
    resource.removal_policy(RemovalPolicy::Delete);
    app.resource(wrapper, "Default", resource)
}

/// The stack's provider function (`AWS679f…/Resource`), created on first use; every use records
/// the singleton metadata aws-cdk-lib records.
fn provider_function(app: &mut App, scope: NodeId, role_arn: &Value, code: &HandlerCode) -> NodeId {
    let stack = app.stack_ref(scope);
    let provider = provider_id();
    let singleton = match app.tree.child(stack.node, &provider) {
        Some(existing) => existing,
        None => {
            let construct = app.construct(stack.node, &provider);
            let location = code.register(app, stack, &format!("{provider}/Code"));
            let properties = props([
                ("Code", Some(location.s3_location())),
                ("Handler", Some(HANDLER_ENTRY.into())),
                ("Role", Some(role_arn.clone())),
                ("Runtime", Some(HANDLER_RUNTIME.into())),
                ("Timeout", Some(120.into())),
            ]);
            let mut function = Resource::new("AWS::Lambda::Function", properties);
            add_asset_metadata(&mut function, &location, "Code");
            app.resource(construct, "Resource", function);
            construct
        }
    };
    mark_singleton(app, singleton);
    app.tree
        .child(singleton, "Resource")
        .expect("provider function")
}

/// The metadata aws-cdk-lib adds to a singleton handler each time it is used.
/// compat: our handlers are Python, so the runtime family is Python's, not Node's.
pub fn mark_singleton(app: &mut App, singleton: NodeId) {
    app.add_metadata(
        singleton,
        "aws:cdk:is-custom-resource-handler-singleton",
        true,
    );
    app.add_metadata(
        singleton,
        "aws:cdk:is-custom-resource-handler-runtime-family",
        PYTHON_RUNTIME_FAMILY,
    );
}

/// A Lambda `invoke` of `function_name` with an empty payload, with a fixed physical id.
pub fn invoke_call(physical_id: &str, function_name: Value) -> SdkCall {
    SdkCall(crate::map! {
        "service" => "Lambda",
        "action" => "invoke",
        "physicalResourceId" => crate::map! { "id" => physical_id },
        "parameters" => crate::map! { "FunctionName" => function_name, "Payload" => "{}" },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::Environment;
    use crate::constructs::handlers::HandlerKind;

    #[test]
    fn one_provider_serves_every_call_and_the_default_warns() {
        let mut app = App::new(Default::default());
        let s = app.add_stack(
            "s",
            Environment {
                account: "1".into(),
                region: "r".into(),
            },
            Vec::new(),
        );
        let code = HandlerCode::load(HandlerKind::SdkCall).unwrap();
        let props = |id: &str| AwsCustomResourceProps {
            on_create: Some(invoke_call(id, "fn".into())),
            on_update: None,
            on_delete: None,
            role_arn: "arn:role".into(),
            install_latest_aws_sdk: None,
        };
        let a = aws_custom_resource(&mut app, s.node, "a", props("x"), &code);
        let b = aws_custom_resource(&mut app, s.node, "b", props("y"), &code);
        assert_eq!(
            app.resource_ref(a).properties["ServiceToken"],
            app.resource_ref(b).properties["ServiceToken"]
        );
        assert_eq!(
            app.resource_ref(a).properties["Create"],
            Value::from(
                r#"{"service":"Lambda","action":"invoke","physicalResourceId":{"id":"x"},"parameters":{"FunctionName":"fn","Payload":"{}"}}"#
            )
        );
        assert_eq!(app.stack(s).assets.len(), 1);
        let warned = app
            .tree
            .node(app.tree.child(s.node, "a").unwrap())
            .metadata
            .len();
        assert_eq!(warned, 1);
    }
}
