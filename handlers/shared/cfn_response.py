"""Answer CloudFormation for a custom resource, whatever happens in the handler.

CloudFormation waits (up to an hour) for one JSON document PUT to the presigned
ResponseURL of the request. `run` calls the handler's work function and always
sends that document: SUCCESS with the physical id and Data the work returned,
or FAILED with a reason a person can act on. A watchdog answers FAILED shortly
before the Lambda function would time out, so a stack never hangs.

It also reads what every handler reads from the request (`flag`). One file,
handlers/shared/cfn_response.py, is embedded into each handler's code asset, so
every asset stands alone. Standard library only.
"""

import json
import logging
import threading
import time
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"

# CloudFormation rejects a response document larger than this.
MAX_RESPONSE_BYTES = 4096
# Room kept for the reason in a FAILED answer; the rest of the document is small.
MAX_REASON_CHARS = 2000
# How long before the Lambda timeout the watchdog answers FAILED.
WATCHDOG_MARGIN_SECONDS = 15.0
# Pauses between attempts to PUT the response (tests shorten them).
RETRY_PAUSES_SECONDS = (1.0, 3.0)

log = logging.getLogger(__name__)


class Responder:
    """Sends the single response of one request; later attempts are ignored.

    Handlers set `step` to a short description of what they are doing (for
    example "uploading s3://bucket/key"); a failure or timeout reason names it.
    Handlers may set `physical_id` as soon as they know it, so that a failure
    answers with it too.
    """

    def __init__(self, event, context):
        self.event = event
        self.context = context
        self.step = "reading the request"
        self.physical_id = event.get("PhysicalResourceId")
        self._lock = threading.Lock()
        self._sent = False
        self._timer = None

    @property
    def log_stream(self):
        return getattr(self.context, "log_stream_name", None) or "unknown log stream"

    def success(self, physical_id, data=None):
        body = self._document(SUCCESS, physical_id, "", data or {})
        if len(body) > MAX_RESPONSE_BYTES:
            size = len(body)
            reason = (
                f"the response Data is {size} bytes, over CloudFormation's {MAX_RESPONSE_BYTES}-byte "
                "limit for a custom resource response; select fewer response fields "
                "(for Custom::AWS, set outputPaths)"
            )
            return self.failure(reason, physical_id=physical_id)
        return self._put(body)

    def failure(self, reason, physical_id=None):
        reason = f"{reason} (while {self.step}; see log stream {self.log_stream})"
        if len(reason) > MAX_REASON_CHARS:
            reason = reason[: MAX_REASON_CHARS - 15] + " ...(truncated)"
        physical_id = physical_id or self.physical_id or self.log_stream
        return self._put(self._document(FAILED, physical_id, reason, {}))

    def start_watchdog(self):
        """Answer FAILED shortly before the function times out (no-op without a Lambda context)."""
        remaining = getattr(self.context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return
        delay = max(remaining() / 1000.0 - WATCHDOG_MARGIN_SECONDS, 1.0)
        self._timer = threading.Timer(delay, self._on_timeout)
        self._timer.daemon = True
        self._timer.start()

    def stop_watchdog(self):
        if self._timer is not None:
            self._timer.cancel()

    def _on_timeout(self):
        self.failure("the handler ran out of time (Lambda timeout) before finishing")

    def _document(self, status, physical_id, reason, data):
        document = {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": self.event.get("StackId"),
            "RequestId": self.event.get("RequestId"),
            "LogicalResourceId": self.event.get("LogicalResourceId"),
            "NoEcho": False,
            "Data": data,
        }
        return json.dumps(document, default=str).encode("utf-8")

    def _put(self, body):
        with self._lock:
            if self._sent:
                log.info("a response was already sent; not sending another")
                return False
            self._sent = True
        log.info("responding: %s", body.decode("utf-8"))
        url = self.event["ResponseURL"]
        # An empty content type is what the presigned URL was signed for.
        headers = {"Content-Type": "", "Content-Length": str(len(body))}
        pauses = list(RETRY_PAUSES_SECONDS)
        while True:
            try:
                request = urllib.request.Request(url, data=body, headers=headers, method="PUT")
                with urllib.request.urlopen(request, timeout=30) as answer:
                    log.info("CloudFormation answered HTTP %s", answer.status)
                return True
            except Exception as error:  # noqa: BLE001 - any network error is retried
                if not pauses:
                    log.error("could not send the response to CloudFormation: %s", error)
                    return False
                log.warning("sending the response failed (%s); retrying", error)
                time.sleep(pauses.pop(0))


class HandlerError(Exception):
    """A failure whose message is already the reason to give CloudFormation."""


def flag(props, name, default):
    """A boolean property; CloudFormation delivers booleans as "true"/"false"."""
    value = props.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "false"):
        return text == "true"
    raise HandlerError(f"property {name} must be true or false, got {value!r}")


def run(event, context, work):
    """Run `work(responder)` and answer CloudFormation.

    `work` returns `(physical_id, data)`. Any exception becomes a FAILED answer:
    a HandlerError's message is used as it is, any other exception is prefixed
    with its type name.
    """
    printable = {key: value for key, value in event.items() if key != "ResponseURL"}
    log.info("request: %s", json.dumps(printable, default=str))
    responder = Responder(event, context)
    responder.start_watchdog()
    try:
        physical_id, data = work(responder)
        responder.success(physical_id, data)
    except HandlerError as error:
        log.exception("request failed")
        responder.failure(str(error))
    except Exception as error:  # noqa: BLE001 - CloudFormation must always get an answer
        log.exception("request failed")
        responder.failure(f"{type(error).__name__}: {error}")
    finally:
        responder.stop_watchdog()
    return responder
