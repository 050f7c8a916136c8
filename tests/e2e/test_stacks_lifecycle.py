"""All 18 stacks through the real cdk CLI on an emulator of their own: `cdk deploy --all`, an update
(the frontend and a configuration value changed), a deploy with nothing changed, and
`cdk destroy --all`, with our custom-resource handlers run by the emulated CloudFormation
(tests/e2e/emulator_fixes.py, lambda_runner.py) in its create/update/delete flow.

The tests run in file order and build on each other. Set MLSPACE_E2E_LIFECYCLE=0 to skip them
(about 3 minutes on 2 cores; scripts/test.sh runs them)."""

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from conftest import ACCOUNT, REGION, check_tools, example_copy, run_cdk, running_emulator

pytestmark = pytest.mark.skipif(
    os.environ.get("MLSPACE_E2E_LIFECYCLE") == "0", reason="MLSPACE_E2E_LIFECYCLE=0: the 18-stack cycle is off"
)

WEBSITE_BUCKET = f"mlspace-website-{ACCOUNT}"
CONFIG_BUCKET = f"mlspace-config-{ACCOUNT}"
DATA_BUCKET = f"mlspace-data-{ACCOUNT}"
APP_CONFIG_TABLE = "mlspace-app-configuration"
# Stacks whose template differs on every synthesis, by design of the TypeScript app we match:
# mlspace-core stamps the synthesis time into its on-deploy Lambda invocations' physical ids and
# the initial app-configuration item's createdAt (so the invocations run again on every deploy);
# mlspace-api-deployment names its API Gateway Deployment after the synthesis time (so every
# deploy publishes the API anew).
CHANGES_ON_EVERY_SYNTHESIS = {"mlspace-core", "mlspace-api-deployment"}
# Resource types whose count cannot be read from a service, and why. Everything else is counted.
NOT_COUNTABLE = {
    "AWS::CDK::Metadata": "no service holds it, on AWS either (CloudFormation's own record)",
    "AWS::ApiGateway::Account": "a single setting per account and region, which both templates write: "
                                "checked to hold one of their roles instead",
}


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    """The emulator and example tree this module's cycle runs on."""
    check_tools()
    base = tmp_path_factory.mktemp("lifecycle")
    tree = example_copy(base / "tree")
    (base / "moto").mkdir()
    with running_emulator(base / "moto") as emulator:
        yield emulator, tree


def cdk(stage, *args):
    emulator, tree = stage
    return run_cdk(tree, *args, emulator=emulator, timeout=900)


def templates(tree):
    manifest = json.loads((tree / "cdk.out" / "manifest.json").read_text())
    names = [n for n, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"]
    return {n: json.loads((tree / "cdk.out" / f"{n}.template.json").read_text()) for n in names}


def physical_ids(emulator, stacks):
    cloudformation = emulator.client("cloudformation")
    found = {}
    for stack in stacks:
        for summary in cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]:
            found[(stack, summary["LogicalResourceId"])] = summary
    return found


def present(emulator, resource_type, physical_id, properties):
    """Whether the service holds the resource CloudFormation created, by its physical id."""
    c = emulator.client
    probes = {
        "AWS::Lambda::Function": lambda: c("lambda").get_function(FunctionName=physical_id),
        "AWS::DynamoDB::Table": lambda: c("dynamodb").describe_table(TableName=physical_id),
        "AWS::S3::Bucket": lambda: c("s3").head_bucket(Bucket=physical_id),
        "AWS::S3::BucketPolicy": lambda: c("s3").get_bucket_policy(Bucket=properties["Bucket"]),
        "AWS::SSM::Parameter": lambda: c("ssm").get_parameter(Name=physical_id),
        "AWS::IAM::Role": lambda: c("iam").get_role(RoleName=physical_id),
        "AWS::IAM::ManagedPolicy": lambda: c("iam").get_policy(PolicyArn=physical_id),
        "AWS::IAM::InstanceProfile": lambda: c("iam").get_instance_profile(InstanceProfileName=physical_id),
        "AWS::IAM::Policy": lambda: [
            c("iam").get_role_policy(RoleName=role, PolicyName=properties["PolicyName"]) for role in properties["Roles"]
        ],
        "AWS::Events::Rule": lambda: c("events").describe_rule(Name=physical_id),
        "AWS::CloudTrail::Trail": lambda: c("cloudtrail").get_trail(Name=physical_id),
        "AWS::EMR::SecurityConfiguration": lambda: c("emr").describe_security_configuration(Name=physical_id),
        "AWS::KMS::Key": lambda: c("kms").describe_key(KeyId=physical_id),
        "AWS::KMS::Alias": lambda: next(a for a in c("kms").list_aliases()["Aliases"] if a["AliasName"] == physical_id),
        "AWS::SageMaker::NotebookInstanceLifecycleConfig": lambda: c("sagemaker").describe_notebook_instance_lifecycle_config(
            NotebookInstanceLifecycleConfigName=properties.get("NotebookInstanceLifecycleConfigName", physical_id)),
        "AWS::Logs::LogGroup": lambda: next(
            g for g in c("logs").describe_log_groups(logGroupNamePrefix=physical_id)["logGroups"] if g["logGroupName"] == physical_id),
        "AWS::ApiGateway::RestApi": lambda: c("apigateway").get_rest_api(restApiId=physical_id),
        "AWS::EC2::VPC": lambda: c("ec2").describe_vpcs(VpcIds=[physical_id]),
        "AWS::EC2::Subnet": lambda: c("ec2").describe_subnets(SubnetIds=[physical_id]),
        "AWS::EC2::RouteTable": lambda: c("ec2").describe_route_tables(RouteTableIds=[physical_id]),
        "AWS::EC2::SecurityGroup": lambda: c("ec2").describe_security_groups(GroupIds=[physical_id]),
        "AWS::EC2::VPCEndpoint": lambda: c("ec2").describe_vpc_endpoints(VpcEndpointIds=[physical_id]),
        "AWS::EC2::NatGateway": lambda: c("ec2").describe_nat_gateways(NatGatewayIds=[physical_id])["NatGateways"][0],
        "AWS::EC2::InternetGateway": lambda: c("ec2").describe_internet_gateways(InternetGatewayIds=[physical_id]),
        "AWS::EC2::EIP": lambda: c("ec2").describe_addresses(PublicIps=[physical_id]),
    }
    try:
        probes[resource_type]()
    except StopIteration:
        return False
    except ClientError:
        return False
    return True


def aggregate_counts(emulator, ids):
    """Counts of the types whose service lists them under their parent rather than by id."""
    c = emulator.client
    counts = Counter()
    apis = c("apigateway").get_rest_apis()["items"]
    for api in apis:
        resources = c("apigateway").get_resources(restApiId=api["id"], embed=["methods"], limit=500)["items"]
        counts["AWS::ApiGateway::Resource"] += sum(1 for r in resources if r["path"] != "/")
        counts["AWS::ApiGateway::Method"] += sum(len(r.get("resourceMethods", {})) for r in resources)
        counts["AWS::ApiGateway::Deployment"] += len(c("apigateway").get_deployments(restApiId=api["id"])["items"])
        counts["AWS::ApiGateway::Stage"] += len(c("apigateway").get_stages(restApiId=api["id"])["item"])
        counts["AWS::ApiGateway::Authorizer"] += len(c("apigateway").get_authorizers(restApiId=api["id"])["items"])
    for layer in c("lambda").list_layers()["Layers"]:
        counts["AWS::Lambda::LayerVersion"] += len(c("lambda").list_layer_versions(LayerName=layer["LayerName"])["LayerVersions"])
    for function in c("lambda").list_functions(MaxItems=1000)["Functions"]:
        try:
            policy = json.loads(c("lambda").get_policy(FunctionName=function["FunctionName"])["Policy"])
        except c("lambda").exceptions.ResourceNotFoundException:
            continue
        counts["AWS::Lambda::Permission"] += len(policy["Statement"])
    ec2 = c("ec2")
    vpc_ids = [s["PhysicalResourceId"] for s in ids.values() if s["ResourceType"] == "AWS::EC2::VPC"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": vpc_ids}])["RouteTables"]
    counts["AWS::EC2::SubnetRouteTableAssociation"] = sum(
        1 for t in tables for a in t.get("Associations", []) if a.get("SubnetId"))
    counts["AWS::EC2::Route"] = sum(
        # the template's routes go to the internet gateway or a NAT gateway; EC2 adds the "local"
        # route and the gateway endpoints' routes (vpce-) itself
        1 for t in tables for r in t.get("Routes", []) if r.get("GatewayId", "").startswith("igw-") or r.get("NatGatewayId"))
    counts["AWS::EC2::VPCGatewayAttachment"] = sum(
        1 for g in ec2.describe_internet_gateways()["InternetGateways"] for a in g.get("Attachments", []) if a["VpcId"] in vpc_ids)
    return counts


def custom_resource_answers(emulator, request_type):
    """(stack name, logical id) -> the handler's answer, for every request of `request_type`."""
    return {
        (r["StackId"].split("/")[1], r["LogicalResourceId"]): r["Answer"]
        for r in emulator.custom_resource_requests() if r["RequestType"] == request_type
    }


def resolve_in_stack(value, ids, stack):
    if isinstance(value, dict) and list(value) == ["Ref"] and (stack, value["Ref"]) in ids:
        return ids[(stack, value["Ref"])]["PhysicalResourceId"]
    if isinstance(value, list):
        return [resolve_in_stack(v, ids, stack) for v in value]
    return value


def test_deploy_all_creates_every_resource_in_its_service(stage):
    emulator, tree = stage
    cdk(stage, "bootstrap", f"aws://{ACCOUNT}/{REGION}").expect_success()
    result = cdk(stage, "deploy", "--all", "--require-approval", "never").expect_success()
    stacks = templates(tree)
    assert len(stacks) == 18
    cloudformation = emulator.client("cloudformation")
    for name in stacks:
        assert f"✅  {name}" in result.output, result.output[-3000:]
        [description] = cloudformation.describe_stacks(StackName=name)["Stacks"]
        assert description["StackStatus"] == "CREATE_COMPLETE", description

    ids = physical_ids(emulator, stacks)
    expected, counted = Counter(), Counter()
    aggregates = aggregate_counts(emulator, ids)
    for stack, template in stacks.items():
        for logical_id, resource in template["Resources"].items():
            kind = resource["Type"]
            expected[kind] += 1
            summary = ids.get((stack, logical_id))
            assert summary is not None, f"{stack}/{logical_id} ({kind}) was not created"
            assert summary["ResourceStatus"] == "CREATE_COMPLETE", summary
            if kind in NOT_COUNTABLE or kind in aggregates or kind.startswith("Custom::"):
                continue
            properties = {k: resolve_in_stack(v, ids, stack) for k, v in resource.get("Properties", {}).items()}
            if present(emulator, kind, summary["PhysicalResourceId"], properties):
                counted[kind] += 1
    counted.update(aggregates)
    # Custom resources have no service: they count when their handler answered SUCCESS to Create.
    for (stack, logical_id), answer in custom_resource_answers(emulator, "Create").items():
        if answer and answer["Status"] == "SUCCESS":
            counted[stacks[stack]["Resources"][logical_id]["Type"]] += 1
    for kind in sorted(expected):
        if kind not in NOT_COUNTABLE:
            assert counted[kind] == expected[kind], f"{kind}: {counted[kind]} in the service, {expected[kind]} in the templates"
    assert {k for k in expected if k.startswith("Custom::")} == {
        "Custom::AWS", "Custom::CDKBucketDeployment", "Custom::S3BucketNotifications"}
    account = emulator.client("apigateway").get_account()
    roles = {s["PhysicalResourceId"] for (st, lid), s in ids.items() if s["ResourceType"] == "AWS::IAM::Role"}
    assert account["cloudwatchRoleArn"].split("/")[-1] in roles


def rest_api_url(emulator):
    [api] = [a for a in emulator.client("apigateway").get_rest_apis()["items"] if a["name"] == "MLSpace API"]
    return f"https://{api['id']}.execute-api.{REGION}.amazonaws.com/Prod/"


def env_js(emulator):
    text = emulator.client("s3").get_object(Bucket=WEBSITE_BUCKET, Key="env.js")["Body"].read().decode()
    assert text.startswith("window.env = "), text
    return json.loads(text[len("window.env = "):].rstrip().rstrip(";"))


def bucket_keys(emulator, bucket, prefix=""):
    listed = emulator.client("s3").list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"] for o in listed}


def test_deploy_time_values_arrive(stage):
    emulator, tree = stage
    s3, ssm = emulator.client("s3"), emulator.client("ssm")
    # The website bucket: the frontend build, env.js with the real API URL (no markers left).
    build = {p.relative_to(tree / "frontend" / "build").as_posix() for p in (tree / "frontend" / "build").rglob("*") if p.is_file()}
    # env.js is a source of its own (the one with the deploy-time markers)
    assert bucket_keys(emulator, WEBSITE_BUCKET) == build | {"env.js"}
    env = env_js(emulator)
    assert env["LAMBDA_ENDPOINT"] == rest_api_url(emulator) and env["OIDC_REDIRECT_URI"] == rest_api_url(emulator)
    assert env["DATASET_BUCKET"] == DATA_BUCKET and env["AWS_REGION"] == REGION

    # notebook-params.json, in the config bucket and the data bucket, holds the SSM parameters' values.
    names = ("notebook-param-kms-id", "notebook-param-subnet-ids", "notebook-param-vpc-security-group",
             "notebook-param-notebook-role-arn")
    parameters = {name: ssm.get_parameter(Name=name)["Parameter"]["Value"] for name in names}
    for bucket, key in ((CONFIG_BUCKET, "notebook-params.json"), (DATA_BUCKET, "global-read-only/resources/notebook-params.json")):
        params = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        text = json.dumps(params)
        assert "<<marker:" not in text, text
        for name in names:
            assert parameters[name] in text, f"{bucket}/{key} lacks {name} = {parameters[name]}: {text}"

    # The initial app-configuration item, written by the SDK-call handler.
    items = emulator.client("dynamodb").scan(TableName=APP_CONFIG_TABLE)["Items"]
    assert [(i["configScope"]["S"], i["versionId"]["N"]) for i in items] == [("global", "0")]

    # The data bucket's notifications (bucket-notifications handler), and the notifier they invoke
    # ran when the example data was deployed into the bucket.
    configuration = s3.get_bucket_notification_configuration(Bucket=DATA_BUCKET)
    [notification] = configuration["LambdaFunctionConfigurations"]
    assert notification["LambdaFunctionArn"].endswith(":function:mls-lambda-s3-notifier")
    assert notification["Events"] == ["s3:ObjectCreated:*"]
    streams = emulator.client("logs").describe_log_streams(logGroupName="/aws/lambda/mls-lambda-s3-notifier")["logStreams"]
    assert streams, "the data bucket's notifications never invoked the notifier"


def test_update_reaches_the_handlers_with_old_properties(stage):
    emulator, tree = stage
    before = templates(tree)
    [(frontend_id, frontend)] = [
        (k, r) for k, r in before["mlspace-web-tier"]["Resources"].items() if r["Type"] == "Custom::CDKBucketDeployment"]
    build = tree / "frontend" / "build"
    (build / "favicon.svg").unlink()
    (build / "added-by-e2e.txt").write_text("a file the update adds\n")
    (build / "style.css").write_text((build / "style.css").read_text() + "\n/* changed by the e2e update */\n")
    config_path = tree / "lib" / "config.json"
    config = json.loads(config_path.read_text())
    config["OIDC_CLIENT_NAME"] = "mlspace-web-e2e-update"
    config_path.write_text(json.dumps(config, indent=4))

    updates_before = len(custom_resource_answers(emulator, "Update"))
    result = cdk(stage, "deploy", "--all", "--require-approval", "never").expect_success()
    after = templates(tree)
    cloudformation = emulator.client("cloudformation")
    for name in after:
        status = cloudformation.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        assert status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"), (name, status)
        if before[name] != after[name]:
            assert status == "UPDATE_COMPLETE", (name, result.output[-2000:])
    assert cloudformation.describe_stacks(StackName="mlspace-web-tier")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"

    # The bucket-deployment handler got Update, with the properties it had before.
    [update] = [r for r in emulator.custom_resource_requests()
                if r["RequestType"] == "Update" and r["LogicalResourceId"] == frontend_id]
    assert update["Answer"]["Status"] == "SUCCESS", update
    assert update["OldResourceProperties"]["SourceObjectKeys"] == frontend["Properties"]["SourceObjectKeys"]
    assert update["ResourceProperties"]["SourceObjectKeys"] != update["OldResourceProperties"]["SourceObjectKeys"]
    assert update["PhysicalResourceId"] and update["Answer"]["PhysicalResourceId"] == update["PhysicalResourceId"]
    assert len(custom_resource_answers(emulator, "Update")) > updates_before

    # The website bucket holds the new build (the removed file pruned), env.js the new value.
    files = {p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file()}
    assert bucket_keys(emulator, WEBSITE_BUCKET) == files | {"env.js"}
    s3 = emulator.client("s3")
    assert s3.get_object(Bucket=WEBSITE_BUCKET, Key="style.css")["Body"].read() == (build / "style.css").read_bytes()
    assert env_js(emulator)["OIDC_CLIENT_NAME"] == "mlspace-web-e2e-update"
    # ... and the configuration value reached the authorizer function as well.
    variables = emulator.client("lambda").get_function_configuration(FunctionName="mls-lambda-authorizer")["Environment"]["Variables"]
    assert variables["OIDC_CLIENT_NAME"] == "mlspace-web-e2e-update"


def test_deploy_with_nothing_changed_changes_only_what_each_synthesis_stamps(stage):
    emulator, tree = stage
    first = templates(tree)
    result = cdk(stage, "deploy", "--all", "--require-approval", "never").expect_success()
    second = templates(tree)
    changed = {name for name in first if first[name] != second[name]}
    assert changed == CHANGES_ON_EVERY_SYNTHESIS, changed
    for name in first:
        if name in CHANGES_ON_EVERY_SYNTHESIS:
            assert f"✅  {name} (no changes)" not in result.output
        else:
            assert f"✅  {name} (no changes)" in result.output, (name, result.output[-3000:])
    # The API is deployed anew, the stage pointing at the new deployment.
    cloudformation = emulator.client("cloudformation")
    assert cloudformation.describe_stacks(StackName="mlspace-api-deployment")["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"


def test_destroy_all_deletes_custom_resources_and_keeps_what_is_retained(stage):
    emulator, tree = stage
    stacks = templates(tree)
    ids = physical_ids(emulator, stacks)
    retained = [
        (stack, logical_id, r["Type"]) for stack, t in stacks.items() for logical_id, r in t["Resources"].items()
        if r.get("DeletionPolicy") == "Retain"
    ]
    assert {kind for _, _, kind in retained} >= {"AWS::KMS::Key", "AWS::S3::Bucket", "AWS::DynamoDB::Table"}
    custom = {(stack, logical_id) for stack, t in stacks.items() for logical_id, r in t["Resources"].items()
              if r["Type"].startswith("Custom::")}

    # As on AWS, a bucket that holds objects cannot be deleted (the app sets no auto-delete, and the
    # deployments keep their files on delete): empty the buckets that go with their stack first,
    # every version of every object, as an operator would.
    s3 = emulator.client("s3")
    for stack, t in stacks.items():
        for logical_id, r in t["Resources"].items():
            if r["Type"] == "AWS::S3::Bucket" and r.get("DeletionPolicy") != "Retain":
                bucket = ids[(stack, logical_id)]["PhysicalResourceId"]
                versions = s3.list_object_versions(Bucket=bucket)
                for version in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
                    s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])

    cdk(stage, "destroy", "--all", "--force").expect_success()
    cloudformation = emulator.client("cloudformation")
    left = [s["StackName"] for s in cloudformation.describe_stacks()["Stacks"] if s["StackName"] in stacks]
    assert not left, left

    deletes = custom_resource_answers(emulator, "Delete")
    assert set(deletes) == custom, set(deletes) ^ custom
    assert all(answer and answer["Status"] == "SUCCESS" for answer in deletes.values()), deletes

    for stack, logical_id, kind in retained:
        if kind == "AWS::ApiGateway::Account":  # the region's setting: it keeps its role
            assert emulator.client("apigateway").get_account().get("cloudwatchRoleArn")
            continue
        summary = ids[(stack, logical_id)]
        assert present(emulator, kind, summary["PhysicalResourceId"], {}), f"retained {stack}/{logical_id} is gone"
    # What is not retained is gone: every function, the API.
    assert emulator.client("lambda").list_functions()["Functions"] == []
    assert emulator.client("apigateway").get_rest_apis()["items"] == []
