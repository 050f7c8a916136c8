"""Custom::AWS (AwsCustomResource): make one AWS API call per lifecycle event, with boto3.

The Create, Update and Delete properties are JSON strings describing a call in
the JavaScript SDK's terms (service "DynamoDB", action "putItem", parameters as
the JS SDK takes them). This handler maps the names to boto3, coerces the
parameters by the API's shapes, makes the call and answers with the response
flattened to dotted keys. See README.md for the details and the differences
from aws-cdk-lib's Node.js handler.
"""

import base64
import datetime
import difflib
import json
import logging
import re
import time

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

import cfn_response
from cfn_response import HandlerError

logging.getLogger().setLevel(logging.INFO)
log = logging.getLogger(__name__)

PHYSICAL_ID_PLACEHOLDER = "PHYSICAL:RESOURCEID:"

# A long read timeout: a Lambda `invoke` may run for minutes, and a timed-out call would be
# retried, invoking the function twice. The JavaScript SDK has no read timeout either.
CLIENT_CONFIG = Config(read_timeout=900, connect_timeout=10, retries={"mode": "standard", "max_attempts": 3})

# JavaScript SDK service names (v2 class names and v3 package names, lower-cased,
# non-alphanumerics dropped) whose boto3 name is not simply the same letters.
SERVICE_ALIASES = {
    "cloudwatchlogs": "logs",
    "cloudwatchevents": "events",
    "eventbridge": "events",
    "sfn": "stepfunctions",
    "cognitoidentityserviceprovider": "cognito-idp",
    "cognitoidentityprovider": "cognito-idp",
    "configservice": "config",
    "elasticloadbalancing": "elb",
    "elasticloadbalancingv2": "elbv2",
    "applicationautoscaling": "application-autoscaling",
    "iotdata": "iot-data",
    "iotdataplane": "iot-data",
    "sagemakerruntime": "sagemaker-runtime",
    "lexruntime": "lex-runtime",
    "lexruntimeservice": "lex-runtime",
    "marketplacecatalog": "marketplace-catalog",
    "ses": "ses",
    "sesv2": "sesv2",
    "apigateway": "apigateway",
    "apigatewayv2": "apigatewayv2",
}


def handler(event, context):
    cfn_response.run(event, context, on_event)


# --------------------------------------------------------------------------- request


def parse_call(props, name):
    text = props.get(name)
    if text is None or text == "":
        return None
    if isinstance(text, dict):
        call = text
    else:
        try:
            call = json.loads(text)
        except (TypeError, ValueError) as error:
            raise HandlerError(f"property {name} is not valid JSON ({error}): {str(text)[:200]}") from error
    if not isinstance(call, dict):
        raise HandlerError(f"property {name} must be a JSON object describing an API call, got {call!r}")
    for field in ("service", "action"):
        if not isinstance(call.get(field), str) or not call[field]:
            raise HandlerError(f"property {name} has no '{field}' (it must name the API {field})")
    return call


def physical_id_of(call):
    reference = (call or {}).get("physicalResourceId") or {}
    return reference.get("id") if isinstance(reference, dict) else None


def on_event(responder):
    event = responder.event
    props = event.get("ResourceProperties") or {}
    request_type = event.get("RequestType")
    if request_type not in ("Create", "Update", "Delete"):
        raise HandlerError(f"unknown RequestType {request_type!r}")
    calls = {name: parse_call(props, name) for name in ("Create", "Update", "Delete")}

    if request_type == "Create":
        # compat: like the CDK handler, Create takes the first fixed id among Create, Update, Delete.
        physical_id = next(
            (physical_id_of(calls[n]) for n in ("Create", "Update", "Delete") if physical_id_of(calls[n])),
            event.get("LogicalResourceId"),
        )
    else:
        physical_id = physical_id_of(calls[request_type]) or event.get("PhysicalResourceId")
    responder.physical_id = physical_id

    call = calls[request_type]
    if call is None:
        return physical_id, {}

    responder.step = f"calling {call['service']}.{call['action']}"
    flat, ignored = make_call(call, physical_id)

    path = ((call.get("physicalResourceId") or {}) if isinstance(call.get("physicalResourceId"), dict) else {}).get(
        "responsePath"
    )
    if path:
        if path in flat and flat[path] is not None:
            physical_id = str(flat[path])
        elif not ignored:
            available = ", ".join(sorted(flat)[:20]) or "none"
            raise HandlerError(
                f"physicalResourceId.responsePath {path!r} is not in the {call['service']}.{call['action']} "
                f"response (keys: {available})"
            )
    return physical_id, select_outputs(flat, call)


def select_outputs(flat, call):
    paths = [call["outputPath"]] if call.get("outputPath") else call.get("outputPaths")
    if not paths:
        return flat
    return {key: value for key, value in flat.items() if any(key.startswith(p) for p in paths)}


# --------------------------------------------------------------------------- the call


def make_call(call, physical_id):
    """Returns (flattened response, whether an error was ignored)."""
    service = boto3_service(call["service"])
    session = session_for(call, physical_id)
    client = session.client(service, region_name=call.get("region") or None, config=CLIENT_CONFIG)
    operation = operation_name(client, call["service"], call["action"])
    model = client.meta.service_model.operation_model(operation)
    parameters = substitute_physical_id(call.get("parameters") or {}, physical_id)
    if not isinstance(parameters, dict):
        raise HandlerError(f"parameters of {call['service']}.{call['action']} must be a JSON object, got {parameters!r}")
    if model.input_shape is not None:
        parameters = coerce(parameters, model.input_shape, "")

    label = f"{call['service']}.{call['action']}"
    try:
        response = getattr(client, xform_name(operation))(**parameters)
    except (ClientError, BotoCoreError) as error:
        name = error_name(error)
        pattern = call.get("ignoreErrorCodesMatching")
        if pattern and re.search(pattern, name):
            log.info("%s failed with %s, which matches ignoreErrorCodesMatching %r; carrying on", label, name, pattern)
            return {}, True
        raise HandlerError(f"{label} failed: {describe(error)}") from error

    response.pop("ResponseMetadata", None)
    plain = plain_value(response)
    if call.get("logApiResponseData", True) not in (False, "false"):
        log.info("%s response: %s", label, json.dumps(plain, default=str)[:4000])
    if isinstance(plain.get("FunctionError"), str):
        log.warning("%s: the invoked function reported %s; the resource still succeeds", label, plain["FunctionError"])
    flat = {"region": client.meta.region_name}
    flat.update(flatten(plain))
    return flat, False


def boto3_service(name):
    key = re.sub(r"[^a-z0-9]", "", name.lower().removeprefix("@aws-sdk/client-"))
    available = boto3.session.Session().get_available_services()
    if key in SERVICE_ALIASES:
        return SERVICE_ALIASES[key]
    by_letters = {re.sub(r"[^a-z0-9]", "", s): s for s in available}
    if key in by_letters:
        return by_letters[key]
    close = difflib.get_close_matches(key, list(by_letters), n=3)
    hint = f" (closest boto3 names: {', '.join(by_letters[c] for c in close)})" if close else ""
    raise HandlerError(f"unknown AWS service {name!r}{hint}")


def operation_name(client, service, action):
    """The API operation for a JS SDK action: "putItem", "PutItem" and "PutItemCommand" all give PutItem."""
    if action[:1].isupper() and action.endswith("Command"):
        action = action[: -len("Command")]
    operations = client.meta.service_model.operation_names
    by_lower = {o.lower(): o for o in operations}
    found = by_lower.get(action.lower())
    if found is None:
        close = difflib.get_close_matches(action, operations, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise HandlerError(f"{service} has no action {action!r}{hint}")
    return found


def session_for(call, physical_id):
    role = call.get("assumedRoleArn")
    if not role:
        return boto3.session.Session()
    session_name = re.sub(r"[^\w+=,.@-]", "", f"{int(time.time() * 1000)}-{physical_id}")[:64]
    try:
        sts = boto3.client("sts", region_name=call.get("region") or None)
        credentials = sts.assume_role(RoleArn=role, RoleSessionName=session_name)["Credentials"]
    except (ClientError, BotoCoreError) as error:
        raise HandlerError(f"cannot assume role {role}: {describe(error)}") from error
    return boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def error_name(error):
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") or type(error).__name__
    return type(error).__name__


def describe(error):
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', type(error).__name__)}: {details.get('Message', '')}".rstrip(": ")
    return f"{type(error).__name__}: {error}"


# --------------------------------------------------------------------------- parameters


def substitute_physical_id(value, physical_id):
    if value == PHYSICAL_ID_PLACEHOLDER:
        return physical_id
    if isinstance(value, list):
        return [substitute_physical_id(v, physical_id) for v in value]
    if isinstance(value, dict):
        return {k: substitute_physical_id(v, physical_id) for k, v in value.items()}
    return value


def number_text(value):
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def coerce(value, shape, path):
    """Bring a JavaScript-style parameter to what boto3 expects for `shape`.

    Accepted beyond boto3's own rules: strings for blobs (UTF-8 bytes), numbers as
    strings and strings as numbers, "true"/"false" in any case for booleans.
    """
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for key, item in value.items():
            member = shape.members.get(key)
            out[key] = coerce(item, member, f"{path}.{key}" if path else key) if member is not None else item
        return out
    if kind == "list" and isinstance(value, list):
        return [coerce(item, shape.member, f"{path}[{i}]") for i, item in enumerate(value)]
    if kind == "map" and isinstance(value, dict):
        return {key: coerce(item, shape.value, f"{path}.{key}") for key, item in value.items()}
    if kind == "blob":
        if isinstance(value, str):
            return value.encode("utf-8")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return number_text(value).encode("utf-8")
        return value
    if kind == "boolean" and isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "false"):
            return text == "true"
        raise HandlerError(f"parameter {path} must be true or false, got {value!r}")
    if kind in ("integer", "long") and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                raise HandlerError(f"parameter {path} must be a whole number, got {value!r}") from None
            if not number.is_integer():
                raise HandlerError(f"parameter {path} must be a whole number, got {value!r}")
            return int(number)
    if kind in ("float", "double") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise HandlerError(f"parameter {path} must be a number, got {value!r}") from None
    if kind == "string" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    return value


# --------------------------------------------------------------------------- response


def plain_value(value):
    """Response values as JSON-friendly data: streams and bytes as text, times as ISO 8601."""
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    if hasattr(value, "read") and callable(value.read):
        value = value.read()
    if isinstance(value, (bytes, bytearray)):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return value


def flatten(value, prefix=""):
    """{"a": {"b": [1]}} -> {"a.b.0": 1}; empty maps and lists leave no key."""
    out = {}
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = ((str(i), v) for i, v in enumerate(value))
    else:
        return {prefix: value}
    for key, item in items:
        out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    return out
