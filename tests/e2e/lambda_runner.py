"""Gap (moto 5.2.5): Lambda functions run only in Docker. Without it every invoke answers an error,
so no custom resource and no S3 notification ever runs code.

This runs Python zip functions as Lambda's python runtime does, in a child process of the
emulator (lambda_child.py): the code zip and each layer's zip extracted once per code hash,
PYTHONPATH = code folder then each layer's python/ (Lambda's /var/task then /opt/python), the
function's environment variables plus the runtime's own (AWS_LAMBDA_FUNCTION_NAME, _TIMEOUT,
_MEMORY_SIZE, AWS_REGION, ...), fake credentials, AWS_ENDPOINT_URL = the emulator, the function's
timeout (killed when it runs over, answered as Lambda's "Task timed out"), and a context object.

Not faithful, and said so: the child runs on the emulator's own Python (3.11, with the test
venv's boto3 rather than the runtime's bundled one), without Lambda's memory limit, read-only file
system or network isolation; runtimes other than python* are answered with an error (none of our
stacks invokes one on the emulator).
"""

import atexit
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHILD = Path(__file__).with_name("lambda_child.py")


def _extract(cache, data):
    """Extracts a zip once per content hash; returns its folder."""
    folder = cache / hashlib.sha256(data).hexdigest()
    if not folder.is_dir():
        partial = Path(tempfile.mkdtemp(dir=cache))
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.extractall(partial)
        try:
            partial.rename(folder)
        except OSError:  # another invocation extracted it first
            shutil.rmtree(partial, ignore_errors=True)
    return folder


def run_python_function(function, event, cache, endpoint):
    """(payload text, errored, logs) of one invocation, as moto's _invoke_lambda returns them."""
    from moto.awslambda.models import get_backend

    if not str(function.run_time or "").startswith("python"):
        return json.dumps({"errorMessage": f"emulator runs only python functions, not {function.run_time}"}), True, ""
    backend = get_backend(function.account_id, function.region)
    paths = [str(_extract(cache, function.code_bytes))]
    for layer in function.layers:
        layer_version = backend.layers_versions_by_arn(layer["Arn"])
        paths.append(str(_extract(cache, layer_version.code_bytes) / "python"))
    timeout = float(function.timeout or 3)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **{k: str(v) for k, v in (function.environment_vars or {}).items()},
        "PYTHONPATH": os.pathsep.join(paths),
        "PYTHONDONTWRITEBYTECODE": "1",
        "_HANDLER": function.handler,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_{function.run_time}",
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_TIMEOUT": str(timeout),
        "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
        "MLSPACE_E2E_FUNCTION_ARN": function.function_arn,
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL": endpoint,
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    }
    with tempfile.TemporaryDirectory(dir=cache) as scratch:
        result_path = Path(scratch) / "result.json"
        try:
            child = subprocess.run(
                [sys.executable, str(CHILD), function.handler, str(result_path)],
                input=json.dumps(event if isinstance(event, (dict, list)) else json.loads(event or "{}")),
                capture_output=True, text=True, env=env, cwd=paths[0], timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            logs = (expired.stdout or "") + (expired.stderr or "") if isinstance(expired.stdout, str) else ""
            message = f"Task timed out after {timeout:.2f} seconds"
            return json.dumps({"errorMessage": message}), True, logs
        logs = child.stdout + child.stderr
        if not result_path.is_file():
            return json.dumps({"errorMessage": f"Runtime exited with error: exit status {child.returncode}"}), True, logs
        outcome = json.loads(result_path.read_text())
    if "result" in outcome:
        return json.dumps(outcome["result"]), False, logs
    return json.dumps(outcome), True, logs


def install(endpoint):
    """Replaces moto's Docker invocation of every function with run_python_function."""
    from moto.awslambda import models

    cache = Path(tempfile.mkdtemp(prefix="emulator-lambda-"))
    atexit.register(shutil.rmtree, cache, True)

    def invoke_lambda(self, event=None):
        payload, errored, logs = run_python_function(self, event, cache, endpoint)
        self.logs_backend.ensure_log_group(self.logs_group_name)
        self.save_logs(logs + "\n" + payload)
        if errored:
            sys.stderr.write(f"emulator: lambda {self.function_name} failed: {payload}\n{logs[-3000:]}\n")
        return payload, errored, logs

    models.LambdaFunction._invoke_lambda = invoke_lambda
