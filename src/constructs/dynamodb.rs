//! DynamoDB tables, rendered as aws-cdk-lib's `Table` renders them.
use crate::cdk::app::props;
use crate::cdk::{App, NodeId, RemovalPolicy, Resource, Value};
use crate::map;

/// A key attribute's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    String,
    Number,
    Binary,
}

impl AttributeType {
    fn code(self) -> &'static str {
        match self {
            AttributeType::String => "S",
            AttributeType::Number => "N",
            AttributeType::Binary => "B",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    pub name: String,
    pub kind: AttributeType,
}

impl Attribute {
    pub fn string(name: &str) -> Self {
        Attribute {
            name: name.to_string(),
            kind: AttributeType::String,
        }
    }
    pub fn number(name: &str) -> Self {
        Attribute {
            name: name.to_string(),
            kind: AttributeType::Number,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Projection {
    All,
    KeysOnly,
}

impl Projection {
    fn name(self) -> &'static str {
        match self {
            Projection::All => "ALL",
            Projection::KeysOnly => "KEYS_ONLY",
        }
    }
}

/// Server-side encryption of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableEncryption {
    /// DynamoDB's AWS-owned key (`SSEEnabled` only).
    AwsManaged,
    /// A customer-managed KMS key, by ARN.
    CustomerManaged(Value),
}

#[derive(Debug, Clone, PartialEq)]
struct Index {
    name: String,
    partition: Option<Attribute>,
    sort: Option<Attribute>,
    projection: Projection,
}

/// An on-demand table with a physical name; call [`Table::add`] to put it in the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub partition_key: Attribute,
    pub sort_key: Option<Attribute>,
    pub encryption: TableEncryption,
    pub removal_policy: RemovalPolicy,
    global_indexes: Vec<Index>,
    local_indexes: Vec<Index>,
}

impl Table {
    /// Pay-per-request billing, AWS-managed encryption, retained on delete (the L2 defaults).
    pub fn new(name: &str, partition_key: Attribute) -> Self {
        Table {
            name: name.to_string(),
            partition_key,
            sort_key: None,
            encryption: TableEncryption::AwsManaged,
            removal_policy: RemovalPolicy::Retain,
            global_indexes: Vec::new(),
            local_indexes: Vec::new(),
        }
    }

    pub fn sort_key(mut self, key: Attribute) -> Self {
        self.sort_key = Some(key);
        self
    }

    pub fn encryption(mut self, encryption: TableEncryption) -> Self {
        self.encryption = encryption;
        self
    }

    pub fn global_index(
        mut self,
        name: &str,
        partition: Attribute,
        sort: Option<Attribute>,
        projection: Projection,
    ) -> Self {
        self.global_indexes.push(Index {
            name: name.to_string(),
            partition: Some(partition),
            sort,
            projection,
        });
        self
    }

    /// A local index shares the table's partition key.
    pub fn local_index(mut self, name: &str, sort: Attribute, projection: Projection) -> Self {
        self.local_indexes.push(Index {
            name: name.to_string(),
            partition: None,
            sort: Some(sort),
            projection,
        });
        self
    }

    /// The CloudFormation properties of the table.
    pub fn properties(&self) -> crate::cdk::Map {
        // Each attribute is defined once, in the order keys are first used (table, then indexes).
        let index_keys = self
            .global_indexes
            .iter()
            .chain(&self.local_indexes)
            .flat_map(|i| [i.partition.as_ref(), i.sort.as_ref()]);
        let mut attributes: Vec<&Attribute> = Vec::new();
        for a in [Some(&self.partition_key), self.sort_key.as_ref()]
            .into_iter()
            .chain(index_keys)
            .flatten()
        {
            if !attributes.iter().any(|x| x.name == a.name) {
                attributes.push(a);
            }
        }
        let attribute_definitions = Value::List(
            attributes.iter().map(|a| map! { "AttributeName" => a.name.clone(), "AttributeType" => a.kind.code() }).collect(),
        );
        let key_schema = |partition: &Attribute, sort: Option<&Attribute>| {
            let mut keys =
                vec![map! { "AttributeName" => partition.name.clone(), "KeyType" => "HASH" }];
            if let Some(s) = sort {
                keys.push(map! { "AttributeName" => s.name.clone(), "KeyType" => "RANGE" });
            }
            Value::List(keys)
        };
        let render_indexes = |indexes: &[Index]| -> Option<Value> {
            (!indexes.is_empty()).then(|| {
                Value::List(
                    indexes
                        .iter()
                        .map(|i| {
                            let partition = i.partition.as_ref().unwrap_or(&self.partition_key);
                            map! {
                                "IndexName" => i.name.clone(),
                                "KeySchema" => key_schema(partition, i.sort.as_ref()),
                                "Projection" => map! { "ProjectionType" => i.projection.name() },
                            }
                        })
                        .collect(),
                )
            })
        };
        let sse = match &self.encryption {
            TableEncryption::AwsManaged => map! { "SSEEnabled" => true },
            TableEncryption::CustomerManaged(key_arn) => {
                map! { "KMSMasterKeyId" => key_arn.clone(), "SSEEnabled" => true, "SSEType" => "KMS" }
            }
        };
        props([
            ("AttributeDefinitions", Some(attribute_definitions)),
            ("BillingMode", Some("PAY_PER_REQUEST".into())),
            (
                "GlobalSecondaryIndexes",
                render_indexes(&self.global_indexes),
            ),
            (
                "KeySchema",
                Some(key_schema(&self.partition_key, self.sort_key.as_ref())),
            ),
            ("LocalSecondaryIndexes", render_indexes(&self.local_indexes)),
            ("SSESpecification", Some(sse)),
            ("TableName", Some(self.name.clone().into())),
        ])
    }

    /// Adds `<id>/Resource` under `scope` and returns the table resource (`Ref` = table name).
    pub fn add(&self, app: &mut App, scope: NodeId, id: &str) -> NodeId {
        let construct = app.construct(scope, id);
        let mut resource = Resource::new("AWS::DynamoDB::Table", self.properties());
        resource.removal_policy(self.removal_policy);
        let table = app.resource(construct, "Resource", resource);
        // compat: aws-cdk-lib records that the table was given a physical name.
        app.add_metadata(construct, "aws:cdk:hasPhysicalName", Value::Ref(table));
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_indexes_reuse_the_partition_key_and_define_their_sort_keys() {
        let t = Table::new("meta", Attribute::string("resourceType"))
            .sort_key(Attribute::string("resourceId"))
            .local_index(
                "ProjectResources",
                Attribute::string("project"),
                Projection::All,
            );
        let p = t.properties();
        match &p["AttributeDefinitions"] {
            Value::List(items) => assert_eq!(
                items[2],
                map! { "AttributeName" => "project", "AttributeType" => "S" }
            ),
            other => panic!("{other:?}"),
        }
        match &p["LocalSecondaryIndexes"] {
            Value::List(items) => match &items[0] {
                Value::Map(m) => match &m["KeySchema"] {
                    Value::List(keys) => {
                        assert_eq!(
                            keys[0],
                            map! { "AttributeName" => "resourceType", "KeyType" => "HASH" }
                        );
                        assert_eq!(
                            keys[1],
                            map! { "AttributeName" => "project", "KeyType" => "RANGE" }
                        );
                    }
                    other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            },
            other => panic!("{other:?}"),
        }
        assert!(!p.contains_key("GlobalSecondaryIndexes"));
    }

    #[test]
    fn shared_attributes_are_defined_once_and_kms_sets_the_type() {
        let t = Table::new("pu", Attribute::string("project"))
            .sort_key(Attribute::string("user"))
            .global_index(
                "ReverseLookup",
                Attribute::string("user"),
                Some(Attribute::string("project")),
                Projection::KeysOnly,
            )
            .encryption(TableEncryption::CustomerManaged("arn:key".into()));
        let p = t.properties();
        match &p["AttributeDefinitions"] {
            Value::List(items) => assert_eq!(items.len(), 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            p["SSESpecification"],
            map! { "KMSMasterKeyId" => "arn:key", "SSEEnabled" => true, "SSEType" => "KMS" }
        );
    }
}
