use super::*;
use serde_json::json;

fn release(name: &str) -> bool {
    name != "NOT_IN_THE_RELEASE" && default_of(name).is_some()
}

fn values(text: &str) -> Vec<(String, Value)> {
    parse(text, "lib/constants.ts", release)
        .unwrap_or_else(|e| panic!("{e}"))
        .values
        .into_iter()
        .map(|c| (c.name, c.value))
        .collect()
}

fn value(text: &str) -> Value {
    let all = values(text);
    assert_eq!(all.len(), 1, "{all:?}");
    all.into_iter().next().unwrap().1
}

fn error(text: &str) -> String {
    parse(text, "lib/constants.ts", release)
        .expect_err("must be rejected")
        .to_string()
}

#[test]
fn strings_in_all_three_quote_styles() {
    assert_eq!(
        value("export const DATA_BUCKET_NAME = 'acme-data';"),
        "acme-data"
    );
    assert_eq!(
        value("export const DATA_BUCKET_NAME = \"acme-data\";"),
        "acme-data"
    );
    assert_eq!(
        value("export const DATA_BUCKET_NAME = `acme-data`;"),
        "acme-data"
    );
    assert_eq!(value("export const DATA_BUCKET_NAME = 'it\\'s';"), "it's");
    assert_eq!(value("export const AWS_ACCOUNT = '';"), "");
}

#[test]
fn numbers_and_booleans() {
    assert_eq!(
        value("export const RESOURCE_TERMINATION_INTERVAL = 30;"),
        json!(30)
    );
    assert_eq!(
        value("export const BACKGROUND_REFRESH_INTERVAL = 0.5;"),
        json!(0.5)
    );
    assert_eq!(
        value("export const BACKGROUND_REFRESH_INTERVAL = 1e1;"),
        json!(10)
    );
    // Not clamped to an integer type: the double itself, as the TS app passes it on.
    assert_eq!(
        value("export const BACKGROUND_REFRESH_INTERVAL = 1e21;"),
        json!(1e21)
    );
    assert_eq!(
        value("export const ENABLE_ACCESS_LOGGING = false;"),
        json!(false)
    );
    assert_eq!(value("export const MANAGE_IAM_ROLES = true;"), json!(true));
}

#[test]
fn objects_of_strings_with_any_keys_trailing_commas_and_comments() {
    let text = "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS: { [key: string]: string } = {\n\
                    \x20   'HTTP_PROXY': 'proxy:3128', // the proxy\n\
                    \x20   \"HTTPS_PROXY\": `proxy:3128`,\n\
                    \x20   /* metadata */ NO_PROXY: 'localhost,169.254.169.254',\n\
                    };";
    assert_eq!(
        value(text),
        json!({"HTTP_PROXY": "proxy:3128", "HTTPS_PROXY": "proxy:3128", "NO_PROXY": "localhost,169.254.169.254"})
    );
    assert_eq!(
        value("export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = {};"),
        json!({})
    );
}

#[test]
fn lambda_architecture_and_runtime_members() {
    assert_eq!(
        value("export const LAMBDA_ARCHITECTURE = Architecture.ARM_64;"),
        "arm64"
    );
    assert_eq!(
        value("export const LAMBDA_ARCHITECTURE = Architecture.X86_64;"),
        "x86_64"
    );
    assert_eq!(
        value("export const LAMBDA_RUNTIME = Runtime.PYTHON_3_12;"),
        "python3.12"
    );
}

#[test]
fn type_annotations_as_const_satisfies_and_parentheses() {
    assert_eq!(value("export const SYSTEM_TAG: string = 'Acme';"), "Acme");
    assert_eq!(value("export const SYSTEM_TAG = 'Acme' as const;"), "Acme");
    assert_eq!(
        value("export const SYSTEM_TAG = ('Acme' satisfies string);"),
        "Acme"
    );
    assert_eq!(
        value("export const LAMBDA_ARCHITECTURE: Architecture = (Architecture.ARM_64);"),
        "arm64"
    );
}

#[test]
fn several_declarators_imports_and_other_statements() {
    let text = "import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';\n\
                    const LOCAL = 'x';\n\
                    export const SYSTEM_TAG = 'A', IAM_RESOURCE_PREFIX = 'B';\n";
    assert_eq!(
        values(text),
        [
            ("SYSTEM_TAG".to_owned(), json!("A")),
            ("IAM_RESOURCE_PREFIX".to_owned(), json!("B"))
        ]
    );
}

#[test]
fn lines_are_recorded_and_unknown_exports_listed_but_not_read() {
    let text = "// header\n\nexport const SYSTEM_TAG = 'A';\nexport const NOT_IN_THE_RELEASE = compute();\nexport type Helper = string;\n";
    let parsed = parse(text, "lib/constants.ts", release).unwrap();
    assert_eq!(parsed.values.len(), 1);
    assert_eq!(parsed.values[0].line, 3);
    let exports: Vec<(&str, usize)> = parsed
        .exports
        .iter()
        .map(|e| (e.name.as_str(), e.line))
        .collect();
    assert_eq!(
        exports,
        [("SYSTEM_TAG", 3), ("NOT_IN_THE_RELEASE", 4), ("Helper", 5)]
    );
}

#[test]
fn rejected_initializers_name_line_column_constant_and_what_to_do() {
    let cases = [
        (
            "export const AWS_REGION = process.env.REGION;",
            "1:27",
            "a member expression",
        ),
        ("export const AWS_REGION = getRegion();", "1:27", "a call"),
        (
            "export const SYSTEM_TAG = APPLICATION_NAME;",
            "1:27",
            "another constant",
        ),
        ("export const SYSTEM_TAG = 'a' + 'b';", "1:27", "`+`"),
        (
            "export const SYSTEM_TAG = `ml-${'x'}`;",
            "1:33",
            "a template literal with `${}`",
        ),
        (
            "\nexport const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = { ...BASE };",
            "2:53",
            "a spread",
        ),
        (
            "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = { [KEY]: 'v' };",
            "1:53",
            "a computed key",
        ),
        (
            "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = { PORT: 8080 };",
            "1:59",
            "not a string",
        ),
        ("export let SYSTEM_TAG = 'a';", "1:8", "a `let` declaration"),
        (
            "export const LAMBDA_ARCHITECTURE = lambda.Architecture.ARM_64;",
            "1:36",
            "a member expression",
        ),
    ];
    for (text, position, found) in cases {
        let message = error(text);
        assert!(
            message.starts_with(&format!("lib/constants.ts:{position}: ")),
            "{text}: {message}"
        );
        assert!(message.contains(found), "{text}: {message}");
        assert!(
            message.contains("lib/config.json") && message.contains("does not run TypeScript"),
            "{text}: {message}"
        );
    }
}

#[test]
fn a_literal_of_the_wrong_kind_is_an_error_at_its_position() {
    let cases = [
        (
            "export const ENABLE_ACCESS_LOGGING = 'false';",
            "1:38",
            "true or false",
        ),
        (
            "export const RESOURCE_TERMINATION_INTERVAL = 1.5;",
            "1:46",
            "whole number",
        ),
        ("export const AWS_ACCOUNT = 123456789012;", "1:28", "string"),
        (
            "export const LAMBDA_ARCHITECTURE = 'arm64';",
            "1:36",
            "Architecture.ARM_64",
        ),
        (
            "export const LAMBDA_RUNTIME = Runtime.NODEJS_20_X;",
            "1:31",
            "Python runtime",
        ),
        (
            "export const SYSTEM_TAG = Architecture.ARM_64;",
            "1:27",
            "string literal",
        ),
        (
            "export const BACKGROUND_REFRESH_INTERVAL = -1;",
            "1:44",
            "0 or more",
        ),
        (
            "export const RESOURCE_TERMINATION_INTERVAL = 1e12;",
            "1:46",
            "1 or more",
        ),
    ];
    for (text, position, expected) in cases {
        let message = error(text);
        assert!(
            message.starts_with(&format!("lib/constants.ts:{position}: ")),
            "{text}: {message}"
        );
        assert!(message.contains(expected), "{text}: {message}");
    }
}

#[test]
fn statements_that_run_code_are_refused() {
    for (text, position, what) in [
            (
                "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = {};\nADDITIONAL_LAMBDA_ENVIRONMENT_VARS['A'] = 'b';",
                "2:1",
                "an expression statement",
            ),
            ("if (true) { console.log('x'); }", "1:1", "a statement"),
            ("const local = setUp();", "1:15", "a local initialized with code"),
            (
                "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = {};\nclass Injector { static { (ADDITIONAL_LAMBDA_ENVIRONMENT_VARS as any).INJECTED = 'yes'; } }",
                "2:1",
                "a class",
            ),
            ("class A { static x = f(); }", "1:1", "a class"),
            ("export class A {}", "1:1", "an exported class"),
            ("enum E { A = f() }", "1:1", "an enum"),
            ("export const enum E { A }", "1:1", "an exported enum"),
            ("namespace N { f(); }", "1:1", "a namespace"),
            ("module M { }", "1:1", "a namespace"),
            ("function f() { return 1; }", "1:1", "a function"),
            ("export function helper() {}", "1:1", "an exported function"),
            ("export default (X as any).Y = 1;", "1:1", "`export default`"),
            ("for (;;) {}", "1:1", "a statement"),
        ] {
            let message = error(text);
            assert!(
                message.starts_with(&format!("lib/constants.ts:{position}: {what}")),
                "{text}: {message}"
            );
            assert!(
                message.contains("may hold only imports") && message.contains("lib/config.json"),
                "{text}: {message}"
            );
        }
    // Declarations that run nothing are fine: imports, types, interfaces, `declare`,
    // overload signatures, locals of literals, empty statements.
    assert_eq!(
            values(
                "import { Runtime } from 'aws-cdk-lib/aws-lambda';\nimport fs = require('fs');\n\
                 type T = string;\ninterface I { a: T }\nexport type U = T;\nexport interface J {}\n\
                 declare const D: string;\ndeclare class C {}\ndeclare enum E { A }\n\
                 declare namespace N { const x: number; }\ndeclare function g(): void;\n\
                 function h(): void;\nconst x = { a: 'b' };\n;"
            ),
            []
        );
}

#[test]
fn exported_declarations_are_listed_for_the_guard() {
    let parsed = parse(
            "export type T = string;\nexport declare function f(): void;\nexport import A = B.C;\nexport declare namespace N {}\n",
            "lib/constants.ts",
            release,
        )
        .unwrap();
    let names: Vec<&str> = parsed.exports.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["T", "f", "A", "N"]);
}

#[test]
fn a_second_declaration_of_a_name_is_refused() {
    let message = error("export const SYSTEM_TAG = 'A';\n\nexport const SYSTEM_TAG = 'B';");
    assert!(
        message.starts_with(
            "lib/constants.ts:3:14: SYSTEM_TAG is declared a second time (first on line 1)"
        ),
        "{message}"
    );
    let message = error("const SYSTEM_TAG = 'A';\nexport const SYSTEM_TAG = 'B';");
    assert!(
        message.starts_with("lib/constants.ts:2:14: SYSTEM_TAG"),
        "{message}"
    );
}

#[test]
fn only_aws_cdk_libs_python_runtimes_are_accepted() {
    assert_eq!(
        value("export const LAMBDA_RUNTIME = Runtime.PYTHON_3_13;"),
        "python3.13"
    );
    for member in ["PYTHON_3_14", "PYTHON_3_011", "PYTHON_3_", "PYTHON_2_7"] {
        let message = error(&format!("export const LAMBDA_RUNTIME = Runtime.{member};"));
        assert!(
            message.starts_with("lib/constants.ts:1:31: LAMBDA_RUNTIME must be")
                && message.contains(&format!("Runtime.{member}")),
            "{member}: {message}"
        );
    }
}

#[test]
fn deep_nesting_is_one_error_not_a_crash() {
    let n = 10_000;
    let parens = format!(
        "// header\nexport const SYSTEM_TAG = {}'Acme'{};",
        "(".repeat(n),
        ")".repeat(n)
    );
    let message = error(&parens);
    assert!(
        message.starts_with(&format!(
            "lib/constants.ts:2:{}: the text is nested more than {} levels deep",
            26 + crate::config::ts_source::MAX_NESTING,
            crate::config::ts_source::MAX_NESTING
        )),
        "{message}"
    );
    let objects = format!(
        "export const ADDITIONAL_LAMBDA_ENVIRONMENT_VARS = {}{};",
        "{ a: ".repeat(n),
        "}".repeat(n)
    );
    assert!(error(&objects).contains("nested more than"));
    // Nesting within the limit parses (on the parser's own stack) and is judged as usual.
    let depth = crate::config::ts_source::MAX_NESTING - 1;
    assert_eq!(
        value(&format!(
            "export const SYSTEM_TAG = {}'Acme'{};",
            "(".repeat(depth),
            ")".repeat(depth)
        )),
        "Acme"
    );
}

#[test]
fn a_file_larger_than_the_parser_takes_is_one_error() {
    let text = format!(
        "export const SYSTEM_TAG = 'A';\n{}",
        " ".repeat(crate::config::ts_source::MAX_SOURCE)
    );
    assert!(error(&text).contains("bytes, more than the 262144 mlspace-cdk parses"));
}

#[test]
fn lines_end_at_cr_lf_crlf_and_the_unicode_separators() {
    for newline in ["\n", "\r", "\r\n", "\u{2028}", "\u{2029}"] {
        let text = format!("// a{newline}// b{newline}export const SYSTEM_TAG = f();");
        let message = error(&text);
        assert!(
            message.starts_with("lib/constants.ts:3:27: "),
            "{newline:?}: {message}"
        );
    }
}

#[test]
fn syntax_errors_have_a_position() {
    let message = error("export const SYSTEM_TAG = 'a'\nexport const = ;");
    assert!(message.starts_with("lib/constants.ts:2:"), "{message}");
    assert!(message.contains("not valid TypeScript"), "{message}");
}

#[test]
fn positions_count_characters() {
    let lines = LineIndex::new("ab\n\u{e9}x\n");
    assert_eq!(lines.position(0), (1, 1));
    assert_eq!(lines.position(3), (2, 1));
    assert_eq!(lines.position(5), (2, 2));
}
