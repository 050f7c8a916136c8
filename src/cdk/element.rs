//! CloudFormation elements: what a template is made of.
use super::tree::NodeId;
use super::value::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovalPolicy {
    Retain,
    Delete,
    Snapshot,
    RetainExceptOnCreate,
}

impl RemovalPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RemovalPolicy::Retain => "Retain",
            RemovalPolicy::Delete => "Delete",
            RemovalPolicy::Snapshot => "Snapshot",
            RemovalPolicy::RetainExceptOnCreate => "RetainExceptOnCreate",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Resource {
    pub resource_type: String,
    pub properties: Map,
    /// Nodes this resource depends on; a construct stands for every resource below it.
    pub depends_on: Vec<NodeId>,
    pub creation_policy: Option<Value>,
    pub update_policy: Option<Value>,
    pub update_replace_policy: Option<RemovalPolicy>,
    pub deletion_policy: Option<RemovalPolicy>,
    pub condition: Option<String>,
    /// Metadata after `aws:cdk:path` (asset metadata, `aws:cdk:do-not-refactor`).
    pub metadata: Map,
}

impl Resource {
    pub fn new(resource_type: &str, properties: Map) -> Self {
        Resource {
            resource_type: resource_type.to_string(),
            properties,
            depends_on: Vec::new(),
            creation_policy: None,
            update_policy: None,
            update_replace_policy: None,
            deletion_policy: None,
            condition: None,
            metadata: Map::new(),
        }
    }

    /// Both the replace and the deletion policy, as `applyRemovalPolicy` sets them.
    pub fn removal_policy(&mut self, policy: RemovalPolicy) {
        self.update_replace_policy = Some(policy);
        self.deletion_policy = Some(policy);
    }

    /// compat: generated L1 classes render their properties in alphabetical order; custom
    /// resources keep the order they were given in.
    pub fn sorts_properties(&self) -> bool {
        self.resource_type.starts_with("AWS::")
    }
}

#[derive(Debug, Clone)]
pub struct Output {
    pub value: Value,
    pub description: Option<String>,
    pub export_name: Option<Value>,
    pub condition: Option<String>,
}

#[derive(Debug, Clone)]
pub enum ElementKind {
    Resource(Resource),
    Output(Output),
    /// A parameter's body (`Type`, `Default`, `Description`, ...).
    Parameter(Map),
    Condition(Value),
    Rule(Value),
}

#[derive(Debug, Clone)]
pub struct Element {
    pub kind: ElementKind,
    pub logical_id_override: Option<String>,
}

impl ElementKind {
    pub fn section(&self) -> &'static str {
        match self {
            ElementKind::Resource(_) => "Resources",
            ElementKind::Output(_) => "Outputs",
            ElementKind::Parameter(_) => "Parameters",
            ElementKind::Condition(_) => "Conditions",
            ElementKind::Rule(_) => "Rules",
        }
    }
}
