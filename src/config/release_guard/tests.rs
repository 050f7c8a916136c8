use super::*;
use serde_json::json;

const RELEASE: Release = Release {
    version: "1.6.10",
    typescript_files: &[("bin/app.ts", "d1"), ("lib/stacks/kms.ts", "d2")],
    context_flags: &[
        ("@aws-cdk/aws-s3:createDefaultLoggingPolicy", "true"),
        ("@aws-cdk/aws-iam:minimizePolicies", "true"),
        (
            "@aws-cdk/core:target-partitions",
            "[\"aws\",\"aws-us-gov\"]",
        ),
    ],
    constants: &["SYSTEM_TAG"],
    aws_cdk_lib: "^2.177.0",
    aws_cdk_lib_locked: "2.212.0",
};

fn release_context() -> Map<String, Value> {
    json!({
        "@aws-cdk/aws-s3:createDefaultLoggingPolicy": true,
        "@aws-cdk/aws-iam:minimizePolicies": true,
        "@aws-cdk/core:target-partitions": ["aws", "aws-us-gov"],
        "availability-zones:account=1:region=us-east-1": ["a"],
    })
    .as_object()
    .unwrap()
    .clone()
}

fn release_checkout() -> Checkout {
    Checkout {
        is_typescript: true,
        version: Some("1.6.10".into()),
        version_problem: None,
        typescript_files: [("bin/app.ts", "d1"), ("lib/stacks/kms.ts", "d2")]
            .into_iter()
            .map(|(p, d)| (p.to_owned(), d.to_owned()))
            .collect(),
        has_constants_ts: true,
        aws_cdk_lib: AwsCdkLib {
            dependency: Some("^2.177.0".into()),
            dev_dependency: Some("^2.177.0".into()),
            locked: Some("2.212.0".into()),
            ..AwsCdkLib::default()
        },
    }
}

#[test]
fn the_release_itself_has_no_difference() {
    let exports = [Export {
        name: "SYSTEM_TAG".into(),
        line: 3,
    }];
    assert_eq!(
        differences(&RELEASE, &release_checkout(), &release_context(), &exports),
        []
    );
}

#[test]
fn every_kind_of_difference_is_listed_in_order() {
    let mut checkout = release_checkout();
    checkout.version = Some("1.7.0".into());
    checkout.typescript_files.remove("bin/app.ts");
    checkout
        .typescript_files
        .insert("lib/stacks/kms.ts".into(), "other".into());
    checkout
        .typescript_files
        .insert("lib/stacks/new.ts".into(), "d3".into());
    let mut context = release_context();
    context.insert(
        "@aws-cdk/aws-s3:createDefaultLoggingPolicy".into(),
        json!(false),
    );
    context.remove("@aws-cdk/core:target-partitions");
    context.insert("@aws-cdk/aws-lambda:newFlag".into(), json!(true));
    // Honoured flags may take any value.
    context.insert("@aws-cdk/aws-iam:minimizePolicies".into(), json!(false));
    checkout.aws_cdk_lib.dependency = Some("^2.230.0".into());
    checkout.aws_cdk_lib.locked = None;
    checkout.aws_cdk_lib.lock_problem = Some("missing".into());
    let exports = [Export {
        name: "EXTRA".into(),
        line: 9,
    }];
    let found: Vec<String> = differences(&RELEASE, &checkout, &context, &exports)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
            found,
            [
                "frontend/package.json: version 1.7.0 (not 1.6.10)",
                "lib/stacks/kms.ts: changed",
                "lib/stacks/new.ts: added",
                "bin/app.ts: deleted",
                "context flag @aws-cdk/aws-lambda:newFlag: true (1.6.10: unset)",
                "context flag @aws-cdk/aws-s3:createDefaultLoggingPolicy: false (1.6.10: true)",
                "context flag @aws-cdk/core:target-partitions: unset (1.6.10: [\"aws\",\"aws-us-gov\"])",
                "lib/constants.ts:9: export EXTRA is not one of MLSpace 1.6.10's constants, so no stack would read it",
                "lib/constants.ts: does not export SYSTEM_TAG, one of MLSpace 1.6.10's constants (lib/utils/configTypes.ts imports it, so the TypeScript app would not compile)",
                "package.json: aws-cdk-lib ^2.230.0 in dependencies (1.6.10: ^2.177.0)",
                "package-lock.json: missing (1.6.10 locks aws-cdk-lib 2.212.0)",
            ]
        );
}

#[test]
fn a_tree_without_typescript_is_checked_only_for_flags_it_sets() {
    let checkout = Checkout::default();
    let mut context = Map::new();
    context.insert(
        "@aws-cdk/aws-s3:createDefaultLoggingPolicy".into(),
        json!(true),
    );
    assert_eq!(differences(&RELEASE, &checkout, &context, &[]), []);
    context.insert(
        "@aws-cdk/aws-s3:createDefaultLoggingPolicy".into(),
        json!(false),
    );
    assert_eq!(differences(&RELEASE, &checkout, &context, &[]).len(), 1);
}

#[test]
fn token_digests_ignore_comments_and_whitespace_only() {
    let base = token_digest("const a = 'x y';\nexport default a;\n");
    assert_eq!(
        base,
        token_digest("// note\nconst  a =\n  'x y'; /* more */\nexport default a;")
    );
    assert_ne!(base, token_digest("const a = 'x  y';\nexport default a;\n"));
    assert_ne!(base, token_digest("const a = 'x y';\nexport default b;\n"));
    assert_ne!(base, token_digest("const a = `x y`;\nexport default a;\n"));
    assert_ne!(base, token_digest("const a = 'x y'\nexport default a;\n"));
    // Strings by value: the quote style and quote escapes are no change, a leading BOM
    // neither; other escapes are kept as written.
    assert_eq!(
        base,
        token_digest("const a = \"x y\";\nexport default a;\n")
    );
    assert_eq!(
        base,
        token_digest("\u{feff}const a = 'x y';\nexport default a;\n")
    );
    assert_eq!(
        token_digest("f('it\\'s', \"say \\\"hi\\\"\", '\\n');"),
        token_digest("f(\"it's\", 'say \"hi\"', \"\\n\");")
    );
    assert_ne!(token_digest("f('\\\\');"), token_digest("f('\\'');"));
    assert_ne!(token_digest("f('a');"), token_digest("f(a);"));
    assert_ne!(token_digest("f('\\n');"), token_digest("f('n');"));
}

#[test]
fn deep_nesting_digests_as_changed_without_a_crash() {
    let n = 20_000;
    let deep = format!("const zz = {}1{};\n", "(".repeat(n), ")".repeat(n));
    let digest = token_digest(&deep);
    assert_eq!(digest.len(), 64);
    assert_ne!(digest, token_digest("const zz = 1;\n"));
}

#[test]
fn unreadable_files_and_package_problems_say_why() {
    let mut checkout = release_checkout();
    checkout.typescript_files.insert(
        "lib/stacks/kms.ts".into(),
        format!("{UNREADABLE}a FIFO (named pipe), not a regular file"),
    );
    checkout.version = None;
    checkout.version_problem = Some("unreadable (Too many levels of symbolic links)".into());
    checkout.aws_cdk_lib.package_problem = Some("not valid JSON (EOF)".into());
    let exports = [Export {
        name: "SYSTEM_TAG".into(),
        line: 3,
    }];
    let found: Vec<String> = differences(&RELEASE, &checkout, &release_context(), &exports)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
            found,
            [
                "frontend/package.json: unreadable (Too many levels of symbolic links), so no version (not 1.6.10)",
                "lib/stacks/kms.ts: a FIFO (named pipe), not a regular file, so it cannot be compared (counts as changed)",
                "package.json: not valid JSON (EOF) (1.6.10 depends on aws-cdk-lib ^2.177.0)",
            ]
        );
    // Without a constants.ts (or outside a TS checkout) no constant is missing.
    checkout = release_checkout();
    checkout.has_constants_ts = false;
    assert_eq!(
        differences(&RELEASE, &checkout, &release_context(), &[]),
        []
    );
}

#[test]
fn messages_list_every_difference_and_say_what_to_do() {
    let error = Unsupported {
        differences: vec![
            Difference::FileChanged("lib/stacks/kms.ts".into()),
            Difference::Constant {
                name: "EXTRA".into(),
                line: 9,
            },
        ],
    };
    let text = error.to_string();
    for part in [
        "does not run TypeScript",
        "\n  - lib/stacks/kms.ts: changed\n  - lib/constants.ts:9: export EXTRA",
        "move configuration values into lib/config.json",
        "--allow-unsupported",
        "MLSPACE_ALLOW_UNSUPPORTED=1",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    assert!(error.warning().contains("NOT in the synthesized stacks"));
}
