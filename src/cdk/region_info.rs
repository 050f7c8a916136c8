//! The region and partition facts of aws-cdk-lib: which partition and domain a region is in,
//! whether CloudFormation there has the `AWS::CDK::Metadata` type, and how interface VPC
//! endpoint services are named there.
//!
//! The facts are data, generated from the aws-cdk-lib package by `scripts/gen-region-facts.sh`
//! into `region_facts.json` (which records the version it came from); nothing here is typed by
//! hand. A region the table does not know has no facts, as in aws-cdk-lib: no metadata resource,
//! and its partition comes from the prefix rule aws-cdk-lib applies to region names.
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const TABLE_JSON: &str = include_str!("region_facts.json");

/// The facts of one region.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegionFacts {
    /// `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-eusc`, ...
    pub partition: String,
    /// The domain of the region's service endpoints (`AWS::URLSuffix` there).
    pub domain_suffix: String,
    /// Whether CloudFormation in the region has the `AWS::CDK::Metadata` resource type.
    pub cdk_metadata_resource_available: bool,
    /// The prefix of VPC endpoint service (PrivateLink) names in the region.
    pub vpc_endpoint_service_name_prefix: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Source {
    #[cfg_attr(not(test), allow(dead_code))] // checked by the tests
    package: String,
    version: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PrefixRule {
    prefix: String,
    partition: String,
    domain_suffix: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PartitionInfo {
    partition: String,
    domain_suffix: String,
}

/// Region -> prefix or suffix -> the services named with it.
type ServicesByAffix = BTreeMap<String, BTreeMap<String, Vec<String>>>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct InterfaceEndpointServices {
    default_prefix: String,
    #[cfg_attr(not(test), allow(dead_code))] // checked by the tests
    services_known: usize,
    prefix_by_region: ServicesByAffix,
    suffix_by_region: ServicesByAffix,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Table {
    source: Source,
    #[allow(dead_code)] // documents the table's origin
    generated_by: String,
    regions: BTreeMap<String, RegionFacts>,
    partitions_by_region_prefix: Vec<PrefixRule>,
    default_partition: PartitionInfo,
    interface_endpoint_services: InterfaceEndpointServices,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        // The table is part of the program; the unit tests below check that it parses.
        serde_json::from_str(TABLE_JSON).expect("src/cdk/region_facts.json is a valid fact table")
    })
}

/// The aws-cdk-lib version the facts were generated from.
pub fn source_version() -> &'static str {
    &table().source.version
}

/// The facts of `region`, or `None` for a region aws-cdk-lib does not know.
pub fn region(name: &str) -> Option<&'static RegionFacts> {
    table().regions.get(name)
}

/// Every region the table knows, in name order.
pub fn regions() -> impl Iterator<Item = (&'static str, &'static RegionFacts)> {
    table().regions.iter().map(|(k, v)| (k.as_str(), v))
}

/// Whether a stack deployed to `region` gets the `CDKMetadata` resource: only where the table
/// says the resource type exists (a region it does not know has no such fact, so no).
pub fn cdk_metadata_available(region: &str) -> bool {
    self::region(region).is_some_and(|r| r.cdk_metadata_resource_available)
}

/// The partition of `region`: its fact, else the first matching prefix rule, else the default.
pub fn partition(region: &str) -> &'static str {
    if let Some(r) = self::region(region) {
        return &r.partition;
    }
    let t = table();
    t.partitions_by_region_prefix
        .iter()
        .find(|rule| region.starts_with(rule.prefix.as_str()))
        .map_or(&t.default_partition.partition, |rule| &rule.partition)
}

/// The domain suffix of `region`'s endpoints, by the same rules as [`partition`].
pub fn domain_suffix(region: &str) -> &'static str {
    if let Some(r) = self::region(region) {
        return &r.domain_suffix;
    }
    let t = table();
    t.partitions_by_region_prefix
        .iter()
        .find(|rule| region.starts_with(rule.prefix.as_str()))
        .map_or(&t.default_partition.domain_suffix, |rule| {
            &rule.domain_suffix
        })
}

/// The name aws-cdk-lib gives the AWS interface endpoint service `service` (its short name,
/// e.g. `sts`, `sagemaker.api`) in `region`: `<prefix>.<region>.<service><suffix>`, the prefix
/// and suffix by region and service (`cn.com.amazonaws` for many services in China).
pub fn interface_endpoint_service_name(service: &str, region: &str) -> String {
    let s = &table().interface_endpoint_services;
    let affix = |by_region: &'static ServicesByAffix| {
        by_region.get(region).and_then(|m| {
            m.iter()
                .find(|(_, services)| services.iter().any(|x| x == service))
                .map(|(affix, _)| affix.as_str())
        })
    };
    let prefix = affix(&s.prefix_by_region).unwrap_or(&s.default_prefix);
    let suffix = affix(&s.suffix_by_region).unwrap_or("");
    format!("{prefix}.{region}.{service}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The partitions aws-cdk-lib 2.212.0 knows by region prefix, each with its domain.
    const PARTITIONS: [(&str, &str); 8] = [
        ("aws", "amazonaws.com"),
        ("aws-cn", "amazonaws.com.cn"),
        ("aws-us-gov", "amazonaws.com"),
        ("aws-iso", "c2s.ic.gov"),
        ("aws-iso-b", "sc2s.sgov.gov"),
        ("aws-iso-f", "csp.hci.ic.gov"),
        ("aws-iso-e", "cloud.adc-e.uk"),
        ("aws-eusc", "amazonaws.eu"),
    ];

    #[test]
    fn the_table_parses_and_names_its_source() {
        let t = table();
        assert_eq!(t.source.package, "aws-cdk-lib");
        assert_eq!(source_version(), "2.212.0");
        assert!(t.regions.len() >= 40, "{} regions", t.regions.len());
    }

    #[test]
    fn every_region_is_complete_and_consistent_with_the_prefix_rule() {
        let t = table();
        for (name, facts) in regions() {
            let number = name.rsplit('-').next().unwrap_or_default();
            assert!(
                number.parse::<u8>().is_ok() && name.split('-').count() >= 3,
                "{name}"
            );
            assert!(
                !facts.partition.is_empty() && !facts.domain_suffix.is_empty(),
                "{name}"
            );
            assert!(
                facts.vpc_endpoint_service_name_prefix.ends_with(".vpce"),
                "{name}: {facts:?}"
            );
            // The prefix rule gives every known region the partition and domain of its facts.
            let rule = t
                .partitions_by_region_prefix
                .iter()
                .find(|r| name.starts_with(r.prefix.as_str()))
                .map_or(
                    (
                        &t.default_partition.partition,
                        &t.default_partition.domain_suffix,
                    ),
                    |r| (&r.partition, &r.domain_suffix),
                );
            assert_eq!(rule, (&facts.partition, &facts.domain_suffix), "{name}");
            assert!(
                PARTITIONS.contains(&(facts.partition.as_str(), facts.domain_suffix.as_str())),
                "{name}: {facts:?}"
            );
        }
        let ruled: Vec<(&str, &str)> = t
            .partitions_by_region_prefix
            .iter()
            .map(|r| (r.partition.as_str(), r.domain_suffix.as_str()))
            .collect();
        for p in PARTITIONS {
            assert!(ruled.contains(&p), "no prefix rule for {p:?}");
        }
        assert!(t.interface_endpoint_services.services_known > 300);
    }

    #[test]
    fn metadata_only_where_the_type_exists() {
        assert!(cdk_metadata_available("us-east-1"));
        assert!(cdk_metadata_available("cn-north-1"));
        for region in [
            "us-gov-west-1",
            "us-iso-east-1",
            "us-isob-east-1",
            "mx-central-1",
        ] {
            assert!(!cdk_metadata_available(region), "{region}");
        }
        // A region aws-cdk-lib does not know has no fact, so no metadata resource.
        assert!(!cdk_metadata_available("us-isof-south-1"));
        assert!(!cdk_metadata_available("xx-nowhere-9"));
        let without: Vec<&str> = regions()
            .filter(|(_, f)| !f.cdk_metadata_resource_available)
            .map(|(n, _)| n)
            .collect();
        assert_eq!(without.len(), 13, "{without:?}");
    }

    #[test]
    fn partitions_of_known_and_unknown_regions() {
        assert_eq!(partition("us-east-1"), "aws");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
        assert_eq!(partition("us-iso-west-1"), "aws-iso");
        assert_eq!(partition("us-isob-east-1"), "aws-iso-b");
        assert_eq!(partition("eu-isoe-west-1"), "aws-iso-e");
        assert_eq!(partition("eusc-de-east-1"), "aws-eusc");
        assert_eq!(partition("cn-northwest-1"), "aws-cn");
        // Not in the table: the prefix rule.
        assert_eq!(partition("us-isof-south-1"), "aws-iso-f");
        assert_eq!(domain_suffix("us-isof-south-1"), "csp.hci.ic.gov");
        assert_eq!(partition("cn-south-7"), "aws-cn");
        assert_eq!(partition("xx-nowhere-9"), "aws");
        assert_eq!(domain_suffix("cn-north-1"), "amazonaws.com.cn");
    }

    #[test]
    fn interface_endpoint_names_follow_region_and_service() {
        assert_eq!(
            interface_endpoint_service_name("sts", "us-east-1"),
            "com.amazonaws.us-east-1.sts"
        );
        assert_eq!(
            interface_endpoint_service_name("sts", "cn-north-1"),
            "cn.com.amazonaws.cn-north-1.sts"
        );
        assert_eq!(
            interface_endpoint_service_name("logs", "cn-north-1"),
            "com.amazonaws.cn-north-1.logs"
        );
        assert_eq!(
            interface_endpoint_service_name("transcribe", "cn-northwest-1"),
            "cn.com.amazonaws.cn-northwest-1.transcribe.cn"
        );
        // aws-cdk-lib keeps com.amazonaws in the other partitions.
        assert_eq!(
            interface_endpoint_service_name("sts", "eusc-de-east-1"),
            "com.amazonaws.eusc-de-east-1.sts"
        );
    }
}
