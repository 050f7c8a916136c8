"""Shared fixtures: fake AWS (moto, in process), a loopback server standing in for
CloudFormation's response URL, and loaders for the handler modules."""

import os

import pytest

from harness import HANDLER_NAMES, HANDLERS, REPO, CloudFormationEndpoint, FakeContext, load_handler  # noqa: F401

# Never let a test reach a real endpoint: fake credentials, and keep loopback off any proxy.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "no_proxy": "127.0.0.1,localhost",
        "NO_PROXY": "127.0.0.1,localhost",
    }
)
for variable in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE"):
    os.environ.pop(variable, None)

STACK_ID = "arn:aws:cloudformation:us-east-1:123456789012:stack/mlspace-core/0d3c6a50-1111-2222-3333-444455556666"


@pytest.fixture
def cfn():
    endpoint = CloudFormationEndpoint()
    yield endpoint
    endpoint.close()


@pytest.fixture
def make_event(cfn):
    def make(resource_type, request_type, properties, old_properties=None, physical_id=None, logical_id="Resource1"):
        event = {
            "RequestType": request_type,
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:handler",
            "ResponseURL": cfn.url,
            "StackId": STACK_ID,
            "RequestId": f"request-{len(cfn.requests)}",
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:handler", **properties},
        }
        if old_properties is not None:
            event["OldResourceProperties"] = old_properties
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        return event

    return make
