"""The response helper every handler carries, and the layout of the handler directories."""

import json
import time

import pytest

from conftest import HANDLER_NAMES, HANDLERS, FakeContext, load_handler

cfn_response = load_handler("sdk_call").cfn_response


def test_every_handler_has_its_entry_and_readme_and_shares_the_one_helper():
    assert (HANDLERS / "shared" / "cfn_response.py").is_file()
    for name in HANDLER_NAMES:
        assert (HANDLERS / name / "index.py").is_file()
        assert (HANDLERS / name / "README.md").is_file()
        assert not (HANDLERS / name / "cfn_response.py").exists(), f"handlers/{name} has its own copy of the helper"
        assert load_handler(name).cfn_response.__file__ == str(HANDLERS / "shared" / "cfn_response.py")


@pytest.mark.parametrize("name", (*HANDLER_NAMES, "shared"))
def test_handlers_use_only_the_standard_library_and_boto3(name):
    allowed = {"boto3", "botocore", "cfn_response"}
    import ast
    import sys

    for path in (HANDLERS / name).glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                roots = [(node.module or "").split(".")[0]]
            else:
                continue
            for root in roots:
                assert root in allowed or root in sys.stdlib_module_names, f"{path.name} imports {root}"


def event_for(cfn, **extra):
    event = {
        "RequestType": "Create",
        "ResponseURL": cfn.url,
        "StackId": "stack-1",
        "RequestId": "request-1",
        "LogicalResourceId": "Thing",
        "ResourceProperties": {},
    }
    event.update(extra)
    return event


def test_unexpected_exception_still_answers(cfn):
    def work(responder):
        responder.step = "doing the thing with s3://bucket/key"
        raise KeyError("Missing")

    cfn_response.run(event_for(cfn), FakeContext(), work)
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("KeyError: 'Missing' (while doing the thing with s3://bucket/key;")
    assert answer["PhysicalResourceId"] == FakeContext.log_stream_name
    assert answer["StackId"] == "stack-1" and answer["RequestId"] == "request-1" and answer["LogicalResourceId"] == "Thing"


def test_success_carries_id_and_data(cfn):
    cfn_response.run(event_for(cfn), FakeContext(), lambda responder: ("id-1", {"Answer": "42"}))
    answer = cfn.response
    assert (answer["Status"], answer["PhysicalResourceId"], answer["Data"], answer["Reason"]) == ("SUCCESS", "id-1", {"Answer": "42"}, "")


def test_oversized_data_becomes_a_clear_failure(cfn):
    cfn_response.run(event_for(cfn), FakeContext(), lambda responder: ("id-1", {"Payload": "x" * 5000}))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "over CloudFormation's 4096-byte limit" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "id-1"
    assert len(cfn.requests[0]["body"]) <= 4096


def test_long_reasons_are_truncated(cfn):
    def work(responder):
        raise cfn_response.HandlerError("y" * 10000)

    cfn_response.run(event_for(cfn), FakeContext(), work)
    assert cfn.response["Reason"].endswith("...(truncated)")
    assert len(cfn.requests[0]["body"]) <= 4096


def test_watchdog_answers_before_the_timeout(cfn, monkeypatch):
    monkeypatch.setattr(cfn_response, "WATCHDOG_MARGIN_SECONDS", 0.0)

    def slow(responder):
        responder.step = "waiting for CloudFront"
        time.sleep(1.6)
        return "late", {}

    cfn_response.run(event_for(cfn, PhysicalResourceId="existing"), FakeContext(remaining_ms=1000), slow)
    answer = cfn.response  # exactly one answer: the late success is not sent
    assert answer["Status"] == "FAILED"
    assert "ran out of time" in answer["Reason"] and "waiting for CloudFront" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "existing"


def test_response_put_is_retried(cfn, monkeypatch):
    calls = []
    real_urlopen = cfn_response.urllib.request.urlopen

    def flaky(request, timeout):
        calls.append(request.full_url)
        if len(calls) == 1:
            raise OSError("connection reset")
        return real_urlopen(request, timeout=timeout)

    monkeypatch.setattr(cfn_response.urllib.request, "urlopen", flaky)
    cfn_response.run(event_for(cfn), FakeContext(), lambda responder: ("id", {}))
    assert len(calls) == 2
    assert json.loads(cfn.requests[0]["body"])["Status"] == "SUCCESS"


def test_flag_reads_booleans_as_cloudformation_delivers_them():
    with pytest.raises(cfn_response.HandlerError, match="property Prune must be true or false, got 'yes'"):
        cfn_response.flag({"Prune": "yes"}, "Prune", True)
    assert cfn_response.flag({"Prune": "False"}, "Prune", True) is False
    assert cfn_response.flag({"Prune": " TRUE "}, "Prune", False) is True
    assert cfn_response.flag({"Prune": False}, "Prune", True) is False
    assert cfn_response.flag({}, "Prune", True) is True
