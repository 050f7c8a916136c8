"""The end-to-end suite's fixtures: moto's server on loopback, the real cdk CLI with our binary as
the app, and copies of the example tree to run it in.

Paths can be overridden: CDK_CLI (the cdk CLI), MLSPACE_CDK_BIN (our binary), MLSPACE_E2E_TREE
(the example tree made by scripts/synth-example.sh).
"""

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "handlers"))

from emulator_fixes import FAILURE_MARK, REQUEST_MARK  # noqa: E402 - after the path set-up

ACCOUNT = "111122223333"
REGION = "us-east-1"
QUALIFIER = "hnb659fds"

# Everything this process and its children do with AWS goes to the emulator, with fake keys.
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_EC2_METADATA_DISABLED": "true",
    "CDK_DISABLE_VERSION_CHECK": "1",
    "CDK_DISABLE_CLI_TELEMETRY": "true",
    "NODE_NO_WARNINGS": "1",
    "no_proxy": "127.0.0.1,localhost",
    "NO_PROXY": "127.0.0.1,localhost",
}
UNSET = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE",
         "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "CDK_DEFAULT_ACCOUNT")


def _path_from_env(variable, default):
    return Path(os.environ.get(variable) or default)


CDK_CLI = _path_from_env("CDK_CLI", REPO / "node_modules" / ".bin" / "cdk")
APP = _path_from_env("MLSPACE_CDK_BIN", REPO / "target" / "release" / "mlspace-cdk")
EXAMPLE_TREE = _path_from_env("MLSPACE_E2E_TREE", REPO / "build" / "example")
SHARED = REPO.parent / "shared"


@dataclass
class Emulator:
    """moto's server, as the suite's processes reach it."""

    port: int
    pid: int
    log: Path
    log_offset: int = 0

    @property
    def url(self):
        return f"http://localhost:{self.port}"

    def client(self, service):
        import boto3

        return boto3.client(
            service, endpoint_url=self.url, region_name=REGION, aws_access_key_id=FAKE_AWS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=FAKE_AWS["AWS_SECRET_ACCESS_KEY"], aws_session_token=FAKE_AWS["AWS_SESSION_TOKEN"],
        )

    def new_failures(self):
        """What the emulator failed on since the last call: a request answered 500 (moto could not
        do what we asked: a gap in the emulator, or a crash), or a stack operation it failed (a
        resource type it has no model for, a custom resource whose handler failed or did not
        answer: emulator_fixes.FAILURE_MARK). Neither may pass as success."""
        text = self.log.read_text(errors="replace")
        fresh, self.log_offset = text[self.log_offset:], len(text)
        blocks = re.split(f"(Error on request:|{re.escape(FAILURE_MARK)})", fresh)
        return [marker + body for marker, body in zip(blocks[1::2], blocks[2::2])]

    def custom_resource_requests(self):
        """Every request sent to a custom resource so far, with its answer (None: no answer), in
        order: the events as the handler received them, without ResponseURL and ServiceToken."""
        lines = self.log.read_text(errors="replace").splitlines()
        return [json.loads(line[len(REQUEST_MARK):]) for line in lines if line.startswith(REQUEST_MARK)]


def _start_emulator(log_path):
    env = {**os.environ, **FAKE_AWS, "MOTO_ACCOUNT_ID": ACCOUNT}
    for variable in UNSET:
        env.pop(variable, None)
    env.pop("MOTO_S3_CUSTOM_ENDPOINTS", None)
    with open(log_path, "w") as log:  # the server keeps its own descriptor
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("moto_server.py"))],
            stdout=subprocess.PIPE, stderr=log, env=env, text=True,
        )
    line = process.stdout.readline()
    if not line.startswith("moto-ready "):
        process.kill()
        process.wait()
        pytest.fail(f"moto's server did not start; its log:\n{Path(log_path).read_text()}")
    return process, int(line.split()[1])


def _stop(process):
    """Stops the server by its process id: TERM, then KILL if it lingers."""
    if process.poll() is not None:
        return
    os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()


def check_tools():
    for tool, what in ((CDK_CLI, "the cdk CLI (npm install)"), (APP, "our binary (cargo build --release)")):
        if not tool.exists():
            pytest.fail(f"{tool} is missing: install {what}, or run scripts/e2e.sh")


@contextlib.contextmanager
def running_emulator(directory):
    """An emulator of its own (log in `directory`), stopped when the block ends."""
    log_path = directory / "moto.log"
    process, port = _start_emulator(log_path)
    try:
        yield Emulator(port=port, pid=process.pid, log=log_path)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def emulator(tmp_path_factory):
    check_tools()
    with running_emulator(tmp_path_factory.mktemp("moto")) as started:
        saved = dict(os.environ)
        os.environ.update(FAKE_AWS)
        os.environ["AWS_ENDPOINT_URL"] = started.url
        for variable in UNSET:
            os.environ.pop(variable, None)
        try:
            yield started
        finally:
            os.environ.clear()
            os.environ.update(saved)


def example_copy(destination, config=None, context=None):
    """A copy of the example tree (without its cdk.out), optionally with another lib/config.json and
    cdk.context.json."""
    if not (EXAMPLE_TREE / "lib" / "config.json").is_file():
        pytest.fail(f"{EXAMPLE_TREE} is not an example tree: run scripts/synth-example.sh first")
    shutil.copytree(EXAMPLE_TREE, destination, ignore=shutil.ignore_patterns("cdk.out"))
    if config:
        shutil.copyfile(config, destination / "lib" / "config.json")
    if context:
        shutil.copyfile(context, destination / "cdk.context.json")
    return destination


@pytest.fixture(scope="session")
def tree(tmp_path_factory):
    return example_copy(tmp_path_factory.mktemp("e2e") / "tree")


@dataclass
class Result:
    args: list
    returncode: int
    output: str

    def expect_success(self):
        assert self.returncode == 0, f"cdk {' '.join(self.args)} failed ({self.returncode}):\n{self.output}"
        return self


def _abridged(block):
    """A failure's head (what failed, and why, for the emulator's own reports) and its tail (the
    exception, for a 500's traceback)."""
    return block if len(block) <= 2600 else block[:800] + "\n[...]\n" + block[-1800:]


def run_cdk(cwd, *args, emulator=None, timeout=600):
    """Runs the real cdk CLI with our binary as the app; output is stdout and stderr together."""
    # --no-notices: the CLI would otherwise fetch its notices from the internet after a command.
    command = [str(CDK_CLI), *args, "--no-notices"]
    if "--app" not in args:
        command += ["--app", str(APP)]
    env = dict(os.environ)
    if emulator is not None:
        env.update(FAKE_AWS, AWS_ENDPOINT_URL=emulator.url)
        for variable in UNSET:
            env.pop(variable, None)
    started = time.monotonic()
    process = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    result = Result(list(args), process.returncode, process.stdout + process.stderr)
    if emulator is not None:
        failures = emulator.new_failures()
        assert not failures, (
            f"the emulator failed {len(failures)} request(s) during cdk {' '.join(args)} "
            f"({time.monotonic() - started:.1f} s):\n" + "\n".join(map(_abridged, failures))[:16000]
        )
    return result


@pytest.fixture(scope="session")
def cdk(emulator, tree):
    def call(*args, cwd=tree):
        return run_cdk(cwd, *args, emulator=emulator)

    return call
