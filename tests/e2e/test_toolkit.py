"""The real cdk toolkit, with our binary as the app, against moto's server: bootstrap, publish every
asset, deploy what the emulator can create, deploy again without changes, and run our
custom-resource handlers on the emulator's S3 and DynamoDB with events made from our templates.

The tests run in file order and build on each other (one emulator for the session)."""

import io
import json
import os
import socket
import zipfile
from pathlib import Path

import pytest

from conftest import ACCOUNT, QUALIFIER, REGION

ASSET_BUCKET = f"cdk-{QUALIFIER}-assets-{ACCOUNT}-{REGION}"
# The stacks without Lambda functions or custom resources: a quick deploy on the session's
# emulator, with the services checked in detail. All 18, with our handlers in CloudFormation's
# flow, update and destroy: test_stacks_lifecycle.py. Types checked elsewhere: the metadata
# record has no service, the API Gateway account setting is checked there.
DEPLOYED = ("mlspace-kms", "mlspace-vpc", "mlspace-iam", "mlspace-sagemaker")
NOT_EMULATED = {"AWS::CDK::Metadata", "AWS::ApiGateway::Account"}


def read_json(path):
    return json.loads(Path(path).read_text())


def assembly(tree):
    return tree / "cdk.out"


def stack_names(tree):
    manifest = read_json(assembly(tree) / "manifest.json")
    return [name for name, artifact in manifest["artifacts"].items() if artifact["type"] == "aws:cloudformation:stack"]


def template(tree, stack):
    return read_json(assembly(tree) / f"{stack}.template.json")


def resolve_placeholders(text):
    return text.replace("${AWS::AccountId}", ACCOUNT).replace("${AWS::Region}", REGION).replace(
        "${AWS::Partition}", "aws"
    )


def object_bytes(s3, bucket, key):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def zip_members(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}


def files_under(root):
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_traffic_stays_on_loopback(emulator):
    """scripts/e2e.sh runs the suite in a network namespace holding only loopback, when the machine
    lets it: then nothing can leave, and this proves it. Elsewhere every endpoint is still the
    emulator (AWS_ENDPOINT_URL), but nothing enforces it."""
    if os.environ.get("MLSPACE_E2E_ISOLATED") != "1":
        pytest.skip("not in a loopback-only network namespace (see scripts/e2e.sh)")
    with pytest.raises(OSError):
        socket.create_connection(("192.0.2.1", 443), timeout=2)  # TEST-NET-1: must be unreachable
    with socket.create_connection(("localhost", emulator.port), timeout=2):
        pass


def test_bootstrap(cdk, emulator):
    cdk("bootstrap", f"aws://{ACCOUNT}/{REGION}").expect_success()
    version = emulator.client("ssm").get_parameter(Name=f"/cdk-bootstrap/{QUALIFIER}/version")
    assert int(version["Parameter"]["Value"]) >= 6, "the bootstrap stack must satisfy our assemblies' rule"
    buckets = [b["Name"] for b in emulator.client("s3").list_buckets()["Buckets"]]
    assert ASSET_BUCKET in buckets


def test_publish_assets_uploads_every_asset_under_its_key(cdk, emulator, tree):
    cdk("publish-assets", "--unstable=publish-assets", "--all").expect_success()
    s3 = emulator.client("s3")
    published = 0
    for manifest_path in sorted(assembly(tree).glob("*.assets.json")):
        for asset_hash, asset in read_json(manifest_path)["files"].items():
            for destination in asset["destinations"].values():
                bucket = resolve_placeholders(destination["bucketName"])
                data = object_bytes(s3, bucket, destination["objectKey"])
                source = assembly(tree) / asset["source"]["path"]
                if asset["source"].get("packaging") == "zip":
                    assert zip_members(data) == files_under(source), f"{asset_hash}: zip differs from {source}"
                else:
                    assert data == source.read_bytes(), f"{asset_hash}: object differs from {source}"
                published += 1
    assert published > 0


def code_objects(tree, s3, resource_type, code_property, wanted=lambda properties: True):
    """(stack/logical id, zip members) of the published code of every `resource_type` resource
    whose `code_property` points at S3 and whose properties are `wanted`."""
    for stack in stack_names(tree):
        for logical_id, resource in template(tree, stack)["Resources"].items():
            properties = resource.get("Properties", {})
            code = properties.get(code_property, {})
            if resource["Type"] == resource_type and "S3Key" in code and wanted(properties):
                bucket = resolve(code["S3Bucket"], {})
                yield f"{stack}/{logical_id}", zip_members(object_bytes(s3, bucket, code["S3Key"]))


def lambda_code_objects(tree, s3):
    """Code of every function that runs MLSpace's Lambda sources."""
    return code_objects(
        tree, s3, "AWS::Lambda::Function", "Code",
        lambda properties: properties.get("Handler", "").startswith("ml_space_lambda."),
    )


def test_lambda_code_zip_holds_the_example_sources(emulator, tree):
    sources = files_under(tree / "backend" / "src")
    functions = list(lambda_code_objects(tree, emulator.client("s3")))
    assert len(functions) > 50, "the API stacks' functions all run MLSpace's Lambda sources"
    for name, members in functions:
        assert members == sources, f"{name}: its code zip is not backend/src"


def test_each_layer_zip_has_python_at_its_root(emulator, tree):
    layers = dict(code_objects(tree, emulator.client("s3"), "AWS::Lambda::LayerVersion", "Content"))
    assert {name.split("/")[1].split("lambdalayer")[0] for name in layers} >= {"mlspacecommon", "mlspacejwt", "mlspacenotifier"}
    for name, members in layers.items():
        assert members, f"{name}: empty layer"
        outside = [m for m in members if not m.startswith("python/")]
        assert not outside, f"{name}: files outside python/: {outside}"


def frontend_deployment(tree):
    resources = template(tree, "mlspace-web-tier")["Resources"]
    [(logical_id, resource)] = [
        (k, r) for k, r in resources.items() if r["Type"] == "Custom::CDKBucketDeployment" and "FrontEnd" in k
    ]
    return logical_id, resource["Properties"]


def test_frontend_env_js_is_published_with_its_markers(emulator, tree):
    _, properties = frontend_deployment(tree)
    s3 = emulator.client("s3")
    markers = {}
    env_js = None
    for bucket, key, source_markers in zip(properties["SourceBucketNames"], properties["SourceObjectKeys"], properties["SourceMarkers"]):
        members = zip_members(object_bytes(s3, resolve_placeholders(bucket), key))
        if "env.js" in members:
            env_js = members["env.js"].decode()
            markers = source_markers
    assert env_js is not None, "no source of the frontend deployment holds env.js"
    assert markers, "env.js comes with deploy-time markers"
    for marker in markers:
        assert marker in env_js, f"{marker} is not in the published env.js"


def template_resources(stack, tree):
    return {k: r for k, r in template(tree, stack)["Resources"].items() if r["Type"] not in NOT_EMULATED}


def check_deployed(emulator, tree):
    cloudformation = emulator.client("cloudformation")
    physical = {}
    for stack in DEPLOYED:
        [description] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
        assert description["StackStatus"] == "CREATE_COMPLETE", description
        listed = {
            r["LogicalResourceId"]: r
            for r in cloudformation.list_stack_resources(StackName=stack)["StackResourceSummaries"]
            if r["LogicalResourceId"]
        }
        for logical_id in template_resources(stack, tree):
            assert logical_id in listed, f"{stack}: {logical_id} was not created"
            assert listed[logical_id]["ResourceStatus"] == "CREATE_COMPLETE", listed[logical_id]
            physical[(stack, logical_id)] = listed[logical_id]["PhysicalResourceId"]
    return physical


def test_deploy_creates_kms_vpc_iam_and_sagemaker_stacks(cdk, emulator, tree):
    result = cdk("deploy", *DEPLOYED, "--require-approval", "never").expect_success()
    for stack in DEPLOYED:
        assert f"✅  {stack}" in result.output, result.output
    physical = check_deployed(emulator, tree)

    # The resources exist in their services, as the templates describe them.
    kms = emulator.client("kms")
    resources = template_resources("mlspace-kms", tree)
    [key_id] = [k for k, r in resources.items() if r["Type"] == "AWS::KMS::Key"]
    [alias_id] = [k for k, r in resources.items() if r["Type"] == "AWS::KMS::Alias"]
    key = kms.describe_key(KeyId=physical[("mlspace-kms", key_id)])["KeyMetadata"]
    assert key["Enabled"] and key["KeyState"] == "Enabled"
    assert key["Description"] == resources[key_id]["Properties"]["Description"]
    tags = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key["KeyId"])["Tags"]}
    assert tags == {t["Key"]: t["Value"] for t in resources[key_id]["Properties"]["Tags"]}
    alias_name = resources[alias_id]["Properties"]["AliasName"]
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases.get(alias_name) == key["KeyId"]

    exports = {e["Name"] for e in emulator.client("cloudformation").list_exports()["Exports"]}
    declared = {o["Export"]["Name"] for o in template(tree, "mlspace-kms").get("Outputs", {}).values() if "Export" in o}
    assert declared and declared <= exports

    ec2 = emulator.client("ec2")
    vpc_resources = template_resources("mlspace-vpc", tree)
    [vpc_id] = [k for k, r in vpc_resources.items() if r["Type"] == "AWS::EC2::VPC"]
    [vpc] = ec2.describe_vpcs(VpcIds=[physical[("mlspace-vpc", vpc_id)]])["Vpcs"]
    assert vpc["CidrBlock"] == vpc_resources[vpc_id]["Properties"]["CidrBlock"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    assert len(subnets) == sum(r["Type"] == "AWS::EC2::Subnet" for r in vpc_resources.values())
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["VpcEndpoints"]
    assert len(endpoints) == sum(r["Type"] == "AWS::EC2::VPCEndpoint" for r in vpc_resources.values())

    iam = emulator.client("iam")
    for logical_id, resource in template_resources("mlspace-iam", tree).items():
        name = physical[("mlspace-iam", logical_id)]
        if resource["Type"] == "AWS::IAM::Role":
            role = iam.get_role(RoleName=name)["Role"]
            expected = resource["Properties"].get("RoleName")
            assert expected is None or role["RoleName"] == expected
        elif resource["Type"] == "AWS::IAM::ManagedPolicy":
            assert iam.get_policy(PolicyArn=name)["Policy"]["Arn"] == name

    sagemaker = emulator.client("sagemaker")
    for logical_id, resource in template_resources("mlspace-sagemaker", tree).items():
        assert resource["Type"] == "AWS::SageMaker::NotebookInstanceLifecycleConfig"
        name = resource["Properties"]["NotebookInstanceLifecycleConfigName"]
        config = sagemaker.describe_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName=name)
        assert config["NotebookInstanceLifecycleConfigName"] == name
        assert len(config["OnCreate"]) == len(resource["Properties"]["OnCreate"])
        assert len(config["OnStart"]) == len(resource["Properties"]["OnStart"])


def test_second_deploy_with_the_same_inputs_changes_nothing(cdk, emulator, tree):
    cloudformation = emulator.client("cloudformation")

    def events():
        return {s: len(cloudformation.describe_stack_events(StackName=s)["StackEvents"]) for s in DEPLOYED}

    before = events()
    result = cdk("deploy", *DEPLOYED, "--require-approval", "never").expect_success()
    for stack in DEPLOYED:
        assert f"✅  {stack} (no changes)" in result.output, result.output
    assert events() == before, "a deploy without changes must not touch the stacks"
    check_deployed(emulator, tree)


# --- our custom-resource handlers, on the emulator's S3 and DynamoDB -----------------------------

SAMPLE_VALUES = {
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::AccountId": ACCOUNT,
    "AWS::Region": REGION,
    "AWS::Partition": "aws",
}


def resolve(value, refs):
    """Resolves what a template property holds to what CloudFormation would hand the handler, with
    `refs` standing in for the resources the emulator did not create."""
    if isinstance(value, list):
        return [resolve(v, refs) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Ref":
            return SAMPLE_VALUES.get(argument) or refs[argument]
        if function == "Fn::GetAtt":
            return refs[f"{argument[0]}.{argument[1]}"]
        if function == "Fn::ImportValue":
            return refs[argument]
        if function == "Fn::Sub":
            return resolve_placeholders(argument)
        if function == "Fn::Join":
            return argument[0].join(str(resolve(v, refs)) for v in argument[1])
    return {k: resolve(v, refs) for k, v in value.items()}


def invoke(handler_name, properties, request_type="Create", logical_id="Resource"):
    from harness import CloudFormationEndpoint, FakeContext, load_handler

    module = load_handler(handler_name)
    endpoint = CloudFormationEndpoint()
    try:
        event = {
            "RequestType": request_type,
            "ServiceToken": properties.get("ServiceToken", "arn:aws:lambda:::function:handler"),
            "ResponseURL": endpoint.url,
            "StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/e2e/00000000-0000-0000-0000-000000000000",
            "RequestId": "e2e-1",
            "LogicalResourceId": logical_id,
            "ResourceType": "Custom::E2E",
            "ResourceProperties": properties,
        }
        module.handler(event, FakeContext())
        return endpoint.response
    finally:
        endpoint.close()


def test_bucket_deployment_handler_deploys_the_frontend_with_env_js_filled(emulator, tree):
    logical_id, properties = frontend_deployment(tree)
    resources = template(tree, "mlspace-web-tier")["Resources"]
    refs = {name: f"e2e{name[:12].lower()}" for name in resources}
    refs.update({f"{name}.Arn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}" for name in resources})
    event_properties = resolve(properties, refs)
    destination = event_properties["DestinationBucketName"]
    s3 = emulator.client("s3")
    s3.create_bucket(Bucket=destination)

    response = invoke("bucket_deployment", event_properties, logical_id=logical_id)
    assert response["Status"] == "SUCCESS", response

    deployed = {o["Key"] for o in s3.list_objects_v2(Bucket=destination).get("Contents", [])}
    build = files_under(tree / "frontend" / "build")
    assert set(build) - {"env.js"} <= deployed
    for name, data in build.items():
        if name != "env.js":
            assert object_bytes(s3, destination, name) == data, name
    env_js = object_bytes(s3, destination, "env.js").decode()
    assert "<<marker:" not in env_js, env_js
    for markers in event_properties["SourceMarkers"]:
        for marker, value in markers.items():
            assert str(value) in env_js, f"{marker} -> {value} missing from env.js:\n{env_js}"


def test_sdk_call_handler_writes_the_initial_app_config_to_dynamodb(emulator, tree):
    resources = template(tree, "mlspace-core")["Resources"]
    [(logical_id, call)] = [
        (k, r) for k, r in resources.items()
        if r["Type"] == "Custom::AWS" and '"action":"putItem"' in str(r["Properties"].get("Create", ""))
    ]
    refs = {name: f"e2e{name[:12].lower()}" for name in resources}
    create_text = resolve(call["Properties"]["Create"], refs)
    create = json.loads(create_text)
    table_name = create["parameters"]["TableName"]
    [table] = [
        r["Properties"] for r in resources.values()
        if r["Type"] == "AWS::DynamoDB::Table" and r["Properties"].get("TableName") == table_name
    ]
    dynamodb = emulator.client("dynamodb")
    dynamodb.create_table(
        TableName=table_name,
        KeySchema=table["KeySchema"],
        AttributeDefinitions=table["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
    )

    response = invoke("sdk_call", {"ServiceToken": "arn:aws:lambda:::function:sdk", "Create": create_text}, logical_id=logical_id)
    assert response["Status"] == "SUCCESS", response
    assert response["PhysicalResourceId"] == create["physicalResourceId"]["id"]

    items = dynamodb.scan(TableName=table_name)["Items"]
    assert len(items) == 1
    [item] = items
    expected = create["parameters"]["Item"]
    assert item["configScope"] == expected["configScope"] and item["versionId"] == expected["versionId"]
    assert set(item) == set(expected)
