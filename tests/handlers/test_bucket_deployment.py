"""Custom::CDKBucketDeployment handler against moto's S3."""

import hashlib
import io
import json
import random
import tracemalloc
import zipfile

import boto3
import pytest
from moto import mock_aws

from conftest import FakeContext, load_handler

bd = load_handler("bucket_deployment")

ASSETS = "cdk-assets-123456789012-us-east-1"
DEST = "mlspace-website-123456789012"
TYPE = "Custom::CDKBucketDeployment"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=ASSETS)
        client.create_bucket(Bucket=DEST)
        yield client


def zip_bytes(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def put_asset(s3, key, members):
    s3.put_object(Bucket=ASSETS, Key=key, Body=zip_bytes(members))
    return key


def read(s3, key, bucket=DEST):
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def keys(s3, bucket=DEST):
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def props(source_keys, **extra):
    base = {
        "SourceBucketNames": [ASSETS] * len(source_keys),
        "SourceObjectKeys": source_keys,
        "DestinationBucketName": DEST,
        "Prune": "true",
        "OutputObjectKeys": "true",
    }
    base.update(extra)
    return base


def run(event):
    bd.handler(event, FakeContext())


def test_create_replaces_plain_and_json_escaped_markers(s3, cfn, make_event):
    site = put_asset(s3, "site.zip", {"index.html": "<h1>hi</h1>", "static/app.js": "x=1", "logo.svg": "<svg/>"})
    env = put_asset(s3, "env.zip", {"env.js": 'window.env = {"api":"https://<<marker:0xbaba:0>>.example.com"};'})
    config = put_asset(s3, "config.zip", {"config.json": '{"kms":"<<marker:0xbaba:0>>","note":"<<marker:0xbaba:1>>"}'})
    event = make_event(
        TYPE,
        "Create",
        props(
            [site, env, config],
            SourceMarkers=[
                {},
                {"<<marker:0xbaba:0>>": "abc123"},
                {"<<marker:0xbaba:0>>": "key-1", "<<marker:0xbaba:1>>": 'say "a\\b"\n'},
            ],
            SourceMarkersConfig=[{}, {}, {"jsonEscape": "true"}],
            DestinationBucketArn="arn:aws:s3:::" + DEST,
        ),
    )
    run(event)

    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"].startswith("aws.cdk.s3deployment.")
    assert answer["Data"] == {"DestinationBucketArn": "arn:aws:s3:::" + DEST, "SourceObjectKeys": [site, env, config]}
    assert answer["StackId"] == event["StackId"] and answer["RequestId"] == event["RequestId"]
    assert answer["LogicalResourceId"] == "Resource1"
    assert keys(s3) == ["config.json", "env.js", "index.html", "logo.svg", "static/app.js"]
    assert read(s3, "env.js") == b'window.env = {"api":"https://abc123.example.com"};'
    # jsonEscape: each value is escaped as inside a JSON string, so the file stays valid JSON
    config_text = read(s3, "config.json")
    assert config_text == b'{"kms":"key-1","note":"say \\"a\\\\b\\"\\n"}'
    assert json.loads(config_text) == {"kms": "key-1", "note": 'say "a\\b"\n'}
    head = s3.head_object(Bucket=DEST, Key="index.html")
    assert head["ContentType"] == "text/html"
    assert s3.head_object(Bucket=DEST, Key="static/app.js")["ContentType"] in ("text/javascript", "application/javascript")
    assert s3.head_object(Bucket=DEST, Key="logo.svg")["ContentType"] == "image/svg+xml"


def test_prune_deletes_what_no_source_has_but_keeps_excluded(s3, cfn, make_event):
    s3.put_object(Bucket=DEST, Key="old.html", Body=b"stale")
    s3.put_object(Bucket=DEST, Key="keep/me.txt", Body=b"excluded from sync")
    s3.put_object(Bucket="mlspace-website-123456789012", Key="index.html", Body=b"old version")
    site = put_asset(s3, "site.zip", {"index.html": "new", "keep/skipped.txt": "not uploaded"})
    run(make_event(TYPE, "Update", props([site], Exclude=["keep/*"]), old_properties=props([site]), physical_id="aws.cdk.s3deployment.x"))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    assert answer["PhysicalResourceId"] == "aws.cdk.s3deployment.x"
    assert keys(s3) == ["index.html", "keep/me.txt"]
    assert read(s3, "index.html") == b"new"


def test_include_after_exclude_wins(s3, cfn, make_event):
    site = put_asset(s3, "site.zip", {"a.txt": "a", "b.txt": "b", "c.json": "{}"})
    run(make_event(TYPE, "Create", props([site], Exclude=["*"], Include=["*.txt"])))
    assert cfn.response["Status"] == "SUCCESS"
    assert keys(s3) == ["a.txt", "b.txt"]


def test_prune_false_keeps_other_objects_under_prefix(s3, cfn, make_event):
    s3.put_object(Bucket=DEST, Key="global-read-only/resources/user-file.csv", Body=b"mine")
    s3.put_object(Bucket=DEST, Key="elsewhere.txt", Body=b"outside the prefix")
    data = put_asset(s3, "data.zip", {"sample/data.csv": "1,2"})
    run(make_event(TYPE, "Create", props([data], Prune="false", DestinationBucketKeyPrefix="global-read-only/resources/")))
    assert cfn.response["Status"] == "SUCCESS"
    assert keys(s3) == [
        "elsewhere.txt",
        "global-read-only/resources/sample/data.csv",
        "global-read-only/resources/user-file.csv",
    ]


def test_prune_stays_inside_the_prefix(s3, cfn, make_event):
    s3.put_object(Bucket=DEST, Key="outside.txt", Body=b"not ours")
    s3.put_object(Bucket=DEST, Key="web/stale.txt", Body=b"ours, stale")
    site = put_asset(s3, "site.zip", {"index.html": "x"})
    run(make_event(TYPE, "Create", props([site], DestinationBucketKeyPrefix="web")))
    assert cfn.response["Status"] == "SUCCESS"
    assert keys(s3) == ["outside.txt", "web/index.html"]


def test_extract_false_copies_the_archive_itself(s3, cfn, make_event):
    layer = put_asset(s3, "abc123.zip", {"python/x.py": "print(1)"})
    run(make_event(TYPE, "Create", props([layer], Extract="false", DestinationBucketKeyPrefix="/")))
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    assert keys(s3) == ["abc123.zip"]
    assert read(s3, "abc123.zip") == read(s3, layer, bucket=ASSETS)
    assert s3.head_object(Bucket=DEST, Key="abc123.zip")["ContentType"] == "application/zip"


def test_metadata_is_applied(s3, cfn, make_event):
    site = put_asset(s3, "site.zip", {"index.html": "x"})
    run(
        make_event(
            TYPE,
            "Create",
            props([site], SystemMetadata={"cache-control": "max-age=60"}, UserMetadata={"Team": "ml"}),
        )
    )
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    head = s3.head_object(Bucket=DEST, Key="index.html")
    assert head["CacheControl"] == "max-age=60"
    assert head["Metadata"] == {"team": "ml"}


def test_output_object_keys_false_returns_empty_list(s3, cfn, make_event):
    site = put_asset(s3, "site.zip", {"index.html": "x"})
    run(make_event(TYPE, "Create", props([site], OutputObjectKeys="false")))
    assert cfn.response["Data"] == {"DestinationBucketArn": None, "SourceObjectKeys": []}


def test_delete_retains_by_default(s3, cfn, make_event):
    s3.put_object(Bucket=DEST, Key="index.html", Body=b"x")
    run(make_event(TYPE, "Delete", props(["site.zip"]), physical_id="aws.cdk.s3deployment.1"))
    answer = cfn.response
    assert answer["Status"] == "SUCCESS"
    assert answer["PhysicalResourceId"] == "aws.cdk.s3deployment.1"
    assert keys(s3) == ["index.html"]


def test_delete_without_retain_empties_the_prefix(s3, cfn, make_event):
    for key in ("web/a.txt", "web/b/c.txt", "other.txt"):
        s3.put_object(Bucket=DEST, Key=key, Body=b"x")
    event = make_event(
        TYPE,
        "Delete",
        props(["site.zip"], RetainOnDelete="false", DestinationBucketKeyPrefix="web/"),
        physical_id="aws.cdk.s3deployment.1",
    )
    run(event)
    assert cfn.response["Status"] == "SUCCESS"
    assert keys(s3) == ["other.txt"]


def test_delete_leaves_a_bucket_owned_by_another_resource(s3, cfn, make_event):
    s3.put_object(Bucket=DEST, Key="web/a.txt", Body=b"x")
    s3.put_bucket_tagging(Bucket=DEST, Tagging={"TagSet": [{"Key": "aws-cdk:cr-owned:web/:1234abcd", "Value": "true"}]})
    run(
        make_event(
            TYPE,
            "Delete",
            props(["site.zip"], RetainOnDelete="false", DestinationBucketKeyPrefix="web/"),
            physical_id="aws.cdk.s3deployment.1",
        )
    )
    assert cfn.response["Status"] == "SUCCESS"
    assert keys(s3) == ["web/a.txt"]


def test_update_to_new_destination_empties_the_old_one(s3, cfn, make_event):
    s3.put_object(Bucket=DEST, Key="v1/index.html", Body=b"old")
    site = put_asset(s3, "site.zip", {"index.html": "new"})
    run(
        make_event(
            TYPE,
            "Update",
            props([site], RetainOnDelete="false", DestinationBucketKeyPrefix="v2/"),
            old_properties=props([site], RetainOnDelete="false", DestinationBucketKeyPrefix="v1/"),
            physical_id="aws.cdk.s3deployment.1",
        )
    )
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    assert keys(s3) == ["v2/index.html"]


def test_bad_zip_fails_with_the_source_named(s3, cfn, make_event):
    s3.put_object(Bucket=ASSETS, Key="broken.zip", Body=b"this is not a zip archive at all")
    run(make_event(TYPE, "Create", props(["broken.zip"])))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert f"s3://{ASSETS}/broken.zip is not a readable zip archive" in answer["Reason"]
    assert FakeContext.log_stream_name in answer["Reason"]
    assert keys(s3) == []


def test_missing_source_fails_with_the_key_named(s3, cfn, make_event):
    run(make_event(TYPE, "Create", props(["nowhere.zip"])))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert f"cannot read source s3://{ASSETS}/nowhere.zip" in answer["Reason"]
    assert "404" in answer["Reason"] or "NotFound" in answer["Reason"]


def test_missing_destination_bucket_fails_with_the_upload_named(s3, cfn, make_event):
    site = put_asset(s3, "site.zip", {"index.html": "x"})
    run(make_event(TYPE, "Create", props([site], DestinationBucketName="no-such-bucket")))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "s3://no-such-bucket/index.html" in answer["Reason"]
    assert "NoSuchBucket" in answer["Reason"]


def test_missing_required_property_fails(s3, cfn, make_event):
    event = make_event(TYPE, "Create", {"DestinationBucketName": DEST, "SourceObjectKeys": ["a.zip"]})
    run(event)
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "SourceBucketNames is required" in answer["Reason"]


def test_update_without_physical_id_fails(s3, cfn, make_event):
    run(make_event(TYPE, "Update", props(["site.zip"]), old_properties=props(["site.zip"])))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "no PhysicalResourceId" in answer["Reason"]


def test_corrupt_member_fails_with_member_named(s3, cfn, make_event):
    content = random.Random(7).randbytes(20000)
    good = zip_bytes({"index.html": content})
    # flip bytes inside the compressed data of the member (its local header is 30 + 10 bytes)
    broken = bytearray(good)
    for i in range(5000, 5040):
        broken[i] ^= 0xFF
    s3.put_object(Bucket=ASSETS, Key="corrupt.zip", Body=bytes(broken))
    run(make_event(TYPE, "Create", props(["corrupt.zip"])))
    answer = cfn.response
    assert answer["Status"] == "FAILED"
    assert "index.html" in answer["Reason"] and "corrupt.zip" in answer["Reason"]


# ---------------------------------------------------------------- streaming


def test_large_member_streams_with_bounded_memory(s3, cfn, make_event, monkeypatch):
    size = 50 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("big/zeros.bin", "w", force_zip64=True) as member:
            member.write(b"<<marker:0xbaba:0>>")
            block = bytes(1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
            member.write(b"<<marker:0xbaba:0>>")
        archive.writestr("small.txt", "v=<<marker:0xbaba:0>>")
    s3.put_object(Bucket=ASSETS, Key="big.zip", Body=buffer.getvalue())
    del buffer

    # Multipart uploads go to a counting sink instead of moto, which would hold the
    # whole object in memory and blur the measurement of the handler's own use.
    received = {}
    real_client = bd.s3_client

    class CountingS3:
        def __init__(self, real):
            self.real = real

        def __getattr__(self, name):
            return getattr(self.real, name)

        def create_multipart_upload(self, **kwargs):
            received[kwargs["Key"]] = [hashlib.sha256(), 0, None]
            return {"UploadId": "u1"}

        def upload_part(self, **kwargs):
            entry = received[kwargs["Key"]]
            entry[0].update(kwargs["Body"])
            entry[1] += len(kwargs["Body"])
            return {"ETag": '"part"'}

        def complete_multipart_upload(self, **kwargs):
            received[kwargs["Key"]][2] = len(kwargs["MultipartUpload"]["Parts"])

        def abort_multipart_upload(self, **kwargs):
            pass

    monkeypatch.setattr(bd, "s3_client", lambda **options: CountingS3(real_client(**options)))

    event = make_event(TYPE, "Create", props(["big.zip"], SourceMarkers=[{"<<marker:0xbaba:0>>": "VALUE"}]))
    tracemalloc.start(25)
    try:
        run(event)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    print(f"peak traced memory: {peak / 2**20:.1f} MiB")

    answer = cfn.response
    assert answer["Status"] == "SUCCESS", answer["Reason"]
    expected = hashlib.sha256(b"VALUE" + bytes(size) + b"VALUE").hexdigest()
    digest, length, parts = received["big/zeros.bin"]
    assert length == size + 10
    assert digest.hexdigest() == expected
    assert parts == -(-(size + 10) // bd.PART_SIZE)
    assert read(s3, "small.txt") == b"v=VALUE"
    assert peak < 20 * 1024 * 1024, f"peak traced memory {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB member"


def test_multipart_upload_through_s3(s3, cfn, make_event):
    content = random.Random(3).randbytes(bd.PART_SIZE + 12345)
    put_asset(s3, "big.zip", {"model.bin": content})
    run(make_event(TYPE, "Create", props(["big.zip"])))
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    assert read(s3, "model.bin") == content


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 19, 20, 64])
def test_marker_replacement_across_chunk_boundaries(monkeypatch, chunk):
    monkeypatch.setattr(bd, "REPLACE_CHUNK", chunk)
    markers = {b"<<marker:0xbaba:0>>": b"A", b"<<marker:0xbaba:1>>": b"", b"<<marker:0xbaba:10>>": b"long value " * 3}
    rng = random.Random(chunk)
    pieces = []
    for _ in range(200):
        pieces.append(rng.choice([b"x", b"<<", b"<<marker:", b"\n", b"0xbaba"] + list(markers)))
    text = b"".join(pieces)
    expected = text
    # reference: one pass, leftmost match first (markers never overlap one another)
    import re

    pattern = re.compile(b"|".join(re.escape(m) for m in sorted(markers, key=len, reverse=True)))
    expected = pattern.sub(lambda m: markers[m.group()], text)
    reader = bd.MarkerReplacingReader(io.BytesIO(text), markers)
    out = bytearray()
    while True:
        piece = reader.read(rng.randint(1, 50))
        if not piece:
            break
        out += piece
    assert bytes(out) == expected
    assert b"<<marker:0xbaba:0>>" not in out


def test_member_keys_cannot_escape_the_prefix():
    assert bd.member_key("../../etc/passwd") == "etc/passwd"
    assert bd.member_key("/abs/./file.txt") == "abs/file.txt"
    assert bd.member_key("dir/") == "dir"


def test_distribution_is_invalidated(s3, cfn, make_event, monkeypatch):
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    distribution = cloudfront.create_distribution(
        DistributionConfig={
            "CallerReference": "test",
            "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": f"{DEST}.s3.amazonaws.com", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all"},
            "Comment": "",
            "Enabled": True,
        }
    )["Distribution"]["Id"]
    # moto reports "COMPLETED" where CloudFront (and so the waiter) says "Completed"
    def completed(parsed, **_):
        parsed.get("Invalidation", {})["Status"] = "Completed"

    boto3.setup_default_session()
    boto3.DEFAULT_SESSION.events.register("after-call.cloudfront.GetInvalidation", completed)
    monkeypatch.setattr(bd, "INVALIDATION_WAIT", {"Delay": 1, "MaxAttempts": 2})
    site = put_asset(s3, "site.zip", {"index.html": "x"})
    try:
        run(make_event(TYPE, "Create", props([site], DistributionId=distribution, DestinationBucketKeyPrefix="web")))
    finally:
        boto3.DEFAULT_SESSION = None
    assert cfn.response["Status"] == "SUCCESS", cfn.response["Reason"]
    batches = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"]["Items"]
    assert len(batches) == 1
    invalidation = cloudfront.get_invalidation(DistributionId=distribution, Id=batches[0]["Id"])["Invalidation"]
    assert invalidation["InvalidationBatch"]["Paths"]["Items"] == ["/web/*"]
