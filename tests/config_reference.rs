//! Every reference configuration (../shared/reference/*/config.json.input, plus
//! LAMBDA_ARCHITECTURE.input where present) must load without an error or a warning.

use std::path::{Path, PathBuf};

use mlspace_cdk::config::{self, CLUSTER_CONFIG_FILE, CONFIG_FILE};
use serde_json::Value;

fn reference_root() -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    if root.is_dir() {
        Some(root)
    } else {
        eprintln!(
            "skipping: {} is absent (the reference assemblies are not checked out here)",
            root.display()
        );
        None
    }
}

/// The configuration folders, sorted by name.
fn configurations(root: &Path) -> Vec<PathBuf> {
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("the reference folder is readable")
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.join("config.json.input").is_file())
        .collect();
    folders.sort();
    folders
}

/// Lay the configuration out the way the reference tree was laid out: its config.json (with
/// LAMBDA_ARCHITECTURE added when given) and MLSpace's cluster-config.json.
fn lay_out(root: &Path, folder: &Path, dest: &Path) -> Value {
    let text = std::fs::read_to_string(folder.join("config.json.input")).unwrap();
    let mut object: Value = serde_json::from_str(&text).unwrap();
    if let Ok(arch) = std::fs::read_to_string(folder.join("LAMBDA_ARCHITECTURE.input")) {
        object["LAMBDA_ARCHITECTURE"] = Value::from(arch.trim());
    }
    std::fs::create_dir_all(dest.join("lib/resources/config")).unwrap();
    std::fs::write(
        dest.join(CONFIG_FILE),
        serde_json::to_string_pretty(&object).unwrap(),
    )
    .unwrap();
    let cluster = root.join("mlspace-inputs/cluster-config.json");
    if cluster.is_file() {
        std::fs::copy(cluster, dest.join(CLUSTER_CONFIG_FILE)).unwrap();
    }
    object
}

#[test]
fn every_reference_configuration_loads_cleanly() {
    let Some(root) = reference_root() else { return };
    let folders = configurations(&root);
    assert!(
        !folders.is_empty(),
        "no config.json.input under {}",
        root.display()
    );
    for folder in folders {
        let name = folder.file_name().unwrap().to_string_lossy().into_owned();
        let dest = tempfile::tempdir().unwrap();
        let input = lay_out(&root, &folder, dest.path());

        let loaded = config::load(dest.path()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(loaded.warnings.is_empty(), "{name}: {:?}", loaded.warnings);

        let config = &loaded.config;
        assert_eq!(
            config.aws_account,
            input["AWS_ACCOUNT"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            config.aws_region,
            input["AWS_REGION"].as_str().unwrap(),
            "{name}"
        );
        let architecture = input
            .get("LAMBDA_ARCHITECTURE")
            .and_then(Value::as_str)
            .unwrap_or("x86_64");
        assert_eq!(config.lambda_architecture.name(), architecture, "{name}");
        if let Some(Value::Object(vars)) = input.get("ADDITIONAL_LAMBDA_ENVIRONMENT_VARS") {
            let keys: Vec<&String> = vars.keys().collect();
            let loaded_keys: Vec<&String> =
                config.additional_lambda_environment_vars.keys().collect();
            assert_eq!(
                loaded_keys, keys,
                "{name}: environment variables keep the file's order"
            );
        }
        if let Some(flag) = input.get("MANAGE_IAM_ROLES").and_then(Value::as_bool) {
            assert_eq!(config.manage_iam_roles, flag, "{name}");
        }
    }
}
