"""Custom::S3BucketNotifications: put a stack's notification configuration on a bucket.

The bucket's configuration is one document shared by everyone who adds
notifications to it. This handler changes only the stack's own part: the
entries it writes carry an Id starting with the stack's id, and on every
request the entries that are not the stack's ("foreign" ones, added by hand
or by other tools) are read back and kept. Delete removes only the stack's
entries. See README.md for the properties and the differences from the CDK's
handler.
"""

import copy
import hashlib
import json
import logging

import boto3
from botocore.exceptions import BotoCoreError, ClientError

import cfn_response
from cfn_response import HandlerError, flag

logging.getLogger().setLevel(logging.INFO)
log = logging.getLogger(__name__)

LIST_TYPES = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations")
EVENTBRIDGE = "EventBridgeConfiguration"


def handler(event, context):
    cfn_response.run(event, context, on_event)


def configuration_of(props, what):
    value = props.get("NotificationConfiguration")
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise HandlerError(f"{what} NotificationConfiguration must be a map, got {value!r}")
    for kind in LIST_TYPES:
        if not isinstance(value.get(kind, []), list):
            raise HandlerError(f"{what} NotificationConfiguration.{kind} must be a list")
    return value


def on_event(responder):
    event = responder.event
    request_type = event.get("RequestType")
    if request_type not in ("Create", "Update", "Delete"):
        raise HandlerError(f"unknown RequestType {request_type!r}")
    props = event.get("ResourceProperties") or {}
    physical_id = event.get("PhysicalResourceId") or event.get("LogicalResourceId")
    responder.physical_id = physical_id

    bucket = props.get("BucketName")
    if not bucket or not isinstance(bucket, str):
        raise HandlerError("property BucketName is required but missing")
    incoming = configuration_of(props, "the")
    old = configuration_of(event.get("OldResourceProperties") or {}, "the old") if request_type == "Update" else {}
    skip_validation = flag(props, "SkipDestinationValidation", False)
    managed = flag(props, "Managed", True)

    s3 = boto3.client("s3")
    responder.step = f"reading the notification configuration of bucket {bucket}"
    existing = read_existing(s3, bucket, managed)

    owner = Ownership(event.get("StackId", ""), [incoming, old])
    if request_type == "Delete":
        merged = without_ours(existing, owner, drop_eventbridge=EVENTBRIDGE in incoming)
    else:
        merged = merge(existing, incoming, old, owner)

    responder.step = f"putting the notification configuration of bucket {bucket}"
    log.info("notification configuration for %s: %s", bucket, json.dumps(merged))
    try:
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration=merged, SkipDestinationValidation=skip_validation
        )
    except (ClientError, BotoCoreError) as error:
        hint = ""
        if "validate" in str(error).lower():
            hint = "; check that each destination (Lambda function, queue or topic) allows s3.amazonaws.com to use it"
        raise HandlerError(f"cannot put the notification configuration of bucket {bucket}: {describe(error)}{hint}") from error
    return physical_id, {}


def read_existing(s3, bucket, managed):
    """The bucket's current configuration; {} for a managed bucket whose configuration we may not read."""
    try:
        existing = s3.get_bucket_notification_configuration(Bucket=bucket)
    except ClientError as error:
        denied = error.response.get("Error", {}).get("Code") in ("AccessDenied", "AccessDeniedException")
        if denied and managed:
            # compat: aws-cdk-lib grants this handler s3:PutBucketNotification only. For a bucket the
            # stack manages, we then fall back to the CDK's behaviour and own the whole configuration.
            log.warning(
                "not allowed to read the notification configuration of %s (s3:GetBucketNotification); "
                "putting the stack's configuration as the whole configuration",
                bucket,
            )
            return {}
        hint = ""
        if denied:
            hint = (
                "; the handler's role needs s3:GetBucketNotification to keep the notifications "
                "that this stack does not manage"
            )
        raise HandlerError(
            f"cannot read the notification configuration of bucket {bucket}: {describe(error)}{hint}"
        ) from error
    except BotoCoreError as error:
        raise HandlerError(f"cannot read the notification configuration of bucket {bucket}: {describe(error)}") from error
    existing.pop("ResponseMetadata", None)
    return existing


class Ownership:
    """Tells the stack's entries from foreign ones.

    An entry is the stack's when its Id starts with the stack id, or when its
    content (Id aside) equals an entry of the stack's current or previous
    configuration: entries put by aws-cdk-lib's handler for this resource carry
    S3-assigned Ids and are recognised that way.
    """

    def __init__(self, stack_id, configurations):
        self.prefix = f"{stack_id}-"
        self.signatures = {
            signature(entry) for configuration in configurations for kind in LIST_TYPES for entry in configuration.get(kind, [])
        }

    def owns(self, entry):
        return str(entry.get("Id", "")).startswith(self.prefix) or signature(entry) in self.signatures

    def with_id(self, entry):
        entry = copy.deepcopy(entry)
        entry["Id"] = self.prefix + hashlib.sha256(signature(entry).encode("utf-8")).hexdigest()[:16]
        return entry


def signature(entry):
    """Canonical text of a notification entry, ignoring its Id, event order and filter-rule name case."""
    entry = copy.deepcopy(entry)
    entry.pop("Id", None)
    if isinstance(entry.get("Events"), list):
        entry["Events"] = sorted(entry["Events"])
    rules = entry.get("Filter", {}).get("Key", {}).get("FilterRules") if isinstance(entry.get("Filter"), dict) else None
    if isinstance(rules, list):
        normalised = [{**rule, "Name": str(rule.get("Name", "")).capitalize()} for rule in rules]
        entry["Filter"]["Key"]["FilterRules"] = sorted(normalised, key=lambda rule: rule["Name"])
    return json.dumps(entry, sort_keys=True)


def without_ours(existing, owner, drop_eventbridge):
    kept = {kind: [e for e in existing.get(kind, []) if not owner.owns(e)] for kind in LIST_TYPES}
    kept = {kind: entries for kind, entries in kept.items() if entries}
    if EVENTBRIDGE in existing and not drop_eventbridge:
        kept[EVENTBRIDGE] = existing[EVENTBRIDGE]
    return kept


def merge(existing, incoming, old, owner):
    # EventBridge delivery is one switch with no Id; the stack owns it if it declared it before.
    merged = without_ours(existing, owner, drop_eventbridge=EVENTBRIDGE in old)
    for kind in LIST_TYPES:
        ours = [owner.with_id(entry) for entry in incoming.get(kind, [])]
        if ours:
            merged[kind] = merged.get(kind, []) + ours
    if EVENTBRIDGE in incoming:
        merged[EVENTBRIDGE] = incoming[EVENTBRIDGE] or {}
    return merged


def describe(error):
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        return f"{details.get('Code', '?')}: {details.get('Message', '')} ({error.operation_name})"
    return f"{type(error).__name__}: {error}"
