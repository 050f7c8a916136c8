"""Custom::S3BucketNotifications handler against moto's S3."""

import json

import boto3
import pytest
from moto import mock_aws

from conftest import STACK_ID, FakeContext, load_handler

notifications = load_handler("bucket_notifications")

TYPE = "Custom::S3BucketNotifications"
BUCKET = "mlspace-data-123456789012"
NOTIFIER = "arn:aws:lambda:us-east-1:123456789012:function:s3Notifier"
FOREIGN_QUEUE = "arn:aws:sqs:us-east-1:123456789012:audit"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        sqs = boto3.client("sqs", region_name="us-east-1")
        sqs.create_queue(QueueName="audit")
        yield client


def current(s3):
    config = s3.get_bucket_notification_configuration(Bucket=BUCKET)
    config.pop("ResponseMetadata", None)
    return config


def stack_props(events=("s3:ObjectCreated:*",), **extra):
    props = {
        "BucketName": BUCKET,
        "NotificationConfiguration": {
            "LambdaFunctionConfigurations": [{"Events": list(events), "LambdaFunctionArn": NOTIFIER}]
        },
        "Managed": "true",
        "SkipDestinationValidation": "false",
    }
    props.update(extra)
    return props


def add_foreign(s3, extra_lambda=None):
    config = {
        "QueueConfigurations": [
            {
                "Id": "audit-by-hand",
                "QueueArn": FOREIGN_QUEUE,
                "Events": ["s3:ObjectRemoved:*"],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "logs/"}]}},
            }
        ]
    }
    if extra_lambda:
        config["LambdaFunctionConfigurations"] = [extra_lambda]
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration=config)


def run(event):
    notifications.handler(event, FakeContext())


def lambda_arns(config):
    return sorted(c["LambdaFunctionArn"] for c in config.get("LambdaFunctionConfigurations", []))


def test_create_keeps_foreign_configuration(s3, cfn, make_event):
    add_foreign(s3)
    run(make_event(TYPE, "Create", stack_props(), logical_id="mlspacedatabucketNotificationsC3A176D6"))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "mlspacedatabucketNotificationsC3A176D6"
    config = current(s3)
    assert [q["Id"] for q in config["QueueConfigurations"]] == ["audit-by-hand"]
    [ours] = config["LambdaFunctionConfigurations"]
    assert ours["LambdaFunctionArn"] == NOTIFIER
    assert ours["Id"].startswith(STACK_ID + "-")


def test_update_replaces_ours_and_keeps_foreign(s3, cfn, make_event):
    other = {"Id": "someone-else", "LambdaFunctionArn": NOTIFIER + "2", "Events": ["s3:ObjectRemoved:*"]}
    add_foreign(s3, extra_lambda=other)
    run(make_event(TYPE, "Create", stack_props()))
    run(
        make_event(
            TYPE,
            "Update",
            stack_props(events=("s3:ObjectCreated:Put",)),
            old_properties=stack_props(),
            physical_id="Resource1",
        )
    )
    assert [json.loads(r["body"])["Status"] for r in cfn.requests] == ["SUCCESS", "SUCCESS"]
    config = current(s3)
    assert len(config["QueueConfigurations"]) == 1
    assert lambda_arns(config) == [NOTIFIER, NOTIFIER + "2"]
    ours = [c for c in config["LambdaFunctionConfigurations"] if c["LambdaFunctionArn"] == NOTIFIER]
    assert [c["Events"] for c in ours] == [["s3:ObjectCreated:Put"]]


def test_update_recognises_entries_put_without_our_id(s3, cfn, make_event):
    """An entry the CDK handler put (S3-assigned id) is the stack's, not foreign: no duplicate."""
    legacy = {"Id": "NjQ2ZmY3MzEtYmY0Mi00", "LambdaFunctionArn": NOTIFIER, "Events": ["s3:ObjectCreated:*"]}
    add_foreign(s3, extra_lambda=legacy)
    run(make_event(TYPE, "Update", stack_props(), old_properties=stack_props(), physical_id="Resource1"))
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    config = current(s3)
    assert lambda_arns(config) == [NOTIFIER]
    assert config["LambdaFunctionConfigurations"][0]["Id"].startswith(STACK_ID + "-")
    assert len(config["QueueConfigurations"]) == 1


def test_delete_removes_only_ours(s3, cfn, make_event):
    add_foreign(s3)
    run(make_event(TYPE, "Create", stack_props()))
    run(make_event(TYPE, "Delete", stack_props(), physical_id="Resource1"))
    assert [json.loads(r["body"])["Status"] for r in cfn.requests] == ["SUCCESS", "SUCCESS"]
    config = current(s3)
    assert "LambdaFunctionConfigurations" not in config
    assert [q["Id"] for q in config["QueueConfigurations"]] == ["audit-by-hand"]


def test_repeated_create_is_stable(s3, cfn, make_event):
    run(make_event(TYPE, "Create", stack_props()))
    first = current(s3)
    run(make_event(TYPE, "Update", stack_props(), old_properties=stack_props(), physical_id="Resource1"))
    assert current(s3) == first


def test_missing_bucket_fails_with_bucket_named(s3, cfn, make_event):
    run(make_event(TYPE, "Create", stack_props(BucketName="no-such-bucket")))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "bucket no-such-bucket" in answer["Reason"] and "NoSuchBucket" in answer["Reason"]


def test_signature_ignores_id_order_and_rule_case():
    a = {"Id": "x", "Events": ["b", "a"], "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}, {"Name": "prefix", "Value": "in/"}]}}}
    b = {"Events": ["a", "b"], "Filter": {"Key": {"FilterRules": [{"Name": "Prefix", "Value": "in/"}, {"Name": "Suffix", "Value": ".csv"}]}}}
    assert notifications.signature(a) == notifications.signature(b)


def deny_reading(monkeypatch):
    from botocore.exceptions import ClientError

    real_client = notifications.boto3.client

    class NoRead:
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def get_bucket_notification_configuration(self, **kwargs):
            error = {"Error": {"Code": "AccessDenied", "Message": "Access Denied"}}
            raise ClientError(error, "GetBucketNotificationConfiguration")

    monkeypatch.setattr(notifications.boto3, "client", lambda *a, **k: NoRead(real_client(*a, **k)))


def test_managed_bucket_without_read_permission_falls_back_to_owning_everything(s3, cfn, make_event, monkeypatch):
    """The TS app's role only has s3:PutBucketNotification; a managed bucket still deploys."""
    add_foreign(s3)
    deny_reading(monkeypatch)
    run(make_event(TYPE, "Create", stack_props()))
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    config = current(s3)
    assert lambda_arns(config) == [NOTIFIER]
    assert "QueueConfigurations" not in config


def test_unmanaged_bucket_without_read_permission_names_the_permission(s3, cfn, make_event, monkeypatch):
    deny_reading(monkeypatch)
    run(make_event(TYPE, "Create", stack_props(Managed="false")))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "s3:GetBucketNotification" in answer["Reason"] and BUCKET in answer["Reason"]
