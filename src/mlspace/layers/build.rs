//! The two layer builders: the recipe's `create.sh` in the SAM build image (Docker), or
//! pip on the host for the target platform (local). Both show progress on stderr and keep
//! the builder's last output lines for the error when a build fails.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{BuilderKind, LayerError, LayerRequest, Recipe};
use crate::cdk::lambda_runtimes::LambdaRuntime;
use crate::constructs::lambda::Architecture;

const TAIL_LINES: usize = 20;
const PROGRESS_EVERY: Duration = Duration::from_secs(15);

/// The programs the builders run.
#[derive(Debug)]
pub struct BuildTools {
    pub docker: String,
    pub python: String,
    docker_answers: OnceLock<bool>,
    local_notice: OnceLock<()>,
}

impl BuildTools {
    pub fn new(docker: impl Into<String>, python: impl Into<String>) -> Self {
        BuildTools {
            docker: docker.into(),
            python: python.into(),
            docker_answers: OnceLock::new(),
            local_notice: OnceLock::new(),
        }
    }

    /// `docker` and `python3`, or `$MLSPACE_DOCKER` and `$MLSPACE_PYTHON` as `env` gives them.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> Self {
        let var = |name, default: &str| env(name).unwrap_or_else(|| default.to_string());
        Self::new(
            var("MLSPACE_DOCKER", "docker"),
            var("MLSPACE_PYTHON", "python3"),
        )
    }

    /// Tools that cannot build anything (for code paths that must not build).
    pub fn unavailable() -> Self {
        Self::new("/nonexistent/docker", "/nonexistent/python3")
    }

    /// Says once that layers are built locally because Docker did not answer.
    pub(super) fn note_local_fallback(&self) {
        self.local_notice.get_or_init(|| {
            eprintln!(
                "no Docker engine answers (`{} version` failed): building layers locally with pip",
                self.docker
            );
        });
    }

    /// Whether `docker version` succeeds (asked once).
    pub fn docker_answers(&self) -> bool {
        *self.docker_answers.get_or_init(|| {
            Command::new(&self.docker)
                .arg("version")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map(|s| s.success())
                .unwrap_or(false)
        })
    }
}

/// `docker run` arguments that build a layer as MLSpace's TypeScript app does.
pub fn docker_args(
    recipe_dir: &Path,
    output: &Path,
    runtime: LambdaRuntime,
    architecture: Architecture,
    user: &str,
) -> Vec<String> {
    let platform = architecture.docker_platform();
    [
        "run",
        "--rm",
        "-u",
        user,
        "--platform",
        platform,
        "--security-opt",
        "no-new-privileges:true",
        "--entrypoint",
        "/bin/bash",
        "-v",
        &format!("{}:/asset-input:delegated", recipe_dir.display()),
        "-v",
        &format!("{}:/asset-output:delegated", output.display()),
        "-w",
        "/asset-input",
        &format!("public.ecr.aws/sam/build-{runtime}"),
        "./create.sh",
    ]
    .map(String::from)
    .to_vec()
}

/// `pip install` arguments that fetch wheels for the Lambda platform rather than the host's.
pub fn pip_args(
    requirements: &Path,
    target: &Path,
    runtime: LambdaRuntime,
    architecture: Architecture,
) -> Vec<String> {
    let python_version = runtime.python_version();
    let machine = match architecture {
        Architecture::X86_64 => "x86_64",
        Architecture::Arm64 => "aarch64",
    };
    let mut args: Vec<String> = [
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "--no-warn-conflicts",
        "--no-compile",
    ]
    .map(String::from)
    .to_vec();
    args.push(format!("--platform=manylinux2014_{machine}"));
    // compat: Lambda's Python runtimes up to 3.11 run on Amazon Linux 2 (glibc 2.26), later
    // ones on Amazon Linux 2023 (glibc 2.34): newer manylinux wheels would not load there.
    let minor: u32 = python_version
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(11);
    let max_glibc = if minor <= 11 { 26 } else { 34 };
    for glibc in 17..=max_glibc {
        args.push(format!("--platform=manylinux_2_{glibc}_{machine}"));
    }
    args.extend(["--only-binary=:all:", "--implementation=cp"].map(String::from));
    args.push(format!("--python-version={python_version}"));
    args.push("--requirement".into());
    args.push(requirements.display().to_string());
    args.push("--target".into());
    args.push(target.display().to_string());
    args
}

pub(super) fn run(
    kind: BuilderKind,
    req: &LayerRequest,
    recipe: &Recipe,
    recipe_dir: &Path,
    output: &Path,
    tools: &BuildTools,
) -> Result<(), LayerError> {
    let (program, args) = command(kind, req, recipe, recipe_dir, output, tools)?;
    let label = format!("layer {} ({}, {})", req.id, req.architecture, kind.as_str());
    eprintln!("building {label}...");
    let started = Instant::now();
    let (status, tail) = run_reporting(req, &program, &args, &label, started)?;
    if !status.success() {
        return Err(LayerError::BuildFailed {
            layer: req.id.into(),
            builder: kind.as_str(),
            status: status.to_string(),
            tail,
        });
    }
    eprintln!("built {label} in {:.1}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The program and arguments of a build by `kind`.
fn command(
    kind: BuilderKind,
    req: &LayerRequest,
    recipe: &Recipe,
    recipe_dir: &Path,
    output: &Path,
    tools: &BuildTools,
) -> Result<(String, Vec<String>), LayerError> {
    Ok(match kind {
        BuilderKind::Docker => {
            let args = docker_args(
                recipe_dir,
                output,
                req.runtime,
                req.architecture,
                &current_user(output),
            );
            (tools.docker.clone(), args)
        }
        BuilderKind::Local => {
            let requirements = local_requirements(req, recipe, recipe_dir)?;
            let target = output.join("python");
            (
                tools.python.clone(),
                pip_args(&requirements, &target, req.runtime, req.architecture),
            )
        }
    })
}

/// Run the build, reporting progress every [`PROGRESS_EVERY`]; its exit status and the last
/// lines of its output.
fn run_reporting(
    req: &LayerRequest,
    program: &str,
    args: &[String],
    label: &str,
    started: Instant,
) -> Result<(std::process::ExitStatus, Vec<String>), LayerError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| LayerError::Spawn {
            layer: req.id.into(),
            program: program.to_owned(),
            source,
        })?;
    let tail = Arc::new(Mutex::new(VecDeque::with_capacity(TAIL_LINES)));
    let readers = [
        child.stdout.take().map(boxed),
        child.stderr.take().map(boxed),
    ]
    .into_iter()
    .flatten()
    .map(|stream| collect_tail(stream, Arc::clone(&tail)))
    .collect::<Vec<_>>();
    let mut next_report = PROGRESS_EVERY;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(LayerError::io(Path::new(program), e)),
        }
        if started.elapsed() >= next_report {
            eprintln!("  still building {label}: {}s", next_report.as_secs());
            next_report += PROGRESS_EVERY;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    for reader in readers {
        let _ = reader.join();
    }
    let tail = tail
        .lock()
        .map(|t| t.iter().cloned().collect())
        .unwrap_or_default();
    Ok((status, tail))
}

/// The requirements file for pip: the recipe's own, else our built-in list for that recipe.
fn local_requirements(
    req: &LayerRequest,
    recipe: &Recipe,
    recipe_dir: &Path,
) -> Result<std::path::PathBuf, LayerError> {
    let path = recipe_dir.join("requirements.txt");
    if recipe.requirements().is_some() {
        return Ok(path);
    }
    let builtin = Recipe::builtin(req.recipe)
        .and_then(|r| r.requirements())
        .ok_or_else(|| LayerError::UnknownRecipe {
            layer: req.id.into(),
            recipe: req.recipe.into(),
        })?;
    eprintln!(
        "layer {}: {} has no requirements.txt; the local build uses the built-in package list ({})",
        req.id,
        recipe.origin,
        builtin.join(", ")
    );
    std::fs::write(&path, builtin.join("\n") + "\n").map_err(|e| LayerError::io(&path, e))?;
    Ok(path)
}

fn boxed<R: Read + Send + 'static>(stream: R) -> Box<dyn Read + Send> {
    Box::new(stream)
}

fn collect_tail(
    stream: Box<dyn Read + Send>,
    tail: Arc<Mutex<VecDeque<String>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            if let Ok(mut tail) = tail.lock() {
                if tail.len() == TAIL_LINES {
                    tail.pop_front();
                }
                tail.push_back(line);
            }
        }
    })
}

/// `uid:gid` of this process, read from a directory it just created.
fn current_user(created_dir: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let Ok(meta) = std::fs::metadata(created_dir) {
            return format!("{}:{}", meta.uid(), meta.gid());
        }
    }
    let _ = created_dir;
    "1000:1000".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_args_match_the_typescript_bundling() {
        let args = docker_args(
            Path::new("/r"),
            Path::new("/o"),
            LambdaRuntime::PYTHON_3_11,
            Architecture::Arm64,
            "1:2",
        );
        let line = args.join(" ");
        assert_eq!(
            line,
            "run --rm -u 1:2 --platform linux/arm64 --security-opt no-new-privileges:true --entrypoint /bin/bash \
             -v /r:/asset-input:delegated -v /o:/asset-output:delegated -w /asset-input \
             public.ecr.aws/sam/build-python3.11 ./create.sh"
        );
        assert!(docker_args(
            Path::new("/r"),
            Path::new("/o"),
            LambdaRuntime::PYTHON_3_11,
            Architecture::X86_64,
            "1:2"
        )
        .contains(&"linux/amd64".into()));
    }

    #[test]
    fn pip_targets_the_lambda_platform() {
        let args = pip_args(
            Path::new("req.txt"),
            Path::new("/o/python"),
            LambdaRuntime::PYTHON_3_11,
            Architecture::Arm64,
        );
        for expected in [
            "--platform=manylinux2014_aarch64",
            "--platform=manylinux_2_17_aarch64",
            "--platform=manylinux_2_26_aarch64",
            "--only-binary=:all:",
            "--implementation=cp",
            "--python-version=3.11",
        ] {
            assert!(
                args.contains(&expected.to_string()),
                "{expected} missing from {args:?}"
            );
        }
        assert!(!args.contains(&"--platform=manylinux_2_28_aarch64".to_string()));
        let newer = pip_args(
            Path::new("r"),
            Path::new("t"),
            LambdaRuntime::python("python3.12").unwrap(),
            Architecture::X86_64,
        );
        assert!(newer.contains(&"--platform=manylinux_2_34_x86_64".to_string()));
    }
}
