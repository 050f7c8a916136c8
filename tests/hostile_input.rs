//! Hostile and broken input, through the binary: one test per case.
//!
//! Each failing case asserts the exit code, that the message names the file, key or path and
//! says what to do, that no `manifest.json` was written, and that the checkout is unchanged.
//! The out dir's lock, concurrent runs and killed runs are in `tests/hostile_runs.rs`.
mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{binary, example_tree};
use sha2::{Digest, Sha256};

/// What a run printed and how it ended.
struct Run {
    code: Option<i32>,
    stderr: String,
}

/// Run the binary in `cwd` with `args` and `env` (CDK_* variables cleared first); a run that
/// has not ended after 60 s is killed and fails the test (a hang is a defect).
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(binary());
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for var in [
        "CDK_OUTDIR",
        "CDK_CONTEXT_JSON",
        "CDK_CLI_VERSION",
        "CONTEXT_OVERFLOW_LOCATION_ENV",
        "MLSPACE_LAYER_BUILDER",
        "MLSPACE_SOURCE_ROOT",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stderr).unwrap_or_default());
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("mlspace-cdk {args:?} hung (killed after 60 s)");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let stderr = reader.join().unwrap();
    assert!(!stderr.contains("panicked"), "a panic:\n{stderr}");
    Run {
        code: status.code(),
        stderr,
    }
}

/// Every entry below `root` (but `skip`): its kind and content hash, or its link text.
fn snapshot(root: &Path, skip: &[&str]) -> BTreeMap<String, String> {
    let mut entries = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(root).unwrap();
        let rel_text = rel.to_string_lossy().into_owned();
        if skip.iter().any(|s| rel.starts_with(s)) {
            continue;
        }
        let kind = entry.file_type();
        let value = if kind.is_symlink() {
            format!("link {}", fs::read_link(entry.path()).unwrap().display())
        } else if kind.is_dir() {
            "dir".to_owned()
        } else if kind.is_file() {
            format!("file {:x}", Sha256::digest(fs::read(entry.path()).unwrap()))
        } else {
            "special".to_owned()
        };
        entries.insert(rel_text, value);
    }
    entries
}

/// A case: the example tree, changed by `edit`, synthesized into an out dir outside it.
struct Case {
    tree: tempfile::TempDir,
    out_parent: tempfile::TempDir,
}

impl Case {
    fn new(edit: impl FnOnce(&Path)) -> Case {
        let tree = example_tree(None);
        edit(tree.path());
        Case {
            tree,
            out_parent: tempfile::tempdir().unwrap(),
        }
    }

    fn root(&self) -> &Path {
        self.tree.path()
    }

    fn out(&self) -> PathBuf {
        self.out_parent.path().join("out")
    }

    /// Synthesize with `env`; it must fail with exit code 1 and a message holding every one of
    /// `expected` (each at most once where `once`), writing no manifest and changing nothing
    /// in the checkout.
    fn fails(&self, env: &[(&str, &str)], expected: &[&str]) -> String {
        self.fails_in(self.root(), env, expected)
    }

    fn fails_in(&self, cwd: &Path, env: &[(&str, &str)], expected: &[&str]) -> String {
        let before = snapshot(self.root(), &[]);
        let out = self.out();
        let run = run(cwd, &["synth", "-o", out.to_str().unwrap()], env);
        assert_eq!(run.code, Some(1), "exit code; stderr:\n{}", run.stderr);
        for text in expected {
            assert!(
                run.stderr.contains(text),
                "expected {text:?} in:\n{}",
                run.stderr
            );
        }
        assert!(
            run.stderr.starts_with("mlspace-cdk: error: "),
            "one error line first:\n{}",
            run.stderr
        );
        assert!(
            !out.join("manifest.json").exists(),
            "a manifest was written"
        );
        assert_eq!(
            snapshot(self.root(), &[]),
            before,
            "the checkout changed; stderr:\n{}",
            run.stderr
        );
        run.stderr
    }

    /// Synthesize with `env`; it must succeed. Returns stderr.
    fn succeeds(&self, env: &[(&str, &str)]) -> String {
        let out = self.out();
        let run = run(self.root(), &["synth", "-o", out.to_str().unwrap()], env);
        assert_eq!(run.code, Some(0), "stderr:\n{}", run.stderr);
        assert!(out.join("manifest.json").is_file());
        run.stderr
    }
}

fn config_path(root: &Path) -> PathBuf {
    root.join("lib/config.json")
}

/// Change the example's lib/config.json.
fn edit_config(root: &Path, edit: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
    let path = config_path(root);
    let mut value = common::read_json(&path);
    edit(value.as_object_mut().unwrap());
    fs::write(&path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

fn replace_with_link(path: &Path, target: &str) {
    let _ = fs::remove_file(path);
    std::os::unix::fs::symlink(target, path).unwrap();
}

// ---- Bad 1: inputs that are not regular files, or too large -----------------------------

#[test]
fn config_json_linked_to_dev_zero_is_refused_without_reading() {
    let case = Case::new(|root| replace_with_link(&config_path(root), "/dev/zero"));
    case.fails(
        &[],
        &[
            "lib/config.json is a device, not a regular file",
            "replace it with a file",
        ],
    );
}

#[test]
fn config_json_linked_to_dev_urandom_is_refused_without_reading() {
    let case = Case::new(|root| replace_with_link(&config_path(root), "/dev/urandom"));
    case.fails(&[], &["lib/config.json is a device, not a regular file"]);
}

#[test]
fn config_json_that_is_a_fifo_does_not_hang() {
    let case = Case::new(|root| {
        fs::remove_file(config_path(root)).unwrap();
        mkfifo(&config_path(root));
    });
    case.fails(
        &[],
        &["lib/config.json is a FIFO (named pipe), not a regular file"],
    );
}

#[test]
fn config_json_that_is_a_folder_is_refused() {
    let case = Case::new(|root| {
        fs::remove_file(config_path(root)).unwrap();
        fs::create_dir(config_path(root)).unwrap();
    });
    case.fails(&[], &["lib/config.json is a directory, not a regular file"]);
}

#[test]
fn config_json_larger_than_any_configuration_is_refused() {
    let case = Case::new(|root| {
        let mut text = String::from("{\"PAD\": \"");
        text.push_str(&"x".repeat(17 << 20));
        text.push_str("\"}");
        fs::write(config_path(root), text).unwrap();
    });
    case.fails(
        &[],
        &[
            "lib/config.json has more than",
            "check that it is the right file",
        ],
    );
}

#[test]
fn cdk_context_json_linked_to_dev_urandom_is_refused() {
    let case = Case::new(|root| replace_with_link(&root.join("cdk.context.json"), "/dev/urandom"));
    case.fails(&[], &["cdk.context.json is a device, not a regular file"]);
}

#[test]
fn cdk_json_that_is_a_fifo_does_not_hang() {
    let case = Case::new(|root| {
        fs::remove_file(root.join("cdk.json")).unwrap();
        mkfifo(&root.join("cdk.json"));
    });
    case.fails(
        &[],
        &["cdk.json is a FIFO (named pipe), not a regular file"],
    );
}

#[test]
fn context_overflow_file_linked_to_a_device_is_refused() {
    let case = Case::new(|_| {});
    let overflow = case.out_parent.path().join("overflow.json");
    std::os::unix::fs::symlink("/dev/zero", &overflow).unwrap();
    // As the cdk CLI runs the app, but with -o naming our out dir.
    case.fails(
        &[
            ("CDK_CONTEXT_JSON", "{}"),
            ("CONTEXT_OVERFLOW_LOCATION_ENV", overflow.to_str().unwrap()),
        ],
        &["overflow.json is a device, not a regular file"],
    );
}

#[test]
fn cluster_config_json_that_is_a_fifo_does_not_hang() {
    let case = Case::new(|root| {
        let path = root.join("lib/resources/config/cluster-config.json");
        let _ = fs::remove_file(&path);
        mkfifo(&path);
    });
    case.fails(
        &[],
        &["cluster-config.json is a FIFO (named pipe), not a regular file"],
    );
}

#[test]
fn lifecycle_script_linked_to_dev_zero_is_refused() {
    let case = Case::new(|root| {
        replace_with_link(
            &root.join("lib/resources/sagemaker/lifecycle-create.sh"),
            "/dev/zero",
        )
    });
    case.fails(
        &[],
        &["lifecycle-create.sh is a device, not a regular file"],
    );
}

// ---- Bad 2: context values of the wrong shape --------------------------------------------

/// Replace every `availability-zones:` value of the example's cdk.context.json.
fn set_zones(root: &Path, zones: serde_json::Value) {
    let path = root.join("cdk.context.json");
    let mut context = common::read_json(&path);
    let object = context.as_object_mut().unwrap();
    let keys: Vec<String> = object
        .keys()
        .filter(|k| k.starts_with("availability-zones:"))
        .cloned()
        .collect();
    assert!(!keys.is_empty(), "the example has availability zones");
    for key in keys {
        object.insert(key, zones.clone());
    }
    fs::write(&path, serde_json::to_string_pretty(&context).unwrap()).unwrap();
}

const RESET_HINT: &str = "cdk context --reset";

#[test]
fn availability_zones_that_are_a_string_are_refused() {
    let case = Case::new(|root| set_zones(root, serde_json::json!("us-east-1a")));
    case.fails(
        &[],
        &[
            "context value \"availability-zones:",
            "a non-empty list of availability zone names",
            "a string",
            RESET_HINT,
        ],
    );
}

#[test]
fn availability_zones_that_are_not_strings_are_refused() {
    let case = Case::new(|root| set_zones(root, serde_json::json!([1, 2, 3])));
    case.fails(
        &[],
        &[
            "context value \"availability-zones:",
            "a list: [1,2,3]",
            RESET_HINT,
        ],
    );
}

#[test]
fn availability_zones_that_are_an_empty_list_are_refused() {
    let case = Case::new(|root| set_zones(root, serde_json::json!([])));
    case.fails(
        &[],
        &[
            "context value \"availability-zones:",
            "an empty list",
            RESET_HINT,
        ],
    );
}

#[test]
fn a_vpc_lookup_of_the_wrong_shape_is_refused() {
    let case = Case::new(|root| {
        let path = root.join("cdk.context.json");
        let mut context = common::read_json(&path);
        context["vpc-provider:account=123456789012:filter.vpc-id=vpc-1:region=us-east-1"] =
            serde_json::json!({"vpcId": "vpc-1", "subnetGroups": "none"});
        fs::write(&path, context.to_string()).unwrap();
    });
    case.fails(
        &[],
        &[
            "context value \"vpc-provider:account=123456789012",
            "a VPC as the cdk CLI looks it up",
            RESET_HINT,
        ],
    );
}

#[test]
fn a_feature_flag_that_is_not_a_boolean_is_refused() {
    let case = Case::new(|root| {
        let path = root.join("cdk.json");
        let mut cdk = common::read_json(&path);
        cdk["context"]["@aws-cdk/aws-lambda:recognizeLayerVersion"] = serde_json::json!("yes");
        fs::write(&path, cdk.to_string()).unwrap();
    });
    case.fails(
        &[],
        &[
            "\"@aws-cdk/aws-lambda:recognizeLayerVersion\" must be true or false",
            "a string: \"yes\"",
        ],
    );
}

#[test]
fn a_policy_minimization_flag_that_is_neither_true_nor_false_is_refused() {
    // aws-cdk-lib would take any text as "on"; we take true/false (or "true"/"false") only.
    let case = Case::new(|root| {
        let path = root.join("cdk.json");
        let mut cdk = common::read_json(&path);
        cdk["context"]["@aws-cdk/aws-iam:minimizePolicies"] = serde_json::json!("no");
        fs::write(&path, cdk.to_string()).unwrap();
    });
    case.fails(
        &[],
        &["\"@aws-cdk/aws-iam:minimizePolicies\" must be true or false, but it is a string: \"no\""],
    );
}

#[test]
fn a_cdk_json_context_that_is_not_an_object_is_refused() {
    let case = Case::new(|root| {
        let path = root.join("cdk.json");
        let mut cdk = common::read_json(&path);
        cdk["context"] = serde_json::json!(["a"]);
        fs::write(&path, cdk.to_string()).unwrap();
    });
    case.fails(
        &[],
        &[
            "cdk.json: \"context\" must be an object of context values",
            "fix it or remove it",
        ],
    );
}

// ---- Bad 3: CDK_OUTDIR="" is unset -------------------------------------------------------

#[test]
fn an_empty_cdk_outdir_writes_to_cdk_out_not_the_checkout_root() {
    let case = Case::new(|_| {});
    let before = snapshot(case.root(), &["cdk.out"]);
    let first = run(case.root(), &["synth"], &[("CDK_OUTDIR", "")]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(case.root().join("cdk.out/manifest.json").is_file());
    assert!(!case.root().join("manifest.json").exists());
    assert_eq!(snapshot(case.root(), &["cdk.out"]), before);
    // And again: the earlier run left nothing in the way.
    let second = run(case.root(), &["synth"], &[("CDK_OUTDIR", "")]);
    assert_eq!(second.code, Some(0), "{}", second.stderr);
}

// ---- Bad 5: null or "" for a flag or a number --------------------------------------------

#[test]
fn null_for_a_flag_is_an_error_naming_the_key() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert("ENABLE_ACCESS_LOGGING".into(), serde_json::Value::Null);
        })
    });
    case.fails(
        &[],
        &[
            "lib/config.json: ENABLE_ACCESS_LOGGING is null, which is not true or false",
            "write a value, or remove the key to use the default (true)",
        ],
    );
}

#[test]
fn an_empty_string_for_a_flag_is_an_error_naming_the_key() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert("CREATE_MLSPACE_CLOUDTRAIL_TRAIL".into(), "".into());
        })
    });
    case.fails(
        &[],
        &[
            "CREATE_MLSPACE_CLOUDTRAIL_TRAIL is \"\", which is not true or false",
            "remove the key to use the default",
        ],
    );
}

#[test]
fn null_for_a_number_is_an_error_naming_the_key() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert(
                "RESOURCE_TERMINATION_INTERVAL".into(),
                serde_json::Value::Null,
            );
        })
    });
    case.fails(
        &[],
        &[
            "RESOURCE_TERMINATION_INTERVAL is null, which is not a whole number of minutes",
            "(60)",
        ],
    );
}

// ---- Weak: prebuilt layers ---------------------------------------------------------------

fn prebuilt(root: &Path) -> PathBuf {
    root.join("lambda_dependencies/common_layer.zip")
}

const LAYER_HINT: &str =
    "replace it with a zip of the layer (python/ at its root), or remove it to build the layer";

#[test]
fn a_prebuilt_layer_of_random_bytes_is_refused() {
    let case = Case::new(|root| {
        let bytes: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        fs::write(prebuilt(root), bytes).unwrap();
    });
    case.fails(
        &[],
        &[
            "common_layer.zip cannot be used: it is not a readable zip archive",
            LAYER_HINT,
        ],
    );
}

#[test]
fn an_empty_prebuilt_layer_is_refused() {
    let case = Case::new(|root| fs::write(prebuilt(root), b"").unwrap());
    case.fails(&[], &["common_layer.zip cannot be used", LAYER_HINT]);
}

#[test]
fn a_truncated_prebuilt_layer_is_refused() {
    let case = Case::new(|root| {
        let whole = fs::read(prebuilt(root)).unwrap();
        fs::write(prebuilt(root), &whole[..whole.len() - 30]).unwrap();
    });
    case.fails(
        &[],
        &[
            "common_layer.zip cannot be used: it is not a readable zip archive",
            LAYER_HINT,
        ],
    );
}

#[test]
fn a_prebuilt_layer_without_python_at_its_root_is_refused() {
    let case = Case::new(|root| {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(fs::File::create(prebuilt(root)).unwrap());
        zip.start_file("lib/m.py", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"x = 1\n").unwrap();
        zip.finish().unwrap();
    });
    case.fails(
        &[],
        &["common_layer.zip cannot be used: it has no python/ folder at its root"],
    );
}

#[test]
fn a_prebuilt_layer_that_is_a_folder_is_refused_not_rebuilt() {
    let case = Case::new(|root| {
        fs::remove_file(prebuilt(root)).unwrap();
        fs::create_dir(prebuilt(root)).unwrap();
    });
    case.fails(
        &[],
        &["common_layer.zip cannot be used", "a directory", LAYER_HINT],
    );
}

#[test]
fn a_prebuilt_layer_that_is_a_fifo_is_refused_not_rebuilt() {
    let case = Case::new(|root| {
        fs::remove_file(prebuilt(root)).unwrap();
        mkfifo(&prebuilt(root));
    });
    case.fails(
        &[],
        &["common_layer.zip cannot be used", "FIFO", LAYER_HINT],
    );
}

#[test]
fn a_configured_layer_path_that_is_a_device_is_refused() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert("COMMON_LAYER_PATH".into(), "/dev/zero".into());
        })
    });
    case.fails(&[], &["layer common: the prebuilt layer /dev/zero cannot be used: it is neither a file nor a folder"]);
}

#[test]
fn a_configured_layer_path_that_is_not_a_zip_is_refused() {
    let case = Case::new(|root| {
        fs::write(root.join("my-layer.zip"), b"not a zip").unwrap();
        edit_config(root, |c| {
            c.insert("COMMON_LAYER_PATH".into(), "my-layer.zip".into());
        })
    });
    case.fails(
        &[],
        &[
            "my-layer.zip cannot be used: it is not a readable zip archive",
            LAYER_HINT,
        ],
    );
}

#[test]
fn a_layer_recipe_whose_create_sh_is_a_fifo_is_refused_not_replaced() {
    let case = Case::new(|root| {
        fs::remove_file(prebuilt(root)).unwrap();
        let recipe = root.join("lambda_dependencies/common");
        fs::create_dir_all(&recipe).unwrap();
        mkfifo(&recipe.join("create.sh"));
    });
    case.fails(
        &[("MLSPACE_LAYER_BUILDER", "local")],
        &[
            "layer common: its recipe cannot be read",
            "create.sh is a FIFO (named pipe), not a regular file",
        ],
    );
}

// ---- Weak: values AWS or aws-cdk-lib refuse ----------------------------------------------

#[test]
fn a_reserved_lambda_environment_name_is_refused() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert(
                "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS".into(),
                serde_json::json!({"AWS_REGION": "x"}),
            );
        })
    });
    case.fails(
        &[],
        &[
            "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS: \"AWS_REGION\" is reserved by the Lambda runtime",
            "rename or remove it",
        ],
    );
}

#[test]
fn an_invalid_lambda_environment_name_is_refused() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert(
                "ADDITIONAL_LAMBDA_ENVIRONMENT_VARS".into(),
                serde_json::json!({"HTTP-PROXY": "x"}),
            );
        })
    });
    case.fails(
        &[],
        &[
            "\"HTTP-PROXY\" is not a name Lambda accepts",
            "rename or remove it",
        ],
    );
}

#[test]
fn a_bucket_name_s3_refuses_is_refused() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert("DATA_BUCKET_NAME".into(), "My_Data".into());
        })
    });
    case.fails(
        &[],
        &[
            "DATA_BUCKET_NAME \"My_Data\" gives the bucket name \"My_Data-",
            "only lowercase letters",
            "choose another name",
        ],
    );
}

#[test]
fn a_cluster_type_without_a_size_is_refused_rather_than_written_as_undefined() {
    let case = Case::new(|root| {
        let path = root.join("lib/resources/config/cluster-config.json");
        let mut cluster = common::read_json(&path);
        let types: Vec<String> = cluster
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, v)| v.get("size").is_some())
            .map(|(k, _)| k.clone())
            .collect();
        cluster[&types[0]].as_object_mut().unwrap().remove("size");
        fs::write(&path, cluster.to_string()).unwrap();
    });
    let err = case.fails(
        &[],
        &[
            "cluster-config.json: ",
            ".size is missing (a number)",
            "fix the file",
        ],
    );
    assert!(!err.contains("Config Wizard"), "{err}");
}

#[test]
fn a_missing_auto_scaling_value_is_refused_rather_than_written_as_undefined() {
    let case = Case::new(|root| {
        let path = root.join("lib/resources/config/cluster-config.json");
        let mut cluster = common::read_json(&path);
        cluster["auto-scaling"]["scale-in"]
            .as_object_mut()
            .unwrap()
            .remove("cooldown");
        fs::write(&path, cluster.to_string()).unwrap();
    });
    case.fails(
        &[],
        &["auto-scaling.scale-in.cooldown is missing (a number)"],
    );
}

// ---- Weak: messages ----------------------------------------------------------------------

#[test]
fn an_out_dir_that_is_a_file_prints_its_cause_once() {
    let case = Case::new(|_| {});
    fs::write(case.out(), "not a folder").unwrap();
    let err = case.fails(&[], &["exists and is not a directory", "-o DIR"]);
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_config_json_with_a_bom_is_read() {
    let case = Case::new(|root| {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(fs::read(config_path(root)).unwrap());
        fs::write(config_path(root), bytes).unwrap();
    });
    case.succeeds(&[]);
}

#[test]
fn a_config_json_that_is_not_utf8_names_the_position() {
    let case = Case::new(|root| {
        let text = fs::read_to_string(config_path(root)).unwrap();
        let mut bytes = text
            .replacen("{", "{\n  \"SYSTEM_TAG\": \"caf\u{e9}\",", 1)
            .into_bytes();
        // Latin-1 é in place of UTF-8's two bytes.
        let at = bytes.windows(2).position(|w| w == [0xC3, 0xA9]).unwrap();
        bytes.splice(at..at + 2, [0xE9]);
        fs::write(config_path(root), bytes).unwrap();
    });
    let err = case.fails(
        &[],
        &[
            "lib/config.json is not UTF-8 text: byte 0xe9 at line 2, column 21",
            "save the file as UTF-8",
        ],
    );
    assert_eq!(err.lines().count(), 1, "the cause once: {err}");
}

#[test]
fn a_missing_frontend_build_says_to_build_the_web_app() {
    let case = Case::new(|root| fs::remove_dir_all(root.join("frontend/build")).unwrap());
    case.fails(
        &[],
        &[
            "frontend/build is not a folder",
            "build it first",
            "npm run build",
        ],
    );
}

#[test]
fn a_cluster_config_syntax_error_does_not_point_to_the_wizard() {
    let case = Case::new(|root| {
        fs::write(
            root.join("lib/resources/config/cluster-config.json"),
            "{ \"Small\": ",
        )
        .unwrap()
    });
    let err = case.fails(
        &[],
        &[
            "cluster-config.json is not valid JSON (line 1, column 11)",
            "fix the file (MLSpace's EMR cluster types)",
        ],
    );
    assert!(!err.contains("Wizard"), "{err}");
}

#[test]
fn a_run_from_a_subfolder_names_the_checkout_root() {
    let case = Case::new(|_| {});
    let err = case.fails_in(
        &case.root().join("lib"),
        &[],
        &[
            "has no lib/config.json",
            "run from the MLSpace checkout's root folder",
        ],
    );
    assert!(!err.contains("lib/lib/config.json"), "{err}");
}

/// A bad MLSPACE_LAYER_BUILDER fails the synth that reads it, naming it, before anything is
/// written; other commands, and a synth given --layer-builder, do not read it.
#[test]
fn a_bogus_layer_builder_variable_is_named() {
    let case = Case::new(|_| {});
    let bogus = [("MLSPACE_LAYER_BUILDER", "bogus")];
    let show = run(case.root(), &["config", "show"], &bogus);
    assert_eq!(show.code, Some(0), "{}", show.stderr);
    let flagged_out = case.out().with_file_name("flagged");
    let flagged = run(
        case.root(),
        &[
            "synth",
            "--layer-builder",
            "local",
            "-o",
            flagged_out.to_str().unwrap(),
        ],
        &bogus,
    );
    assert_eq!(flagged.code, Some(0), "{}", flagged.stderr);
    let before = snapshot(case.root(), &[]);
    let run = run(
        case.root(),
        &["synth", "-o", case.out().to_str().unwrap()],
        &bogus,
    );
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("MLSPACE_LAYER_BUILDER is \"bogus\", but it must be auto, docker or local"),
        "{}",
        run.stderr
    );
    assert!(!case.out().exists());
    assert_eq!(snapshot(case.root(), &[]), before);
}

#[test]
fn an_out_dir_inside_an_asset_source_is_refused_before_anything_is_written() {
    let case = Case::new(|_| {});
    let before = snapshot(case.root(), &[]);
    let out = case.root().join("backend/src/cdk.out");
    let run = run(case.root(), &["synth", "-o", out.to_str().unwrap()], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("is inside the asset source"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("backend/src, which would be copied into itself"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.len() < 600,
        "a short message: {} bytes",
        run.stderr.len()
    );
    assert!(!out.exists());
    assert_eq!(snapshot(case.root(), &[]), before);
}

#[test]
fn many_unknown_keys_give_a_bounded_number_of_warnings() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            for i in 0..200_000 {
                c.insert(format!("UNKNOWN_{i}"), serde_json::Value::Bool(true));
            }
        })
    });
    let err = case.succeeds(&[]);
    let warnings = err.lines().filter(|l| l.contains("warning:")).count();
    assert!(warnings <= 25, "{warnings} warnings");
    assert!(
        err.contains("199980 more keys are not MLSpace configuration properties"),
        "{err}"
    );
}

#[test]
fn a_required_key_in_lower_case_gets_a_hint() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            let region = c.remove("AWS_REGION").unwrap();
            c.insert("aws_region".into(), region);
        })
    });
    case.fails(
        &[],
        &[
            "AWS_REGION is required but not set",
            "the file has aws_region: property names are upper case, write AWS_REGION",
        ],
    );
}

#[test]
fn a_whole_number_written_with_a_fraction_of_zero_is_taken() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert(
                "RESOURCE_TERMINATION_INTERVAL".into(),
                serde_json::json!(45.0),
            );
        })
    });
    case.succeeds(&[]);
    let found = fs::read_dir(case.out())
        .unwrap()
        .filter_map(|e| fs::read_to_string(e.unwrap().path()).ok())
        .any(|t| t.contains("rate(45 minutes)"));
    assert!(found, "the schedule rate is 45 minutes");
}

// ---- Weak: the wizard and a linked lib/config.json --------------------------------------

#[test]
fn the_wizard_writes_through_a_linked_config_json() {
    let case = Case::new(|_| {});
    let real = case.out_parent.path().join("shared-config.json");
    fs::rename(config_path(case.root()), &real).unwrap();
    std::os::unix::fs::symlink(&real, config_path(case.root())).unwrap();
    let out = Command::new(binary())
        .args(["config", "--set", "SYSTEM_TAG=Hostile"])
        .current_dir(case.root())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta = fs::symlink_metadata(config_path(case.root())).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(common::read_json(&real)["SYSTEM_TAG"], "Hostile");
}

#[test]
fn a_failed_run_with_the_default_out_dir_changes_nothing_in_the_checkout() {
    let case = Case::new(|root| {
        edit_config(root, |c| {
            c.insert("MANAGE_IAM_ROLES".into(), serde_json::Value::Null);
        })
    });
    let before = snapshot(case.root(), &[]);
    let run = run(case.root(), &["synth"], &[]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("MANAGE_IAM_ROLES is null"),
        "{}",
        run.stderr
    );
    assert!(
        !case.root().join("cdk.out").exists(),
        "an empty cdk.out was left"
    );
    assert_eq!(snapshot(case.root(), &[]), before);
}
