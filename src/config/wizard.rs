//! The Config Wizard: writes `lib/config.json` from a few questions (`mlspace-cdk config`,
//! `npm run config`), or from flags and an answers file for scripts.
//!
//! The wizard starts from the existing `lib/config.json` (its values are the offered defaults,
//! and keys it does not ask about are kept), checks every answer as it is typed, validates the
//! whole result like `config::load` does, and only then replaces the file (temporary file +
//! rename). Ctrl-C or the end of input before that leaves the old file as it was.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::defaults::{closest_key, default_of, DefaultValue};
use super::prompt::{Ask, PromptError, Prompter};
use super::validate::{check_arn, is_account_id, is_region, VPC_KEYS};
use super::{merge, ConfigError, CONFIG_FILE};

/// `mlspace-cdk config`: write lib/config.json. With no answers on the command line the
/// wizard asks on the terminal; with `--answers` or any value flag it asks nothing.
#[derive(clap::Args, Debug, Default, Clone)]
pub struct WizardArgs {
    /// MLSpace source root holding lib/config.json
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
    /// Go straight to Basic Config (only the required properties)
    #[arg(long, conflicts_with = "advanced")]
    pub basic: bool,
    /// Go straight to Advanced Config
    #[arg(long)]
    pub advanced: bool,
    /// Take the answers from this JSON object of config.json keys; ask nothing
    #[arg(long, value_name = "FILE")]
    pub answers: Option<PathBuf>,
    /// AWS_ACCOUNT (asks nothing)
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,
    /// AWS_REGION (asks nothing)
    #[arg(long)]
    pub region: Option<String>,
    /// OIDC_URL (asks nothing)
    #[arg(long, value_name = "URL")]
    pub oidc_url: Option<String>,
    /// OIDC_CLIENT_NAME (asks nothing)
    #[arg(long, value_name = "NAME")]
    pub oidc_client_name: Option<String>,
    /// KEY_MANAGER_ROLE_NAME (asks nothing)
    #[arg(long, value_name = "NAME")]
    pub key_manager_role_name: Option<String>,
    /// Any other property, e.g. --set NEW_USERS_SUSPENDED=true (repeatable; asks nothing)
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl WizardArgs {
    /// Answers given on the command line mean "do not ask".
    fn is_scripted(&self) -> bool {
        self.answers.is_some()
            || self.account.is_some()
            || self.region.is_some()
            || self.oidc_url.is_some()
            || self.oidc_client_name.is_some()
            || self.key_manager_role_name.is_some()
            || !self.set.is_empty()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WizardError {
    #[error("the input ended before the wizard finished; {} was not changed", path.display())]
    InputEnded { path: PathBuf },

    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the existing configuration cannot be used as a starting point: {source}; fix it or move it aside, then run the wizard again")]
    Existing {
        #[source]
        source: Box<ConfigError>,
    },

    #[error("the answers file cannot be used: {source}")]
    Answers {
        #[source]
        source: Box<ConfigError>,
    },

    #[error("{flag}: {message}")]
    Flag { flag: String, message: String },

    #[error("the answers do not make a valid configuration, so {} was not changed: {source}", path.display())]
    Invalid {
        path: PathBuf,
        #[source]
        source: Box<ConfigError>,
    },
}

/// Basic or Advanced Config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Basic,
    Advanced,
}

/// Run the wizard on stdin/stdout (see [`run_with`]).
pub fn run(args: &WizardArgs) -> Result<(), Box<dyn std::error::Error>> {
    let stdin = std::io::stdin();
    let stdout = std::io::stdout();
    let written = run_with(args, stdin.lock(), stdout.lock())?;
    for warning in &written.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// What the wizard wrote.
#[derive(Debug)]
pub struct Written {
    pub path: PathBuf,
    pub object: Map<String, Value>,
    pub warnings: Vec<String>,
}

/// The wizard with its input and output passed in (tests drive it in-process).
pub fn run_with<R: BufRead, W: Write>(
    args: &WizardArgs,
    input: R,
    mut output: W,
) -> Result<Written, WizardError> {
    // Relative to the current folder, "lib/config.json" reads better than "./lib/config.json".
    let path = if args.root == Path::new(".") {
        PathBuf::from(CONFIG_FILE)
    } else {
        args.root.join(CONFIG_FILE)
    };
    let mut object = read_existing(&path)?;

    if args.is_scripted() {
        apply_scripted_answers(args, &mut object)?;
    } else {
        let preset = match (args.basic, args.advanced) {
            (true, _) => Some(Mode::Basic),
            (_, true) => Some(Mode::Advanced),
            _ => None,
        };
        let mut prompter = Prompter::new(input, &mut output);
        interview(&mut prompter, &mut object, preset).map_err(|e| match e {
            PromptError::Ended => WizardError::InputEnded { path: path.clone() },
            PromptError::Io(source) => WizardError::Io {
                action: "talk to the terminal for",
                path: path.clone(),
                source,
            },
        })?;
    }

    let text = to_config_json(&object);
    let origin = path.display().to_string();
    let loaded = super::from_json_str(&text, &origin).map_err(|source| WizardError::Invalid {
        path: path.clone(),
        source: Box::new(source),
    })?;
    write_atomically(&path, &text)?;
    let _ = writeln!(output, "\nWrote {}", path.display());
    Ok(Written {
        path,
        object,
        warnings: loaded.warnings,
    })
}

/// The existing lib/config.json as a JSON object, or an empty one when there is none.
fn read_existing(path: &Path) -> Result<Map<String, Value>, WizardError> {
    let existing = |source: ConfigError| WizardError::Existing {
        source: Box::new(source),
    };
    match crate::cdk::input::read_optional_text(path, crate::cdk::input::SMALL_INPUT) {
        Ok(Some(text)) => merge::parse_object(&text, &path.display().to_string()).map_err(existing),
        Ok(None) => Ok(Map::new()),
        Err(e) => Err(existing(e.into())),
    }
}

/// Lay the answers file, then the flags, over `object`.
fn apply_scripted_answers(
    args: &WizardArgs,
    object: &mut Map<String, Value>,
) -> Result<(), WizardError> {
    if let Some(answers_path) = &args.answers {
        let text = crate::cdk::input::read_text(answers_path, crate::cdk::input::SMALL_INPUT)
            .map_err(|e| WizardError::Answers {
                source: Box::new(e.into()),
            })?;
        let answers =
            merge::parse_object(&text, &answers_path.display().to_string()).map_err(|source| {
                WizardError::Answers {
                    source: Box::new(source),
                }
            })?;
        for (key, value) in answers {
            object.insert(key, value);
        }
    }
    let named = [
        ("AWS_ACCOUNT", &args.account),
        ("AWS_REGION", &args.region),
        ("OIDC_URL", &args.oidc_url),
        ("OIDC_CLIENT_NAME", &args.oidc_client_name),
        ("KEY_MANAGER_ROLE_NAME", &args.key_manager_role_name),
    ];
    for (key, value) in named {
        if let Some(value) = value {
            object.insert(key.to_owned(), Value::from(value.as_str()));
        }
    }
    for assignment in &args.set {
        let (key, value) = parse_assignment(assignment)?;
        object.insert(key, value);
    }
    Ok(())
}

/// `KEY=VALUE`, with VALUE read as the type the property takes.
fn parse_assignment(assignment: &str) -> Result<(String, Value), WizardError> {
    let flag = || format!("--set {assignment}");
    let Some((key, raw)) = assignment.split_once('=') else {
        return Err(WizardError::Flag {
            flag: flag(),
            message: "expected KEY=VALUE".to_owned(),
        });
    };
    let Some(default) = default_of(key) else {
        return Err(WizardError::Flag {
            flag: flag(),
            message: format!(
                "{key} is not an MLSpace configuration property (did you mean {}?)",
                closest_key(key)
            ),
        });
    };
    let value = match default {
        DefaultValue::Text(_) | DefaultValue::Unset => Value::from(raw),
        DefaultValue::Flag(_) => match raw {
            "true" => Value::from(true),
            "false" => Value::from(false),
            _ => {
                return Err(WizardError::Flag {
                    flag: flag(),
                    message: format!("{key} takes true or false"),
                })
            }
        },
        DefaultValue::WholeMinutes(_) | DefaultValue::Minutes(_) | DefaultValue::TextMap => {
            serde_json::from_str(raw).map_err(|e| WizardError::Flag {
                flag: flag(),
                message: format!("{key} takes a JSON value ({e})"),
            })?
        }
    };
    Ok((key.to_owned(), value))
}

/// The questions, in order. Changes `object` only through answers.
fn interview<R: BufRead, W: Write>(
    p: &mut Prompter<R, W>,
    object: &mut Map<String, Value>,
    preset: Option<Mode>,
) -> Result<(), PromptError> {
    p.say("MLSpace Config Wizard: writes lib/config.json. Press Ctrl-C at any time to quit without saving.\n")?;
    let mode = match preset {
        Some(mode) => mode,
        None => {
            let options = [
                ("Basic Config", "asks only for what every deployment needs"),
                (
                    "Advanced Config",
                    "also asks about an existing VPC, existing IAM roles and new users",
                ),
            ];
            match p.choose("Which configuration do you want to write?", &options)? {
                0 => Mode::Basic,
                _ => Mode::Advanced,
            }
        }
    };

    for question in BASIC_QUESTIONS {
        let required = question.key != "KEY_MANAGER_ROLE_NAME"
            || existing(object, "EXISTING_KMS_MASTER_KEY_ARN").is_none();
        ask_text(p, object, question, required, "")?;
    }
    if mode == Mode::Basic {
        return Ok(());
    }
    let region = existing(object, "AWS_REGION").unwrap_or_default();

    let has_vpc = VPC_KEYS.iter().any(|k| existing(object, k).is_some());
    if p.confirm(
        "Do you want to use existing VPC?",
        "Answer no to have MLSpace create a VPC of its own.",
        has_vpc,
    )? {
        for question in VPC_QUESTIONS {
            ask_text(p, object, question, true, &region)?;
        }
    } else {
        remove_keys(object, VPC_QUESTIONS);
    }

    let has_roles = ROLE_QUESTIONS
        .iter()
        .any(|q| existing(object, q.key).is_some());
    let help = "Answer no to have MLSpace create its roles and policies. Any single ARN may be left empty.";
    if p.confirm("Do you want to use existing IAM Roles?", help, has_roles)? {
        for question in ROLE_QUESTIONS {
            ask_text(p, object, question, false, &region)?;
        }
    } else {
        remove_keys(object, ROLE_QUESTIONS);
    }

    let suspended = object
        .get("NEW_USERS_SUSPENDED")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let help =
        "Suspended users can sign in but can do nothing until an administrator reinstates them.";
    let answer = p.confirm("Should new users start out suspended?", help, suspended)?;
    object.insert("NEW_USERS_SUSPENDED".to_owned(), Value::from(answer));
    Ok(())
}

/// How an answer is checked.
#[derive(Clone, Copy)]
enum Check {
    Anything,
    AccountId,
    Region,
    /// Starts with this resource-id prefix (`vpc-`, `sg-`).
    Prefix(&'static str),
    /// An ARN in the partition of the answered region.
    Arn,
}

struct Question {
    key: &'static str,
    label: &'static str,
    help: &'static str,
    check: Check,
}

const fn q(key: &'static str, label: &'static str, help: &'static str, check: Check) -> Question {
    Question {
        key,
        label,
        help,
        check,
    }
}

const BASIC_QUESTIONS: &[Question] = &[
    q(
        "AWS_ACCOUNT",
        "AWS account ID",
        "The 12-digit ID of the account MLSpace is deployed into.",
        Check::AccountId,
    ),
    q(
        "AWS_REGION",
        "AWS region",
        "The region that will hold the MLSpace resources, e.g. us-east-1.",
        Check::Region,
    ),
    q(
        "OIDC_URL",
        "OIDC URL",
        "The address of the OpenID Connect provider users sign in with.",
        Check::Anything,
    ),
    q(
        "OIDC_CLIENT_NAME",
        "OIDC client name",
        "The client MLSpace is registered as with that provider.",
        Check::Anything,
    ),
    q(
        "KEY_MANAGER_ROLE_NAME",
        "Key manager role name",
        "An IAM role allowed to administer MLSpace's KMS key, e.g. Admin.",
        Check::Anything,
    ),
];

const VPC_QUESTIONS: &[Question] = &[
    q(
        "EXISTING_VPC_NAME",
        "VPC name",
        "The Name tag of the VPC to deploy into.",
        Check::Anything,
    ),
    q(
        "EXISTING_VPC_ID",
        "VPC ID",
        "The ID of that VPC (vpc-...).",
        Check::Prefix("vpc-"),
    ),
    q(
        "EXISTING_VPC_DEFAULT_SECURITY_GROUP",
        "VPC default security group",
        "The ID of that VPC's default security group (sg-...).",
        Check::Prefix("sg-"),
    ),
];

const ROLE_QUESTIONS: &[Question] = &[
    q("S3_READER_ROLE_ARN", "S3 reader role ARN", "Role that reads the web app's files from their S3 bucket.", Check::Arn),
    q("BUCKET_DEPLOYMENT_ROLE_ARN", "Bucket deployment role ARN", "Role that uploads the web app's files to that bucket at deployment.", Check::Arn),
    q("NOTEBOOK_ROLE_ARN", "Notebook role ARN", "Role given to notebook instances when MLSpace does not make one per project user.", Check::Arn),
    q("ENDPOINT_CONFIG_INSTANCE_CONSTRAINT_POLICY_ARN", "Endpoint config instance-constraint policy ARN", "Policy limiting the instance types of endpoint configurations made from notebooks.", Check::Arn),
    q("JOB_INSTANCE_CONSTRAINT_POLICY_ARN", "Job instance-constraint policy ARN", "Policy limiting the instance types of training, tuning and transform jobs made from notebooks.", Check::Arn),
    q("APP_ROLE_ARN", "App role ARN", "Role the MLSpace API functions run as.", Check::Arn),
    q("SYSTEM_ROLE_ARN", "System role ARN", "Role MLSpace's background functions run as.", Check::Arn),
    q("EMR_DEFAULT_ROLE_ARN", "EMR default role ARN", "Service role of every EMR cluster.", Check::Arn),
    q("EMR_EC2_INSTANCE_ROLE_ARN", "EMR EC2 instance role ARN", "Role of the EC2 instances in EMR clusters, also used for their auto scaling.", Check::Arn),
];

/// Ask one text question, offering the file's value (or the built-in default) and storing the
/// answer; an unset answer removes the key.
fn ask_text<R: BufRead, W: Write>(
    p: &mut Prompter<R, W>,
    object: &mut Map<String, Value>,
    question: &Question,
    required: bool,
    region: &str,
) -> Result<(), PromptError> {
    let fallback = match default_of(question.key) {
        Some(DefaultValue::Text(text)) if !text.is_empty() => Some(text.to_owned()),
        _ => None,
    };
    let default = existing(object, question.key).or(fallback);
    let ask = Ask {
        label: question.label,
        help: question.help,
        default: default.as_deref(),
        required,
    };
    let answer = p.text(&ask, |value| check_answer(question.check, value, region))?;
    match answer {
        Some(value) => {
            object.insert(question.key.to_owned(), Value::from(value));
        }
        None => {
            object.shift_remove(question.key);
        }
    }
    Ok(())
}

fn check_answer(check: Check, value: &str, region: &str) -> Result<(), String> {
    match check {
        Check::Anything => Ok(()),
        Check::AccountId if is_account_id(value) => Ok(()),
        Check::AccountId => Err(format!("{value:?} is not a 12-digit account ID")),
        Check::Region if is_region(value) => Ok(()),
        Check::Region => Err(format!("{value:?} is not a region name such as us-east-1")),
        Check::Prefix(prefix) if value.starts_with(prefix) => Ok(()),
        Check::Prefix(prefix) => Err(format!("{value:?} does not start with {prefix}")),
        Check::Arn => check_arn(value, region).map_err(|problem| problem.describe(region)),
    }
}

/// The file's value for `key` when it is a non-empty string.
fn existing(object: &Map<String, Value>, key: &str) -> Option<String> {
    object
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn remove_keys(object: &mut Map<String, Value>, questions: &[Question]) {
    for question in questions {
        object.shift_remove(question.key);
    }
}

/// JSON with 4-space indentation and no final newline, as the TS wizard writes it.
pub fn to_config_json(object: &Map<String, Value>) -> String {
    let mut bytes = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
    serde::Serialize::serialize(object, &mut serializer).expect("a JSON object always serializes");
    String::from_utf8(bytes).expect("serde_json writes UTF-8")
}

/// Write `text` to a temporary file beside `path`, then rename it over `path`.
fn write_atomically(path: &Path, text: &str) -> Result<(), WizardError> {
    // A linked lib/config.json stays a link: the file it points to is replaced.
    let target = follow_links(path);
    let path = target.as_path();
    let io = |action: &'static str| {
        move |source| WizardError::Io {
            action,
            path: path.to_owned(),
            source,
        }
    };
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io("create the folder of"))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".config.json.")
        .tempfile_in(dir)
        .map_err(io("create a temporary file for"))?;
    temp.write_all(text.as_bytes()).map_err(io("write"))?;
    keep_permissions(path, temp.path()).map_err(io("set the permissions of"))?;
    temp.persist(path).map_err(|e| io("replace")(e.error))?;
    Ok(())
}

/// Where a chain of symbolic links at `path` ends (the path itself when it is no link).
fn follow_links(path: &Path) -> PathBuf {
    let mut current = path.to_path_buf();
    // As many hops as the kernel allows (ELOOP beyond); a longer chain is written as a file.
    for _ in 0..40 {
        let Ok(text) = std::fs::read_link(&current) else {
            return current;
        };
        current = match current.parent() {
            Some(dir) => dir.join(text),
            None => text,
        };
    }
    path.to_path_buf()
}

/// Give the new file the old file's permissions (0644 when there was none); a temporary file
/// starts out readable by its owner only.
#[cfg(unix)]
fn keep_permissions(old: &Path, new: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(old).map_or(0o644, |m| m.permissions().mode());
    std::fs::set_permissions(new, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn keep_permissions(_old: &Path, _new: &Path) -> std::io::Result<()> {
    Ok(())
}
