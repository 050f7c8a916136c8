"""What runs one Lambda invocation in a child process of the emulator (see lambda_runner.py).

    python lambda_child.py HANDLER RESULT_FILE < event.json

The parent sets the environment (the function's variables, the runtime's own AWS_LAMBDA_*
variables, fake credentials, AWS_ENDPOINT_URL pointing at the emulator) and PYTHONPATH (the code
folder, then each layer's python/ folder in the function's order, as /var/task and /opt/python are
on Lambda). This imports the handler's module, calls it with the event and a context object, and
writes {"result": ...} or {"errorType", "errorMessage"} as JSON to RESULT_FILE. Logs go to
stdout/stderr, as on Lambda.
"""

import importlib
import json
import os
import sys
import time
import traceback
import uuid


class Context:
    """The attributes and method of Lambda's Python context object that handlers use."""

    def __init__(self, deadline):
        name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_name = name
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.invoked_function_arn = os.environ["MLSPACE_E2E_FUNCTION_ARN"]
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", f"/aws/lambda/{name}")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "emulator")
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main():
    handler, result_path = sys.argv[1], sys.argv[2]
    deadline = time.monotonic() + float(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])
    event = json.loads(sys.stdin.read() or "{}")
    module_name, _, function_name = handler.rpartition(".")
    try:
        function = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
        outcome = {"result": function(event, Context(deadline))}
    except Exception as error:  # the runtime reports any exception as the invocation's error
        traceback.print_exc()
        outcome = {"errorType": type(error).__name__, "errorMessage": str(error)}
    with open(result_path, "w") as result:
        json.dump(outcome, result, default=str)


if __name__ == "__main__":
    main()
