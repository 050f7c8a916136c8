//! Names derived from a construct's place in the tree, as constructs that name other constructs
//! after themselves need them (permissions named after their function, owner tags, ...).
use crate::cdk::logical_id::make_unique_id;
use crate::cdk::{App, NodeId};

/// The construct id aws-cdk-lib gives a singleton function: its purpose followed by its UUID
/// with everything but letters and digits removed (`slugify`), e.g. `AWS` +
/// `679f53fa-c002-430c-b0da-5b7982bd2287` for the AwsCustomResource provider.
pub fn singleton_id(purpose: &str, uuid: &str) -> String {
    let mut id = String::with_capacity(purpose.len() + uuid.len());
    id.push_str(purpose);
    id.extend(uuid.chars().filter(char::is_ascii_alphanumeric));
    id
}

/// `Names.nodeUniqueId`: the logical-id algorithm over the full path, stack id included,
/// e.g. `mlspacecores3Notifier76CBDC2F` for `mlspace-core/s3Notifier`.
pub fn node_unique_id(app: &App, node: NodeId) -> String {
    make_unique_id(&app.tree.path(node).0)
}

/// The id of a construct named after the function it serves: `prefix` followed by the
/// [`node_unique_id`] of the function's construct (`function` is its `Resource`), as
/// aws-cdk-lib names the permissions it adds for event rules and bucket notifications.
pub fn function_scoped_id(app: &App, prefix: &str, function: NodeId) -> String {
    let function_construct = app
        .tree
        .node(function)
        .parent
        .expect("a function resource has a construct");
    format!("{prefix}{}", node_unique_id(app, function_construct))
}

/// `node.addr`: `c8` and the SHA-1 hex of every id from the root down (the root's empty id
/// included, `Default` ids left out), each followed by a newline.
pub fn node_addr(app: &App, node: NodeId) -> String {
    let mut input = Vec::new();
    // The app root has the empty id; it counts like any other component.
    input.push(b'\n');
    for id in app.tree.path(node).0 {
        if id == "Default" {
            continue;
        }
        input.extend_from_slice(id.as_bytes());
        input.push(b'\n');
    }
    format!("c8{}", sha1_hex(&input))
}

/// SHA-1 (FIPS 180-4). Only used to reproduce construct addresses, never for security.
pub fn sha1_hex(data: &[u8]) -> String {
    let mut h: [u32; 5] = [
        0x6745_2301,
        0xEFCD_AB89,
        0x98BA_DCFE,
        0x1032_5476,
        0xC3D2_E1F0,
    ];
    let mut message = data.to_vec();
    let bit_len = (data.len() as u64).wrapping_mul(8);
    message.push(0x80);
    while message.len() % 64 != 56 {
        message.push(0);
    }
    message.extend_from_slice(&bit_len.to_be_bytes());
    for block in message.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A82_7999),
                20..=39 => (b ^ c ^ d, 0x6ED9_EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC),
                _ => (b ^ c ^ d, 0xCA62_C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            e = d;
            d = c;
            c = b.rotate_left(30);
            b = a;
            a = t;
        }
        for (x, y) in h.iter_mut().zip([a, b, c, d, e]) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cdk::Environment;

    #[test]
    fn sha1_matches_known_vectors() {
        assert_eq!(sha1_hex(b""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(sha1_hex(b"abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let long = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        assert_eq!(
            sha1_hex(long.as_bytes()),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
    }

    #[test]
    fn addresses_and_unique_ids_follow_the_path() {
        let mut app = App::new(Default::default());
        let env = Environment {
            account: "1".into(),
            region: "r".into(),
        };
        let stack = app.add_stack("mlspace-core", env, Vec::new());
        let deployment = app.construct(stack.node, "MLSpaceConfigDeployment");
        let cr = app.construct(deployment, "CustomResource");
        // The bucket deployment's owner tag of the reference ends with these 8 characters.
        assert!(node_addr(&app, cr).ends_with("56a61784"));
        let fnode = app.construct(stack.node, "s3Notifier");
        assert_eq!(node_unique_id(&app, fnode), "mlspacecores3Notifier76CBDC2F");
    }

    #[test]
    fn singleton_ids_drop_the_uuid_dashes() {
        // aws-cdk-lib 2.212.0 names these singletons so (see the reference templates' paths).
        assert_eq!(
            singleton_id("AWS", "679f53fa-c002-430c-b0da-5b7982bd2287"),
            "AWS679f53fac002430cb0da5b7982bd2287"
        );
        assert_eq!(
            singleton_id("Custom::Purpose", "a-b-1024MiB"),
            "Custom::Purposeab1024MiB"
        );
    }
}
