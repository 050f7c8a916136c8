//! PERMISSIONS_BOUNDARY_POLICY_NAME: a pass over the finished app that puts the boundary on every
//! IAM role and gives roles, policies and instance profiles IAM_RESOURCE_PREFIX names.
//!
//! compat: this reproduces what the TS app gets from `AddPermissionBoundary` of
//! @cdklabs/cdk-enterprise-iac (0.0.512): a name that does not start with the prefix becomes
//! `<prefix><name or path with '/' and ':' as '-'>` cut to leave room for 8 hex characters,
//! followed by the last 8 hex characters of SHAKE256 (32 bytes) over the resource's construct
//! path, all cut to the limit (64 for roles, 128 otherwise). Deploy-time names count as absent.
use crate::cdk::digest::hex;
use crate::cdk::logical_id::make_unique_id;
use crate::cdk::value::{concat, Pseudo, Value};
use crate::cdk::App;
use crate::config::Config;
use crate::constructs::iam::policy_name;

/// compat: the TS app adds the aspect only to the stacks in its `stacks` list, which leaves out
/// the VPC and API deployment stacks.
const STACKS_WITHOUT_BOUNDARY: &[&str] = &["mlspace-vpc", "mlspace-api-deployment"];

const ROLE_NAME_LIMIT: usize = 64;
const NAME_LIMIT: usize = 128;
const HASH_CHARS: usize = 8;

/// Apply the boundary when both PERMISSIONS_BOUNDARY_POLICY_NAME and IAM_RESOURCE_PREFIX are set.
pub fn apply_permissions_boundary(app: &mut App, cfg: &Config) {
    let Some(boundary) = &cfg.permissions_boundary_policy_name else {
        return;
    };
    // compat: the TS app tests the prefix for "" here (`config.IAM_RESOURCE_PREFIX !== ''`)
    // and puts it into names as it is everywhere else, so it stays a plain string.
    let prefix = &cfg.iam_resource_prefix;
    if prefix.is_empty() {
        return;
    }
    for stack in app.stack_refs() {
        if STACKS_WITHOUT_BOUNDARY.contains(&app.stack(stack).name.as_str()) {
            continue;
        }
        let account = app.stack(stack).env.account.clone();
        for node in app.tree.preorder(stack.node) {
            if app.tree.element(node).is_none() {
                continue;
            }
            let path = app.tree.path(node).joined();
            let Some(kind) = resource_type(app, node) else {
                continue;
            };
            let (name_key, limit) = match kind.as_str() {
                "AWS::IAM::Role" => ("RoleName", ROLE_NAME_LIMIT),
                "AWS::IAM::Policy" => ("PolicyName", NAME_LIMIT),
                "AWS::IAM::ManagedPolicy" => ("ManagedPolicyName", NAME_LIMIT),
                "AWS::IAM::InstanceProfile" => ("InstanceProfileName", NAME_LIMIT),
                _ => continue,
            };
            let generated = policy_name(&make_unique_id(&app.tree.path_below_stack(node)));
            let r = app.resource_mut(node);
            if kind == "AWS::IAM::Role" {
                let arn = concat([
                    "arn:".into(),
                    Value::Pseudo(Pseudo::Partition),
                    format!(":iam::{account}:policy/{boundary}").into(),
                ]);
                r.properties.insert("PermissionsBoundary".into(), arn);
            }
            let mut current = r
                .properties
                .get(name_key)
                .and_then(Value::as_str)
                .map(str::to_string);
            // compat: a default policy's generated name is a deploy-time value in aws-cdk-lib.
            if current.as_deref() == Some(generated.as_str()) && kind == "AWS::IAM::Policy" {
                current = None;
            }
            if let Some(name) = prefixed_name(current.as_deref(), prefix, &path, limit) {
                r.properties.insert(name_key.into(), name.into());
            }
        }
    }
}

fn resource_type(app: &App, node: crate::cdk::NodeId) -> Option<String> {
    match app.tree.element(node).map(|e| &e.kind) {
        Some(crate::cdk::ElementKind::Resource(r)) => Some(r.resource_type.clone()),
        _ => None,
    }
}

/// The new name, or `None` when the current one already starts with the prefix. `current` is
/// `None` for an absent or deploy-time name; the construct path stands in for it.
pub fn prefixed_name(
    current: Option<&str>,
    prefix: &str,
    path: &str,
    limit: usize,
) -> Option<String> {
    if current.is_some_and(|n| n.starts_with(prefix)) {
        return None;
    }
    let base: String = match current {
        Some(n) => n.to_string(),
        None => path.replace(['/', ':'], "-"),
    };
    let base: String = base.chars().filter(|c| !c.is_whitespace()).collect();
    let keep = limit.saturating_sub(HASH_CHARS + prefix.len());
    let base: String = base.chars().take(keep).collect();
    let digest = hex(&shake256(path.as_bytes(), 32));
    let name = format!("{prefix}{base}{}", &digest[digest.len() - HASH_CHARS..]);
    Some(name.chars().take(limit).collect())
}

/// SHAKE256 (FIPS 202) with `out_len` bytes of output.
pub fn shake256(input: &[u8], out_len: usize) -> Vec<u8> {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let absorb = |state: &mut [u64; 25], block: &[u8]| {
        for (i, lane) in block.chunks(8).enumerate() {
            let mut b = [0u8; 8];
            b[..lane.len()].copy_from_slice(lane);
            state[i] ^= u64::from_le_bytes(b);
        }
        keccak_f(state);
    };
    let mut chunks = input.chunks_exact(RATE);
    for block in &mut chunks {
        absorb(&mut state, block);
    }
    let mut last = [0u8; RATE];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x1f;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    let mut out = Vec::with_capacity(out_len);
    loop {
        for lane in &state[..RATE / 8] {
            for b in lane.to_le_bytes() {
                if out.len() == out_len {
                    return out;
                }
                out.push(b);
            }
        }
        keccak_f(&mut state);
    }
}

fn keccak_f(a: &mut [u64; 25]) {
    const RC: [u64; 24] = [
        0x0000000000000001,
        0x0000000000008082,
        0x800000000000808a,
        0x8000000080008000,
        0x000000000000808b,
        0x0000000080000001,
        0x8000000080008081,
        0x8000000000008009,
        0x000000000000008a,
        0x0000000000000088,
        0x0000000080008009,
        0x000000008000000a,
        0x000000008000808b,
        0x800000000000008b,
        0x8000000000008089,
        0x8000000000008003,
        0x8000000000008002,
        0x8000000000000080,
        0x000000000000800a,
        0x800000008000000a,
        0x8000000080008081,
        0x8000000000008080,
        0x0000000080000001,
        0x8000000080008008,
    ];
    // Rotation offsets r[x + 5y].
    const R: [u32; 25] = [
        0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56,
        14,
    ];
    for rc in RC {
        let mut c = [0u64; 5];
        for x in 0..5 {
            c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] = a[x + 5 * y].rotate_left(R[x + 5 * y]);
            }
        }
        for x in 0..5 {
            for y in 0..5 {
                a[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        a[0] ^= rc;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shake256_matches_the_standard() {
        // FIPS 202 vector: SHAKE256("") first 32 bytes.
        assert_eq!(
            hex(&shake256(b"", 32)),
            "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
        );
        // Longer than one block.
        let long = vec![b'a'; 300];
        assert_eq!(shake256(&long, 64)[..32], shake256(&long, 32)[..]);
    }

    #[test]
    fn names_get_the_prefix_and_a_path_hash() {
        // Names the TS app produced for the hardened-arm64 configuration.
        assert_eq!(
            prefixed_name(
                Some("mlspace-notebook-role"),
                "MLSpace",
                "mlspace-iam/mlspace-notebook-role/Resource",
                64
            )
            .as_deref(),
            Some("MLSpacemlspace-notebook-role7504477c")
        );
        assert_eq!(
            prefixed_name(
                None,
                "MLSpace",
                "mlspace-iam/mlspace-emr-instance-profile",
                128
            )
            .as_deref(),
            Some("MLSpacemlspace-iam-mlspace-emr-instance-profile972e8486")
        );
        assert_eq!(
            prefixed_name(Some("MLSpace-kms"), "MLSpace", "x/y", 128),
            None
        );
    }

    #[test]
    fn long_names_are_cut_to_the_limit() {
        let path = format!("stack/{}/Resource", "A".repeat(100));
        let name = prefixed_name(None, "MLSpace", &path, 64).unwrap();
        assert_eq!(name.len(), 64);
        assert!(name.starts_with("MLSpacestack-AAAA"));
    }
}
