"""The emulator never hides a failure: a template the emulator cannot carry out fails the test that
deployed it, through the real cdk CLI (run_cdk reads the emulator's log after every command).

Each case deploys a one-stack cloud assembly written here (no synthesis, no assets) on an emulator
of its own."""

import json

import pytest

from conftest import ACCOUNT, REGION, check_tools, run_cdk, running_emulator

# A type moto 5.2.5 has no CloudFormation model for (AWS has it).
UNMODELLED_TYPE = "AWS::IoTFleetWise::Campaign"


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    check_tools()
    with running_emulator(tmp_path_factory.mktemp("guard")) as started:
        yield started


def assembly(directory, stack, resources):
    """A cloud assembly holding one stack with `resources`, as the cdk CLI reads it."""
    directory.mkdir()
    (directory / f"{stack}.template.json").write_text(json.dumps({"Resources": resources}))
    manifest = {
        "version": "48.0.0",
        "artifacts": {
            stack: {
                "type": "aws:cloudformation:stack",
                "environment": f"aws://{ACCOUNT}/{REGION}",
                "properties": {"templateFile": f"{stack}.template.json"},
            }
        },
    }
    (directory / "manifest.json").write_text(json.dumps(manifest))
    return directory


def deploy_fails(emulator, tmp_path, stack, resources, reason):
    app = assembly(tmp_path / "cdk.out", stack, resources)
    with pytest.raises(AssertionError) as failed:
        run_cdk(tmp_path, "deploy", stack, "--require-approval", "never", "--app", str(app), emulator=emulator)
    message = str(failed.value)
    assert "the emulator failed" in message and reason in message, message
    status = emulator.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_FAILED"


def test_a_type_without_a_model_fails_the_deploy(emulator, tmp_path):
    resources = {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {}},
        "Campaign": {"Type": UNMODELLED_TYPE, "Properties": {"Name": "guard"}},
    }
    deploy_fails(emulator, tmp_path, "e2e-guard-type", resources, f"no model for {UNMODELLED_TYPE}")


def function(code):
    return {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Runtime": "python3.11", "Handler": "index.handler", "Timeout": 10,
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}, "Code": {"ZipFile": code},
        },
    }


ROLE = {
    "Type": "AWS::IAM::Role",
    "Properties": {"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}},
}


def custom_resource():
    return {"Type": "Custom::Guard", "Properties": {"ServiceToken": {"Fn::GetAtt": ["Handler", "Arn"]}, "Size": 3}}


def test_a_custom_resource_whose_handler_does_not_answer_fails_the_deploy(emulator, tmp_path):
    resources = {"Role": ROLE, "Handler": function("def handler(event, context):\n    return None\n"),
                 "Thing": custom_resource()}
    deploy_fails(emulator, tmp_path, "e2e-guard-silent", resources, "handler did not answer Create")


def test_a_custom_resource_answering_failed_fails_the_deploy_with_its_reason(emulator, tmp_path):
    # The handler answers through the response URL, as a handler does on AWS; it also checks that
    # the property values arrived as strings.
    code = (
        "import json, urllib.request\n"
        "def handler(event, context):\n"
        "    size = event['ResourceProperties']['Size']\n"
        "    body = json.dumps({'Status': 'FAILED', 'Reason': f'guard says no (Size={size!r})',\n"
        "        'PhysicalResourceId': 'guard', 'StackId': event['StackId'],\n"
        "        'RequestId': event['RequestId'], 'LogicalResourceId': event['LogicalResourceId']}).encode()\n"
        "    request = urllib.request.Request(event['ResponseURL'], data=body, method='PUT')\n"
        "    urllib.request.urlopen(request).read()\n"
    )
    resources = {"Role": ROLE, "Handler": function(code), "Thing": custom_resource()}
    deploy_fails(emulator, tmp_path, "e2e-guard-failed", resources, "guard says no (Size='3')")
