//! The construct tree: an arena of nodes, each with an id unique among its siblings.
//!
//! Paths (`stack/construct/Resource`) give logical ids, `aws:cdk:path` metadata and the
//! pre-order in which templates and manifest metadata are written.
use super::element::Element;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub usize);

/// A construct path below the app root, e.g. `mlspace-kms/mlspace-kms-key/Resource`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConstructPath(pub Vec<String>);

impl ConstructPath {
    pub fn joined(&self) -> String {
        self.0.join("/")
    }
}

impl std::fmt::Display for ConstructPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.joined())
    }
}

/// One metadata entry on a construct, copied into the stack artifact's `metadata` map.
#[derive(Debug, Clone, PartialEq)]
pub enum Metadata {
    /// `aws:cdk:logicalId`, resolved at synthesis (ids can be overridden after creation).
    LogicalId,
    /// Any other entry, e.g. `aws:cdk:warning` or `aws:cdk:hasPhysicalName`.
    Entry {
        kind: String,
        data: super::value::Value,
    },
}

#[derive(Debug)]
pub enum NodeKind {
    App,
    Stack(usize),
    Construct,
    Element(Box<Element>),
}

#[derive(Debug)]
pub struct Node {
    pub id: String,
    pub parent: Option<NodeId>,
    pub children: Vec<NodeId>,
    pub kind: NodeKind,
    pub metadata: Vec<Metadata>,
}

#[derive(Debug)]
pub struct Tree {
    nodes: Vec<Node>,
}

impl Default for Tree {
    fn default() -> Self {
        Self::new()
    }
}

impl Tree {
    pub const ROOT: NodeId = NodeId(0);

    pub fn new() -> Self {
        Tree {
            nodes: vec![Node {
                id: String::new(),
                parent: None,
                children: Vec::new(),
                kind: NodeKind::App,
                metadata: Vec::new(),
            }],
        }
    }

    /// Add a child; construct ids are sanitized (`/` becomes `--`) and must be unique among siblings.
    pub fn add(&mut self, parent: NodeId, id: &str, kind: NodeKind) -> NodeId {
        let id = super::logical_id::sanitize_construct_id(id);
        assert!(
            self.child(parent, &id).is_none(),
            "there is already a construct with id '{id}' in {}",
            self.path(parent)
        );
        let node = NodeId(self.nodes.len());
        self.nodes.push(Node {
            id,
            parent: Some(parent),
            children: Vec::new(),
            kind,
            metadata: Vec::new(),
        });
        self.nodes[parent.0].children.push(node);
        node
    }

    pub fn child(&self, parent: NodeId, id: &str) -> Option<NodeId> {
        self.nodes[parent.0]
            .children
            .iter()
            .copied()
            .find(|c| self.nodes[c.0].id == id)
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0]
    }

    pub fn node_mut(&mut self, id: NodeId) -> &mut Node {
        &mut self.nodes[id.0]
    }

    /// Ids from the app root (exclusive) down to `node` (inclusive).
    pub fn path(&self, node: NodeId) -> ConstructPath {
        let mut ids = Vec::new();
        let mut cur = Some(node);
        while let Some(n) = cur {
            if n != Self::ROOT {
                ids.push(self.nodes[n.0].id.clone());
            }
            cur = self.nodes[n.0].parent;
        }
        ids.reverse();
        ConstructPath(ids)
    }

    /// The stack a node belongs to (the nearest stack ancestor, or itself).
    pub fn stack_of(&self, node: NodeId) -> Option<(NodeId, usize)> {
        let mut cur = Some(node);
        while let Some(n) = cur {
            if let NodeKind::Stack(index) = self.nodes[n.0].kind {
                return Some((n, index));
            }
            cur = self.nodes[n.0].parent;
        }
        None
    }

    /// Path components below the node's stack: the input of logical-id allocation.
    pub fn path_below_stack(&self, node: NodeId) -> Vec<String> {
        let mut ids = Vec::new();
        let mut cur = Some(node);
        while let Some(n) = cur {
            if matches!(self.nodes[n.0].kind, NodeKind::Stack(_)) {
                break;
            }
            ids.push(self.nodes[n.0].id.clone());
            cur = self.nodes[n.0].parent;
        }
        ids.reverse();
        ids
    }

    /// Pre-order, depth-first, children in creation order.
    pub fn preorder(&self, from: NodeId) -> Vec<NodeId> {
        let mut out = Vec::new();
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            out.push(n);
            stack.extend(self.nodes[n.0].children.iter().rev().copied());
        }
        out
    }

    pub fn element(&self, node: NodeId) -> Option<&Element> {
        match &self.nodes[node.0].kind {
            NodeKind::Element(e) => Some(e),
            _ => None,
        }
    }

    pub fn element_mut(&mut self, node: NodeId) -> Option<&mut Element> {
        match &mut self.nodes[node.0].kind {
            NodeKind::Element(e) => Some(e),
            _ => None,
        }
    }
}
