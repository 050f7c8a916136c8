"""Custom::AWS handler against moto's DynamoDB and Lambda."""

import io
import json
import zipfile
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from conftest import REPO, FakeContext, load_handler

sdk = load_handler("sdk_call")

TYPE = "Custom::AWS"
TABLE = "mlspace-app-configuration"
REFERENCE_CORE = REPO.parent / "shared" / "reference" / "basic" / "mlspace-core.template.json"


@pytest.fixture
def aws():
    with mock_aws(config={"lambda": {"use_docker": False}}):
        yield


@pytest.fixture
def table(aws):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    dynamodb.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "configScope", "KeyType": "HASH"}, {"AttributeName": "versionId", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "configScope", "AttributeType": "S"},
            {"AttributeName": "versionId", "AttributeType": "N"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return dynamodb


def run(event):
    sdk.handler(event, FakeContext())


def put_item_call(**extra):
    call = {
        "service": "DynamoDB",
        "action": "putItem",
        "parameters": {
            "TableName": TABLE,
            "Item": {
                "versionId": {"N": "0"},
                "configScope": {"S": "global"},
                "count": {"N": 5},
                "ratio": {"N": 0.5},
                "blob": {"B": "raw text"},
                "configuration": {
                    "M": {
                        "EnabledServices": {"M": {"notebook": {"BOOL": "True"}, "batchTranslate": {"BOOL": "False"}}},
                        "native": {"BOOL": True},
                        "allowedGroups": {"L": []},
                    }
                },
            },
        },
        "physicalResourceId": {"id": "initAppConfigData"},
    }
    call.update(extra)
    return call


def test_put_item_with_js_style_attribute_values(table, cfn, make_event):
    run(make_event(TYPE, "Create", {"Create": json.dumps(put_item_call()), "InstallLatestAwsSdk": "true"}))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "initAppConfigData"
    assert answer["Data"] == {"region": "us-east-1"}
    item = table.get_item(TableName=TABLE, Key={"configScope": {"S": "global"}, "versionId": {"N": "0"}})["Item"]
    services = item["configuration"]["M"]["EnabledServices"]["M"]
    assert services == {"notebook": {"BOOL": True}, "batchTranslate": {"BOOL": False}}
    assert item["configuration"]["M"]["native"] == {"BOOL": True}
    assert item["count"] == {"N": "5"} and item["ratio"] == {"N": "0.5"}
    assert item["blob"] == {"B": b"raw text"}


@pytest.mark.skipif(not REFERENCE_CORE.exists(), reason=f"reference template {REFERENCE_CORE} not present (../shared)")
def test_reference_app_config_item_is_written(table, cfn, make_event):
    """The exact Create string the TS app renders for the initial app configuration item."""
    resources = json.loads(REFERENCE_CORE.read_text())["Resources"]
    creates = [
        r["Properties"]["Create"]
        for r in resources.values()
        if r["Type"] == "Custom::AWS" and isinstance(r["Properties"].get("Create"), str) and "putItem" in r["Properties"]["Create"]
    ]
    assert creates, "the reference has no plain-string DynamoDB putItem call"
    run(make_event(TYPE, "Create", {"Create": creates[0], "InstallLatestAwsSdk": "true"}))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    item = table.scan(TableName=TABLE)["Items"][0]
    enabled = item["configuration"]["M"]["EnabledServices"]["M"]
    assert all(isinstance(v["BOOL"], bool) for v in enabled.values())
    assert enabled["notebook"] == {"BOOL": True} and enabled["realtimeTranslate"] == {"BOOL": False}


def test_put_item_on_missing_table_fails_clearly(aws, cfn, make_event):
    run(make_event(TYPE, "Create", {"Create": json.dumps(put_item_call())}))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert answer["Reason"].startswith("DynamoDB.putItem failed: ResourceNotFoundException")
    assert "calling DynamoDB.putItem" in answer["Reason"]
    assert answer["Data"] == {}


def test_ignore_error_codes_matching(aws, cfn, make_event):
    call = put_item_call(ignoreErrorCodesMatching="ResourceNotFound.*")
    run(make_event(TYPE, "Create", {"Create": json.dumps(call)}))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "initAppConfigData"
    assert answer["Data"] == {}


def test_non_matching_ignore_pattern_still_fails(aws, cfn, make_event):
    call = put_item_call(ignoreErrorCodesMatching="ThrottlingException")
    run(make_event(TYPE, "Create", {"Create": json.dumps(call)}))
    assert cfn.response["Status"] == "FAILED"


def create_function(name):
    iam = boto3.client("iam", region_name="us-east-1")
    role = iam.create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": []}))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return {}\n")
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role["Role"]["Arn"],
        Handler="index.handler",
        Code={"ZipFile": buffer.getvalue()},
    )


def test_lambda_invoke_with_string_payload(aws, cfn, make_event):
    create_function("drAttachPoliciesOnDeploy")
    # the shape the TS app renders: Payload is a JSON text inside the JSON string
    create = (
        '{"service":"Lambda","action":"invoke","physicalResourceId":{"id":"drAttachPoliciesOnDeployLambda-1795563190736"},'
        '"parameters":{"FunctionName":"drAttachPoliciesOnDeploy","Payload":"{}"}}'
    )
    run(make_event(TYPE, "Create", {"Create": create, "InstallLatestAwsSdk": "true"}))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "drAttachPoliciesOnDeployLambda-1795563190736"
    assert answer["Data"]["StatusCode"] == 200
    assert isinstance(answer["Data"]["Payload"], str)


def test_without_fixed_id_the_logical_id_stands_in(aws, cfn, make_event):
    call = put_item_call()
    del call["physicalResourceId"]
    run(make_event(TYPE, "Create", {"Create": json.dumps(call)}, logical_id="mlspaceinitddbappconfig2E68FA48"))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert answer["PhysicalResourceId"] == "mlspaceinitddbappconfig2E68FA48"


def test_response_path_and_output_paths(table, cfn, make_event):
    call = {
        "service": "@aws-sdk/client-dynamodb",
        "action": "DescribeTableCommand",
        "parameters": {"TableName": TABLE},
        "physicalResourceId": {"responsePath": "Table.TableArn"},
        "outputPaths": ["Table.TableName", "Table.KeySchema.0"],
    }
    run(make_event(TYPE, "Create", {"Create": json.dumps(call)}))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/")
    assert answer["Data"] == {
        "Table.TableName": TABLE,
        "Table.KeySchema.0.AttributeName": "configScope",
        "Table.KeySchema.0.KeyType": "HASH",
    }


def test_physical_id_placeholder_on_delete(table, cfn, make_event):
    table.put_item(TableName=TABLE, Item={"configScope": {"S": "item-42"}, "versionId": {"N": "1"}})
    delete = {
        "service": "DynamoDB",
        "action": "deleteItem",
        "parameters": {"TableName": TABLE, "Key": {"configScope": {"S": "PHYSICAL:RESOURCEID:"}, "versionId": {"N": 1}}},
    }
    run(make_event(TYPE, "Delete", {"Delete": json.dumps(delete)}, physical_id="item-42"))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "item-42"
    assert table.scan(TableName=TABLE)["Items"] == []


def test_update_and_delete_without_a_call_do_nothing(aws, cfn, make_event):
    props = {"Create": json.dumps(put_item_call())}
    run(make_event(TYPE, "Update", props, old_properties=props, physical_id="initAppConfigData"))
    run(make_event(TYPE, "Delete", props, physical_id="initAppConfigData"))
    assert len(cfn.requests) == 2
    for request in cfn.requests:
        answer = json.loads(request["body"])
        assert answer["Status"] == "SUCCESS"
        assert answer["PhysicalResourceId"] == "initAppConfigData"
        assert answer["Data"] == {}


def test_unknown_action_names_a_close_match(aws, cfn, make_event):
    call = {"service": "DynamoDB", "action": "putItems", "parameters": {}}
    run(make_event(TYPE, "Create", {"Create": json.dumps(call)}))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "DynamoDB has no action 'putItems'" in answer["Reason"] and "PutItem" in answer["Reason"]


def test_bad_boolean_names_the_parameter(aws, cfn, make_event):
    call = put_item_call()
    call["parameters"]["Item"]["flag"] = {"BOOL": "yes"}
    run(make_event(TYPE, "Create", {"Create": json.dumps(call)}))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "parameter Item.flag.BOOL must be true or false, got 'yes'" in answer["Reason"]


def test_invalid_json_fails(aws, cfn, make_event):
    run(make_event(TYPE, "Create", {"Create": "{not json"}))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "property Create is not valid JSON" in answer["Reason"]


@pytest.mark.parametrize(
    "js_name, boto3_name",
    [
        ("DynamoDB", "dynamodb"),
        ("Lambda", "lambda"),
        ("@aws-sdk/client-dynamodb", "dynamodb"),
        ("CloudWatchLogs", "logs"),
        ("cloudwatch-logs", "logs"),
        ("SSM", "ssm"),
        ("SFN", "stepfunctions"),
        ("StepFunctions", "stepfunctions"),
        ("CognitoIdentityServiceProvider", "cognito-idp"),
        ("SageMaker", "sagemaker"),
        ("S3", "s3"),
    ],
)
def test_service_names(js_name, boto3_name):
    assert sdk.boto3_service(js_name) == boto3_name


def test_unknown_service_fails_with_hint():
    with pytest.raises(sdk.HandlerError, match="unknown AWS service 'DynamoDBB'.*dynamodb"):
        sdk.boto3_service("DynamoDBB")


def test_flatten_like_the_js_handler():
    assert sdk.flatten({"a": {"b": [1, {"c": None}]}, "e": {}, "f": []}) == {"a.b.0": 1, "a.b.1.c": None}
