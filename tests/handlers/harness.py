"""What runs a handler outside Lambda: its module loaded from handlers/, a context object, and a
loopback server standing in for CloudFormation's presigned response URL. Used by the handler
tests here and by the end-to-end suite (tests/e2e)."""

import importlib.util
import json
import sys

# The handler directories are zipped as Lambda code assets: importing them here must not
# leave __pycache__ folders in them (that would change the assets' contents and hashes).
sys.dont_write_bytecode = True
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
HANDLERS = REPO / "handlers"
HANDLER_NAMES = ("bucket_deployment", "sdk_call", "bucket_notifications")


def load_handler(name):
    """Import handlers/<name>/index.py as module `handler_<name>`, with its directory and
    handlers/shared first on sys.path (the two make up its code asset)."""
    module_name = f"handler_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    directory = HANDLERS / name
    search = [str(directory), str(HANDLERS / "shared")]
    sys.path[:0] = search
    try:
        sys.modules.pop("cfn_response", None)
        spec = importlib.util.spec_from_file_location(module_name, directory / "index.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    finally:
        for entry in search:
            sys.path.remove(entry)
    module.cfn_response.RETRY_PAUSES_SECONDS = (0.01, 0.01)
    return module


class FakeContext:
    log_stream_name = "2025/01/01/[$LATEST]0123456789abcdef"

    def __init__(self, remaining_ms=900_000):
        self.remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self):
        return self.remaining_ms


class CloudFormationEndpoint:
    """Collects the response documents PUT to it, like a presigned ResponseURL."""

    def __init__(self):
        self.requests = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                endpoint.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/response?signature=abc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def response(self):
        """The single response document received (fails if there is not exactly one)."""
        assert len(self.requests) == 1, f"expected one response PUT, got {len(self.requests)}"
        request = self.requests[0]
        assert request["headers"].get("Content-Type", request["headers"].get("Content-type")) == ""
        return json.loads(request["body"])

    def close(self):
        self.server.shutdown()
        self.server.server_close()
