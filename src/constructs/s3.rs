//! S3 buckets, their policies and event notifications, rendered as aws-cdk-lib's `Bucket`.
use std::cell::RefCell;
use std::rc::Rc;

use crate::cdk::app::props;
use crate::cdk::lambda_runtimes::LambdaRuntime;
use crate::cdk::{concat, App, Map, NodeId, RemovalPolicy, Resource, Value};
use crate::constructs::handlers::HandlerCode;
use crate::constructs::iam::{self, Principal, Statement};
use crate::constructs::names::singleton_id;
use crate::map;

/// How objects are encrypted at rest.
#[derive(Debug, Clone, PartialEq)]
pub enum BucketEncryption {
    /// SSE-S3 (`AES256`).
    S3Managed,
    /// SSE-KMS with the key of this ARN.
    Kms(Value),
}

/// One CORS rule; empty lists are left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorsRule {
    pub allowed_headers: Vec<String>,
    pub allowed_methods: Vec<String>,
    pub allowed_origins: Vec<String>,
    pub exposed_headers: Vec<String>,
}

impl CorsRule {
    fn render(&self) -> Value {
        let list =
            |items: &[String]| (!items.is_empty()).then(|| Value::list(items.iter().cloned()));
        Value::Map(props([
            ("AllowedHeaders", list(&self.allowed_headers)),
            ("AllowedMethods", list(&self.allowed_methods)),
            ("AllowedOrigins", list(&self.allowed_origins)),
            ("ExposedHeaders", list(&self.exposed_headers)),
        ]))
    }
}

/// What a bucket is made of (the parts of aws-cdk-lib's `BucketProps` MLSpace uses).
#[derive(Debug, Clone)]
pub struct BucketProps {
    pub bucket_name: Option<String>,
    pub encryption: BucketEncryption,
    pub versioned: bool,
    /// Deny every request that does not use TLS (a bucket policy statement).
    pub enforce_ssl: bool,
    /// A canned ACL such as `BucketOwnerFullControl`.
    pub access_control: Option<String>,
    /// `BucketOwnerPreferred`, `ObjectWriter` or `BucketOwnerEnforced`.
    pub object_ownership: Option<String>,
    pub cors: Vec<CorsRule>,
    /// `(index document, error document)`.
    pub website: Option<(String, String)>,
    /// Server access logs: the target bucket and the key prefix.
    pub server_access_logs: Option<(Bucket, String)>,
    /// aws-cdk-lib keeps buckets unless told otherwise.
    pub removal_policy: RemovalPolicy,
}

impl Default for BucketProps {
    fn default() -> Self {
        BucketProps {
            bucket_name: None,
            encryption: BucketEncryption::S3Managed,
            versioned: false,
            enforce_ssl: false,
            access_control: None,
            object_ownership: None,
            cors: Vec::new(),
            website: None,
            server_access_logs: None,
            removal_policy: RemovalPolicy::Retain,
        }
    }
}

/// A bucket in the tree; clones share the bucket policy being built.
#[derive(Debug, Clone)]
pub struct Bucket {
    /// The bucket's construct (`<id>`), parent of `Resource`, `Policy` and `Notifications`.
    pub node: NodeId,
    pub resource: NodeId,
    /// The key objects are encrypted with, when it is a KMS key.
    pub encryption_key_arn: Option<Value>,
    policy: Rc<RefCell<Vec<Statement>>>,
    notifications: Rc<RefCell<Vec<Value>>>,
}

/// `new s3.Bucket(scope, id, props)`.
pub fn bucket(app: &mut App, scope: NodeId, id: &str, p: BucketProps) -> Bucket {
    let node = app.construct(scope, id);
    let by_default = match &p.encryption {
        BucketEncryption::S3Managed => map! { "SSEAlgorithm" => "AES256" },
        BucketEncryption::Kms(key) => {
            map! { "KMSMasterKeyID" => key.clone(), "SSEAlgorithm" => "aws:kms" }
        }
    };
    let encryption = map! {
        "ServerSideEncryptionConfiguration" => Value::List(vec![map! { "ServerSideEncryptionByDefault" => by_default }]),
    };
    if let Some((target, _)) = &p.server_access_logs {
        target.allow_log_delivery(app);
    }
    let properties = props([
        ("AccessControl", p.access_control.clone().map(Value::from)),
        ("BucketEncryption", Some(encryption)),
        ("BucketName", p.bucket_name.clone().map(Value::from)),
        (
            "CorsConfiguration",
            (!p.cors.is_empty()).then(|| map! { "CorsRules" => Value::List(p.cors.iter().map(CorsRule::render).collect()) }),
        ),
        (
            "LoggingConfiguration",
            p.server_access_logs
                .as_ref()
                .map(|(target, prefix)| map! { "DestinationBucketName" => target.name(), "LogFilePrefix" => prefix.as_str() }),
        ),
        (
            "OwnershipControls",
            p.object_ownership
                .as_ref()
                .map(|o| map! { "Rules" => Value::List(vec![map! { "ObjectOwnership" => o.as_str() }]) }),
        ),
        ("VersioningConfiguration", p.versioned.then(|| map! { "Status" => "Enabled" })),
        (
            "WebsiteConfiguration",
            p.website
                .as_ref()
                .map(|(index, error)| map! { "ErrorDocument" => error.as_str(), "IndexDocument" => index.as_str() }),
        ),
    ]);
    let mut resource = Resource::new("AWS::S3::Bucket", properties);
    resource.removal_policy(p.removal_policy);
    let resource = app.resource(node, "Resource", resource);
    let bucket = Bucket {
        node,
        resource,
        encryption_key_arn: match p.encryption {
            BucketEncryption::Kms(key) => Some(key),
            BucketEncryption::S3Managed => None,
        },
        policy: Rc::default(),
        notifications: Rc::default(),
    };
    if p.enforce_ssl {
        let deny = Statement::deny(&["s3:*"])
            .condition(map! { "Bool" => map! { "aws:SecureTransport" => "false" } })
            .principal(Principal::aws("*"))
            .on([bucket.arn(), bucket.arn_for_objects("*")]);
        bucket.add_to_resource_policy(app, deny);
    }
    bucket
}

/// compat: the action lists of aws-cdk-lib's bucket grants.
pub const READ_ACTIONS: &[&str] = &["s3:GetObject*", "s3:GetBucket*", "s3:List*"];
pub const READ_WRITE_ACTIONS: &[&str] = &[
    "s3:GetObject*",
    "s3:GetBucket*",
    "s3:List*",
    "s3:DeleteObject*",
    "s3:PutObject",
    "s3:PutObjectLegalHold",
    "s3:PutObjectRetention",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:Abort*",
];
/// What a principal may do with the key of a KMS-encrypted bucket it reads and writes.
pub const KEY_READ_WRITE_ACTIONS: &[&str] = &[
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:ReEncrypt*",
    "kms:GenerateDataKey*",
];

impl Bucket {
    pub fn arn(&self) -> Value {
        Value::get_att(self.resource, "Arn")
    }

    pub fn name(&self) -> Value {
        Value::Ref(self.resource)
    }

    /// `bucket.arnForObjects(pattern)`: `<arn>/<pattern>`.
    pub fn arn_for_objects(&self, pattern: &str) -> Value {
        concat([self.arn(), Value::from(format!("/{pattern}"))])
    }

    /// `addToResourcePolicy`: creates `<bucket>/Policy/Resource` on first use.
    pub fn add_to_resource_policy(&self, app: &mut App, statement: Statement) {
        self.policy.borrow_mut().push(statement);
        let document = iam::document(app, self.node, &self.policy.borrow());
        match self.policy_resource(app) {
            Some(res) => {
                app.resource_mut(res)
                    .properties
                    .insert("PolicyDocument".into(), document);
            }
            None => {
                let scope = app.construct(self.node, "Policy");
                let properties = props([
                    ("Bucket", Some(self.name())),
                    ("PolicyDocument", Some(document)),
                ]);
                app.resource(
                    scope,
                    "Resource",
                    Resource::new("AWS::S3::BucketPolicy", properties),
                );
            }
        }
    }

    /// The `AWS::S3::BucketPolicy`, once there is one.
    pub fn policy_resource(&self, app: &App) -> Option<NodeId> {
        app.tree
            .child(self.node, "Policy")
            .and_then(|p| app.tree.child(p, "Resource"))
    }

    /// `bucket.grantRead(servicePrincipal)`: a resource-policy statement for the service.
    pub fn grant_read_to_service(&self, app: &mut App, service: &str) {
        let statement = Statement::allow(READ_ACTIONS)
            .principal(Principal::service(service))
            .on([self.arn(), self.arn_for_objects("*")]);
        self.add_to_resource_policy(app, statement);
    }

    /// `bucket.grantReadWrite(role)` for a role of this app: statements in the role's default
    /// policy (the key's too when the bucket has a KMS key).
    pub fn grant_read_write(&self, app: &mut App, role: &iam::RoleRef) {
        iam::add_to_principal_policy(
            app,
            role,
            Statement::allow(READ_WRITE_ACTIONS).on([self.arn(), self.arn_for_objects("*")]),
        );
        if let Some(key) = &self.encryption_key_arn {
            iam::add_to_principal_policy(
                app,
                role,
                Statement::allow(KEY_READ_WRITE_ACTIONS).on([key.clone()]),
            );
        }
    }

    /// Lets the S3 log delivery group write server access logs here.
    /// compat: without `@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy` aws-cdk-lib uses the
    /// `LogDeliveryWrite` ACL rather than a bucket policy.
    pub fn allow_log_delivery(&self, app: &mut App) {
        let props = &mut app.resource_mut(self.resource).properties;
        if !props.contains_key("AccessControl") {
            props.insert("AccessControl".into(), "LogDeliveryWrite".into());
        }
    }

    /// `Tags.of(bucket).add(key, value)`.
    pub fn add_tag(&self, app: &mut App, key: &str, value: &str) {
        let props = &mut app.resource_mut(self.resource).properties;
        let tag = map! { "Key" => key, "Value" => value };
        match props.get_mut("Tags") {
            Some(Value::List(tags)) => tags.push(tag),
            _ => {
                props.insert("Tags".into(), Value::List(vec![tag]));
            }
        }
    }

    /// `bucket.addEventNotification(event, new LambdaDestination(fn))`: the function may be
    /// invoked by S3 for this bucket, and `<bucket>/Notifications` (a `Custom::S3BucketNotifications`
    /// served by `handler`) configures the bucket once that permission and the bucket policy exist.
    pub fn add_lambda_notification(
        &self,
        app: &mut App,
        event: &str,
        function: NodeId,
        handler: &NotificationsHandler,
    ) {
        let resource = match app.tree.child(self.node, "Notifications") {
            Some(scope) => app
                .tree
                .child(scope, "Resource")
                .expect("notifications resource"),
            None => {
                let scope = app.construct(self.node, "Notifications");
                app.resource(
                    scope,
                    "Resource",
                    Resource::new("Custom::S3BucketNotifications", Map::new()),
                )
            }
        };
        // compat: the permission is named after the function's unique id.
        let permission_id =
            super::names::function_scoped_id(app, "AllowBucketNotificationsTo", function);
        let permission = match app.tree.child(self.node, &permission_id) {
            Some(p) => p,
            None => {
                let account = app.stack(app.stack_ref(self.node)).env.account.clone();
                let permission = Resource::new(
                    "AWS::Lambda::Permission",
                    props([
                        ("Action", Some("lambda:InvokeFunction".into())),
                        ("FunctionName", Some(Value::get_att(function, "Arn"))),
                        ("Principal", Some("s3.amazonaws.com".into())),
                        ("SourceAccount", Some(account.into())),
                        ("SourceArn", Some(self.arn())),
                    ]),
                );
                app.resource(self.node, &permission_id, permission)
            }
        };
        self.notifications.borrow_mut().push(map! { "Events" => Value::list([event]), "LambdaFunctionArn" => Value::get_att(function, "Arn") });
        let properties = props([
            (
                "ServiceToken",
                Some(Value::get_att(handler.function, "Arn")),
            ),
            ("BucketName", Some(self.name())),
            (
                "NotificationConfiguration",
                Some(
                    map! { "LambdaFunctionConfigurations" => Value::List(self.notifications.borrow().clone()) },
                ),
            ),
            ("Managed", Some(true.into())),
            ("SkipDestinationValidation", Some(false.into())),
        ]);
        app.resource_mut(resource).properties = properties;
        app.add_depends_on(resource, permission);
        if let Some(policy) = self.policy_resource(app) {
            app.add_depends_on(resource, policy);
        }
    }
}

/// The stack's handler of `Custom::S3BucketNotifications` (a singleton per stack).
#[derive(Debug, Clone, Copy)]
pub struct NotificationsHandler {
    /// The `AWS::Lambda::Function` resource.
    pub function: NodeId,
}

/// compat: aws-cdk-lib's notifications handler is the singleton `BucketNotificationsHandler` +
/// this UUID.
pub const NOTIFICATIONS_HANDLER_UUID: &str = "050a0587-b754-4547-bf32-5f094a3db834";

/// The notifications handler of `stack_node`, created on first use: a role allowed to put
/// bucket notification configurations and a Python function with our handler's code.
pub fn notifications_handler(
    app: &mut App,
    stack_node: NodeId,
    runtime: LambdaRuntime,
    code: &HandlerCode,
) -> NotificationsHandler {
    let handler_id = singleton_id("BucketNotificationsHandler", NOTIFICATIONS_HANDLER_UUID);
    if let Some(scope) = app.tree.child(stack_node, &handler_id) {
        let function = app.tree.child(scope, "Resource").expect("handler function");
        return NotificationsHandler { function };
    }
    let stack = app.stack_ref(stack_node);
    let scope = app.construct(stack_node, &handler_id);
    let role = super::lambda::service_role(app, scope, "Role", false);
    iam::add_to_principal_policy(
        app,
        &role,
        Statement::allow(&["s3:PutBucketNotification"]).on_all(),
    );
    let location = code.register(app, stack, &format!("{handler_id}/Code"));
    let properties = props([
        ("Description", Some("Handles Custom::S3BucketNotifications: sets the stack's entries of a bucket's notification configuration".into())),
        ("Code", Some(location.s3_location())),
        ("Handler", Some(super::handlers::HANDLER_ENTRY.into())),
        ("Role", Some(role.arn.clone())),
        ("Runtime", Some(runtime.into())),
        ("Timeout", Some(300.into())),
    ]);
    let mut function = Resource::new("AWS::Lambda::Function", properties);
    function.depends_on.push(role.node);
    super::assets::add_asset_metadata(&mut function, &location, "Code");
    let function = app.resource(scope, "Resource", function);
    NotificationsHandler { function }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::Environment;

    fn app() -> (App, NodeId) {
        let mut app = App::new(Default::default());
        let env = Environment {
            account: "111".into(),
            region: "us-east-1".into(),
        };
        let s = app.add_stack("s", env, Vec::new());
        (app, s.node)
    }

    #[test]
    fn enforce_ssl_creates_the_policy_and_logs_use_the_acl() {
        let (mut app, stack) = app();
        let logs = bucket(
            &mut app,
            stack,
            "logs",
            BucketProps {
                enforce_ssl: true,
                ..Default::default()
            },
        );
        let data = bucket(
            &mut app,
            stack,
            "data",
            BucketProps {
                server_access_logs: Some((logs.clone(), "data".into())),
                removal_policy: RemovalPolicy::Delete,
                ..Default::default()
            },
        );
        assert!(logs.policy_resource(&app).is_some());
        assert!(data.policy_resource(&app).is_none());
        assert_eq!(
            app.resource_ref(logs.resource).properties["AccessControl"],
            Value::from("LogDeliveryWrite")
        );
        assert_eq!(
            app.resource_ref(data.resource).deletion_policy,
            Some(RemovalPolicy::Delete)
        );
        assert_eq!(
            app.resource_ref(logs.resource).deletion_policy,
            Some(RemovalPolicy::Retain)
        );
    }

    #[test]
    fn kms_encryption_names_the_key() {
        let (mut app, stack) = app();
        let b = bucket(
            &mut app,
            stack,
            "b",
            BucketProps {
                encryption: BucketEncryption::Kms("arn:k".into()),
                ..Default::default()
            },
        );
        let enc = format!(
            "{:?}",
            app.resource_ref(b.resource).properties["BucketEncryption"]
        );
        assert!(enc.contains("aws:kms") && enc.contains("arn:k"), "{enc}");
    }
}
