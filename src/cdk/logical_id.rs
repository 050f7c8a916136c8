//! Logical IDs from construct paths, with aws-cdk-lib's `makeUniqueId` algorithm.
use md5::{Digest, Md5};

/// Path components equal to this are invisible in ids (compat: the `Default` child convention).
const HIDDEN_ID: &str = "Default";
/// Path components equal to this are dropped from the human part only.
const HIDDEN_FROM_HUMAN_ID: &str = "Resource";
const MAX_ID_LEN: usize = 255;
const MAX_HUMAN_LEN: usize = 240;
const HASH_LEN: usize = 8;

/// A CloudFormation logical ID: `^[A-Za-z0-9]{1,255}$`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogicalId(pub String);

impl std::fmt::Display for LogicalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl LogicalId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `makeUniqueId(components)`: a human-readable part followed by an 8-character hash of the path,
/// except for a single-component path, which is used as it is (alphanumerics only).
pub fn make_unique_id<S: AsRef<str>>(components: &[S]) -> String {
    let components: Vec<&str> = components
        .iter()
        .map(|c| c.as_ref())
        .filter(|c| *c != HIDDEN_ID)
        .collect();
    assert!(
        !components.is_empty(),
        "a unique id needs at least one path component"
    );
    if components.len() == 1 {
        let candidate = remove_non_alphanumeric(components[0]);
        if candidate.len() <= MAX_ID_LEN {
            return candidate;
        }
    }
    let hash = path_hash(&components);
    let human: String = remove_dupes(&components)
        .into_iter()
        .filter(|c| *c != HIDDEN_FROM_HUMAN_ID)
        .map(remove_non_alphanumeric)
        .collect::<String>();
    let human: String = human.chars().take(MAX_HUMAN_LEN).collect();
    human + &hash
}

/// First 8 hex characters (upper case) of MD5 over the components joined with `/`.
pub fn path_hash(components: &[&str]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let digest = Md5::digest(components.join("/").as_bytes());
    // Only the bytes that make the 8 characters; no formatting machinery (this runs for
    // every reference of every template).
    digest[..HASH_LEN / 2]
        .iter()
        .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 0x0f)]])
        .map(char::from)
        .collect()
}

/// Drop a component when the previously kept one ends with it (`Foo/Foo`, `FooBar/Bar`).
fn remove_dupes<'a>(components: &[&'a str]) -> Vec<&'a str> {
    let mut kept: Vec<&'a str> = Vec::new();
    for c in components {
        if let Some(prev) = kept.last() {
            if prev.ends_with(c) {
                continue;
            }
        }
        kept.push(c);
    }
    kept
}

fn remove_non_alphanumeric(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Construct ids cannot hold `/`; the constructs library replaces it with `--`.
pub fn sanitize_construct_id(id: &str) -> String {
    id.replace('/', "--")
}

pub fn is_valid_logical_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= MAX_ID_LEN && id.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from logical ids aws-cdk-lib 2.212.0 wrote in the basic reference assembly.
    #[test]
    fn matches_aws_cdk_lib_vectors() {
        let cases: &[(&[&str], &str)] = &[
            (&["MLSpace-VPC", "MLSpace-PublicSubnet1", "Subnet"], "MLSpaceVPCMLSpacePublicSubnet1SubnetD0E1F0BF"),
            (&["mlspace-kms-key", "Resource"], "mlspacekmskey45FC93EC"),
            (&["mlspace-kms-key", "Alias", "Resource"], "mlspacekmskeyAlias962CEF4E"),
            (&["CDKMetadata", "Default"], "CDKMetadata"),
            (&["mlspace-admin-apis", "RestApi"], "mlspaceadminapisRestApi29D72AA3"),
            (
                &["RestApi", "Default", "user", "GET", "ApiPermission.mlspaceadminapisRestApi29D72AA3.GET..user"],
                "RestApiuserGETApiPermissionmlspaceadminapisRestApi29D72AA3GETuserCE76694F",
            ),
            (
                &["SsmParameterValue:--mlspace--common-lambda-layer:C96584B6-F00A-464E-AD19-53AFF4B05118.Parameter"],
                "SsmParameterValuemlspacecommonlambdalayerC96584B6F00A464EAD1953AFF4B05118Parameter",
            ),
        ];
        for (path, expected) in cases {
            assert_eq!(make_unique_id(path), *expected, "path {path:?}");
        }
    }

    #[test]
    fn exports_get_a_hash() {
        let id = r#"Output{"Fn::GetAtt":["mlspacekmskey45FC93EC","Arn"]}"#;
        assert_eq!(
            make_unique_id(&["Exports", id]),
            "ExportsOutputFnGetAttmlspacekmskey45FC93ECArn33744C32"
        );
    }

    #[test]
    fn ids_are_alphanumeric_and_bounded() {
        let long = "x-".repeat(400);
        for path in [
            vec![long.as_str()],
            vec!["a", long.as_str()],
            vec!["Foo", "Foo", "Resource"],
        ] {
            let id = make_unique_id(&path);
            assert!(is_valid_logical_id(&id), "{id}");
        }
        assert_ne!(make_unique_id(&["a", "bc"]), make_unique_id(&["ab", "c"]));
    }
}
