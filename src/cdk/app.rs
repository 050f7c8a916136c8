//! The app: the construct tree, its stacks, the context, and the calls that build them.
use indexmap::IndexMap;

use super::assets::Packaging;
use super::element::{Element, ElementKind, Output, Resource};
use super::tree::{Metadata, NodeId, NodeKind, Tree};
use super::value::{Map, Value};

/// Where a stack deploys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Environment {
    pub account: String,
    pub region: String,
}

/// Copies an asset's source into the out dir; run only when the assembly is written.
pub type StageFn = std::rc::Rc<dyn Fn(&std::path::Path) -> Result<(), String>>;

/// A file or directory the stack publishes to the bootstrap bucket.
#[derive(Clone)]
pub struct StackAsset {
    /// Stack-relative construct path of the asset, e.g. `mlspace-common-lambda-layer/Code`.
    pub display_name: String,
    pub hash: String,
    pub packaging: Packaging,
    /// Name in the out dir: `asset.<hash>` or `asset.<hash>.zip`.
    pub staged_name: String,
    /// Key in the asset bucket: `<hash>.zip` or `<hash><ext>`.
    pub object_key: String,
    pub stage: StageFn,
}

impl std::fmt::Debug for StackAsset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StackAsset")
            .field("display_name", &self.display_name)
            .field("hash", &self.hash)
            .finish()
    }
}

#[derive(Debug, Clone)]
pub struct Stack {
    pub node: NodeId,
    pub name: String,
    pub env: Environment,
    pub termination_protection: bool,
    /// Tags every taggable resource of the stack gets (and the stack artifact lists).
    pub tags: Vec<(String, String)>,
    /// Stacks this one depends on, in the order first added.
    pub dependencies: Vec<usize>,
    pub assets: Vec<StackAsset>,
}

/// A context lookup the CLI must perform before the app can use real values.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingContext {
    pub key: String,
    pub provider: String,
    pub props: serde_json::Map<String, serde_json::Value>,
}

/// Settings the toolkit passes through the context.
#[derive(Debug, Clone)]
pub struct Settings {
    pub path_metadata: bool,
    pub asset_metadata: bool,
    pub version_reporting: bool,
    pub bootstrap_qualifier: String,
}

pub struct App {
    pub tree: Tree,
    pub stacks: Vec<Stack>,
    pub context: serde_json::Map<String, serde_json::Value>,
    pub settings: Settings,
    pub missing: Vec<MissingContext>,
    /// Asset plans of this synthesis: each source is fingerprinted once.
    pub asset_plans: crate::cdk::assets::Planner,
}

pub const DEFAULT_QUALIFIER: &str = "hnb659fds";

impl App {
    pub fn new(context: serde_json::Map<String, serde_json::Value>) -> Self {
        let flag = |k: &str| context.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
        let settings = Settings {
            path_metadata: flag("aws:cdk:enable-path-metadata"),
            asset_metadata: flag("aws:cdk:enable-asset-metadata"),
            version_reporting: flag("aws:cdk:version-reporting")
                && !flag("aws:cdk:disable-version-reporting"),
            bootstrap_qualifier: context
                .get("@aws-cdk/core:bootstrapQualifier")
                .and_then(|v| v.as_str())
                .unwrap_or(DEFAULT_QUALIFIER)
                .to_string(),
        };
        App {
            tree: Tree::new(),
            stacks: Vec::new(),
            context,
            settings,
            missing: Vec::new(),
            asset_plans: Default::default(),
        }
    }

    pub fn add_stack(
        &mut self,
        id: &str,
        env: Environment,
        tags: Vec<(String, String)>,
    ) -> StackRef {
        let index = self.stacks.len();
        let node = self.tree.add(Tree::ROOT, id, NodeKind::Stack(index));
        self.stacks.push(Stack {
            node,
            name: id.to_string(),
            env,
            termination_protection: false,
            tags,
            dependencies: Vec::new(),
            assets: Vec::new(),
        });
        StackRef { node, index }
    }

    /// `consumer.addDependency(producer)`.
    pub fn add_dependency(&mut self, consumer: StackRef, producer: StackRef) {
        self.add_stack_dependency(consumer.index, producer.index);
    }

    pub(crate) fn add_stack_dependency(&mut self, consumer: usize, producer: usize) {
        if consumer != producer && !self.stacks[consumer].dependencies.contains(&producer) {
            self.stacks[consumer].dependencies.push(producer);
        }
    }

    /// A plain construct (a scope for other constructs).
    pub fn construct(&mut self, parent: NodeId, id: &str) -> NodeId {
        self.tree.add(parent, id, NodeKind::Construct)
    }

    /// The existing child `id` of `parent`, or a new plain construct.
    pub fn construct_once(&mut self, parent: NodeId, id: &str) -> NodeId {
        match self.tree.child(parent, id) {
            Some(n) => n,
            None => self.construct(parent, id),
        }
    }

    pub fn resource(&mut self, parent: NodeId, id: &str, resource: Resource) -> NodeId {
        self.element(parent, id, ElementKind::Resource(resource))
    }

    pub fn output(&mut self, parent: NodeId, id: &str, output: Output) -> NodeId {
        self.element(parent, id, ElementKind::Output(output))
    }

    pub fn element(&mut self, parent: NodeId, id: &str, kind: ElementKind) -> NodeId {
        let node = self.tree.add(
            parent,
            id,
            NodeKind::Element(Box::new(Element {
                kind,
                logical_id_override: None,
            })),
        );
        self.tree.node_mut(node).metadata.push(Metadata::LogicalId);
        node
    }

    pub fn resource_mut(&mut self, node: NodeId) -> &mut Resource {
        let path = self.tree.path(node);
        match self.tree.element_mut(node).map(|e| &mut e.kind) {
            Some(ElementKind::Resource(r)) => r,
            _ => panic!("construct {path} is not a resource"),
        }
    }

    pub fn resource_ref(&self, node: NodeId) -> &Resource {
        match self.tree.element(node).map(|e| &e.kind) {
            Some(ElementKind::Resource(r)) => r,
            _ => panic!("construct {} is not a resource", self.tree.path(node)),
        }
    }

    pub fn override_logical_id(&mut self, node: NodeId, id: &str) {
        if let Some(e) = self.tree.element_mut(node) {
            e.logical_id_override = Some(id.to_string());
        }
    }

    /// `node.addDependency(target)` between two constructs of the same stack.
    pub fn add_depends_on(&mut self, node: NodeId, target: NodeId) {
        let r = self.resource_mut(node);
        if !r.depends_on.contains(&target) {
            r.depends_on.push(target);
        }
    }

    pub fn add_metadata(&mut self, node: NodeId, kind: &str, data: impl Into<Value>) {
        self.tree.node_mut(node).metadata.push(Metadata::Entry {
            kind: kind.to_string(),
            data: data.into(),
        });
    }

    /// A warning the CLI prints (and fails on with `--strict`). The same message is kept once.
    pub fn add_warning(&mut self, node: NodeId, message: &str) {
        let entry = Metadata::Entry {
            kind: "aws:cdk:warning".into(),
            data: message.into(),
        };
        if !self.tree.node(node).metadata.contains(&entry) {
            self.tree.node_mut(node).metadata.push(entry);
        }
    }

    pub fn add_error(&mut self, node: NodeId, message: &str) {
        self.add_metadata(node, "aws:cdk:error", message);
    }

    pub fn add_asset(&mut self, stack: StackRef, asset: StackAsset) {
        self.stacks[stack.index].assets.push(asset);
    }

    pub fn stack_ref(&self, node: NodeId) -> StackRef {
        let (node, index) = self
            .tree
            .stack_of(node)
            .expect("every construct lives in a stack");
        StackRef { node, index }
    }

    pub fn stack(&self, stack: StackRef) -> &Stack {
        &self.stacks[stack.index]
    }

    pub fn stack_mut(&mut self, stack: StackRef) -> &mut Stack {
        &mut self.stacks[stack.index]
    }

    /// A context value from the CLI, unless it carries a provider error.
    pub fn context_value(&self, key: &str) -> Option<&serde_json::Value> {
        self.context.get(key).filter(|v| {
            !v.as_object()
                .is_some_and(|o| o.contains_key("$providerError"))
        })
    }

    /// Record a lookup the CLI must do (once per key), with the error it reported last time.
    pub fn report_missing(&mut self, scope: NodeId, missing: MissingContext) {
        if let Some(err) = self
            .context
            .get(&missing.key)
            .and_then(|v| v.get("$providerError"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
        {
            self.add_error(scope, &err);
        }
        if !self.missing.iter().any(|m| m.key == missing.key) {
            self.missing.push(missing);
        }
    }

    pub fn qualifier(&self) -> &str {
        &self.settings.bootstrap_qualifier
    }

    /// Distinct stack indices in creation order, for callers that need to iterate.
    pub fn stack_refs(&self) -> Vec<StackRef> {
        self.stacks
            .iter()
            .enumerate()
            .map(|(index, s)| StackRef {
                node: s.node,
                index,
            })
            .collect()
    }
}

/// A handle on a stack: its tree node and its index in `App::stacks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StackRef {
    pub node: NodeId,
    pub index: usize,
}

/// Build a [`Map`] from pairs, dropping `None`s: for optional L1 properties.
pub fn props<I: IntoIterator<Item = (&'static str, Option<Value>)>>(pairs: I) -> Map {
    pairs
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
        .collect()
}

/// Ordered string map helper.
pub type StrMap = IndexMap<String, String>;
