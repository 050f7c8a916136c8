"""Custom::CDKBucketDeployment: copy zipped assets into a bucket, with deploy-time values filled in.

Create/Update: every source zip is read straight from the asset bucket with
ranged GETs, member by member; each member is streamed through the marker
replacement and uploaded (multipart when large). Nothing is extracted to disk
and at most a few MiB of any file are in memory at a time, so a build of
several hundred MB fits a small function. With Prune, objects under the
destination prefix that no source provides any more are deleted afterwards.

Delete: with RetainOnDelete false, everything under the destination prefix is
removed, unless the bucket carries an `aws-cdk:cr-owned` tag for that prefix.

See README.md for the properties and how this differs from aws-cdk-lib's handler.
"""

import fnmatch
import json
import logging
import mimetypes
import re
import threading
import uuid
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

import cfn_response
from cfn_response import HandlerError, flag

logging.getLogger().setLevel(logging.INFO)
log = logging.getLogger(__name__)

MIB = 1024 * 1024
PHYSICAL_ID_PREFIX = "aws.cdk.s3deployment."
OWNER_TAG = "aws-cdk:cr-owned"
# Size of one ranged GET from a source zip (the only read cache).
READ_BLOCK = 4 * MIB
# Piece size of the marker replacement stream.
REPLACE_CHUNK = 1 * MIB
# Objects of at least this size go up as multipart uploads of this part size.
PART_SIZE = 8 * MIB
# Objects up to this size are uploaded by a small pool of threads, the rest one at a time.
SMALL_OBJECT = 1 * MIB
UPLOAD_WORKERS = 8
# Polling of a CloudFront invalidation: up to about 13 minutes (the watchdog answers if that is too long).
INVALIDATION_WAIT = {"Delay": 20, "MaxAttempts": 40}

# What reading a damaged archive member can raise.
MEMBER_READ_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, OSError, NotImplementedError)

# Web types that some hosts' mimetypes tables lack (Lambda has no /etc/mime.types).
EXTRA_CONTENT_TYPES = {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".map": "application/json",
    ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".yaml": "application/yaml",
    ".yml": "application/yaml",
    ".md": "text/markdown",
}

# SystemMetadata keys (as the CDK construct writes them) and the S3 request field each sets.
SYSTEM_METADATA_FIELDS = {
    "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition",
    "content-encoding": "ContentEncoding",
    "content-language": "ContentLanguage",
    "content-type": "ContentType",
    "expires": "Expires",
    "sse": "ServerSideEncryption",
    "sse-kms-key-id": "SSEKMSKeyId",
    "storage-class": "StorageClass",
    "website-redirect": "WebsiteRedirectLocation",
    "acl": "ACL",
}


def handler(event, context):
    cfn_response.run(event, context, deploy)


# --------------------------------------------------------------------------- request


def string_list(props, name, required=False):
    value = props.get(name)
    if value is None:
        if required:
            raise HandlerError(f"property {name} is required but missing")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise HandlerError(f"property {name} must be a list of strings, got {value!r}")
    return value


def mapping(props, name):
    value = props.get(name) or {}
    if not isinstance(value, dict):
        raise HandlerError(f"property {name} must be a map, got {value!r}")
    return value


def normalise_prefix(prefix):
    """Key prefix in directory form: "" or "some/dir/" ("/" counts as no prefix)."""
    prefix = (prefix or "").lstrip("/")
    if prefix and not prefix.endswith("/"):
        prefix += "/"
    return prefix


class Destination:
    def __init__(self, bucket, prefix):
        self.bucket = bucket
        self.raw_prefix = "" if prefix == "/" else (prefix or "")
        self.prefix = normalise_prefix(prefix)

    def __eq__(self, other):
        return (self.bucket, self.prefix) == (other.bucket, other.prefix)

    def __str__(self):
        return f"s3://{self.bucket}/{self.prefix}"


def destination_of(props, what):
    bucket = props.get("DestinationBucketName")
    if not bucket or not isinstance(bucket, str):
        raise HandlerError(f"{what} property DestinationBucketName is required but missing")
    return Destination(bucket, props.get("DestinationBucketKeyPrefix", ""))


class Source:
    def __init__(self, bucket, key, markers, json_escape):
        self.bucket = bucket
        self.key = key
        self.replacements = replacement_table(markers, json_escape, f"s3://{bucket}/{key}")

    def __str__(self):
        return f"s3://{self.bucket}/{self.key}"


def replacement_table(markers, json_escape, where):
    """Marker bytes -> replacement bytes; with json_escape the value is escaped for a JSON string."""
    table = {}
    for marker, value in markers.items():
        if not isinstance(value, str):
            value = json.dumps(value)
        if json_escape:
            value = json.dumps(value)[1:-1]
        if not marker:
            raise HandlerError(f"an empty marker name was given for source {where}")
        table[marker.encode("utf-8")] = value.encode("utf-8")
    return table


def sources_of(props):
    buckets = string_list(props, "SourceBucketNames", required=True)
    keys = string_list(props, "SourceObjectKeys", required=True)
    if len(buckets) != len(keys):
        raise HandlerError(
            f"SourceBucketNames has {len(buckets)} entries but SourceObjectKeys has {len(keys)}; they must pair up"
        )
    markers = props.get("SourceMarkers")
    configs = props.get("SourceMarkersConfig")
    markers = [{} for _ in buckets] if markers is None else markers
    configs = [{} for _ in buckets] if configs is None else configs
    for name, value in (("SourceMarkers", markers), ("SourceMarkersConfig", configs)):
        if not isinstance(value, list) or len(value) != len(buckets) or not all(isinstance(v, dict) for v in value):
            raise HandlerError(f"property {name} must be a list of {len(buckets)} maps (one per source), got {value!r}")
    return [
        Source(bucket, key, marker_map, flag(config, "jsonEscape", False))
        for bucket, key, marker_map, config in zip(buckets, keys, markers, configs)
    ]


def upload_arguments(props):
    """Fixed request fields for every uploaded object, from SystemMetadata and UserMetadata."""
    arguments = {}
    for key, value in mapping(props, "SystemMetadata").items():
        field = SYSTEM_METADATA_FIELDS.get(key.lower())
        if field is None:
            known = ", ".join(sorted(SYSTEM_METADATA_FIELDS))
            raise HandlerError(f"SystemMetadata key {key!r} is not supported (known: {known})")
        arguments[field] = value
    user = {key.lower(): str(value) for key, value in mapping(props, "UserMetadata").items()}
    if user:
        arguments["Metadata"] = user
    return arguments


def filters_of(props):
    # compat: the CDK handler passes every --exclude before every --include to `aws s3 sync`,
    # where the last matching filter decides; we keep that order.
    return [("exclude", p) for p in string_list(props, "Exclude")] + [
        ("include", p) for p in string_list(props, "Include")
    ]


def is_included(relative_key, filters):
    included = True
    for kind, pattern in filters:
        if fnmatch.fnmatchcase(relative_key, pattern):
            included = kind == "include"
    return included


# --------------------------------------------------------------------------- request types


def deploy(responder):
    event = responder.event
    request_type = event.get("RequestType")
    props = event.get("ResourceProperties") or {}
    if request_type not in ("Create", "Update", "Delete"):
        raise HandlerError(f"unknown RequestType {request_type!r}")

    if request_type == "Create":
        physical_id = PHYSICAL_ID_PREFIX + str(uuid.uuid4())
    else:
        physical_id = event.get("PhysicalResourceId")
        if not physical_id:
            raise HandlerError(f"the {request_type} request carries no PhysicalResourceId")
    responder.physical_id = physical_id

    destination = destination_of(props, "the")
    retain = flag(props, "RetainOnDelete", True)
    s3 = s3_client(sign_content=flag(props, "SignContent", False))

    if request_type == "Delete":
        if not retain:
            responder.step = f"emptying {destination}"
            empty_destination(s3, destination)
        return physical_id, {}

    sources = sources_of(props)
    extract = flag(props, "Extract", True)
    prune = flag(props, "Prune", True)
    output_keys = flag(props, "OutputObjectKeys", True)

    if request_type == "Update" and not retain:
        old_props = event.get("OldResourceProperties") or {}
        if old_props.get("DestinationBucketName"):
            old = destination_of(old_props, "the old")
            if old != destination:
                responder.step = f"emptying the previous destination {old}"
                empty_destination(s3, old)

    sync(s3, responder, sources, destination, extract, prune, filters_of(props), upload_arguments(props))

    distribution = props.get("DistributionId")
    if distribution:
        paths = string_list(props, "DistributionPaths") or [f"/{destination.prefix}*"]
        responder.step = f"invalidating CloudFront distribution {distribution} paths {paths}"
        invalidate(distribution, paths)

    data = {
        "DestinationBucketArn": props.get("DestinationBucketArn"),
        "SourceObjectKeys": props.get("SourceObjectKeys") if output_keys else [],
    }
    return physical_id, data


def s3_client(sign_content=False):
    options = {"retries": {"mode": "standard", "max_attempts": 5}, "max_pool_connections": UPLOAD_WORKERS + 2}
    if sign_content:
        options["s3"] = {"payload_signing_enabled": True}
    return boto3.client("s3", config=Config(**options))


def invalidate(distribution_id, paths):
    cloudfront = boto3.client("cloudfront")
    answer = cloudfront.create_invalidation(
        DistributionId=distribution_id,
        InvalidationBatch={"Paths": {"Quantity": len(paths), "Items": paths}, "CallerReference": str(uuid.uuid4())},
    )
    cloudfront.get_waiter("invalidation_completed").wait(
        DistributionId=distribution_id, Id=answer["Invalidation"]["Id"], WaiterConfig=INVALIDATION_WAIT
    )


# --------------------------------------------------------------------------- deleting


def owned_by_another_resource(s3, destination):
    """True when the bucket has a tag saying another custom resource owns this prefix."""
    tag = OWNER_TAG + (":" + destination.raw_prefix if destination.raw_prefix else "")
    try:
        tags = s3.get_bucket_tagging(Bucket=destination.bucket).get("TagSet", [])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchTagSet":
            log.warning("could not read the tags of bucket %s (%s); treating it as not owned", destination.bucket, error)
        return False
    return any(t.get("Key", "").startswith(tag) for t in tags)


def empty_destination(s3, destination):
    if owned_by_another_resource(s3, destination):
        log.info("%s is owned by another custom resource (tag %s); leaving its objects", destination, OWNER_TAG)
        return
    delete_keys(s3, destination.bucket, (key for key, _ in list_objects(s3, destination)))


def list_objects(s3, destination):
    """(key, key relative to the prefix) for every object under the destination prefix."""
    try:
        pages = s3.get_paginator("list_objects_v2").paginate(Bucket=destination.bucket, Prefix=destination.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"], item["Key"][len(destination.prefix):]
    except ClientError as error:
        raise HandlerError(f"cannot list {destination}: {describe(error)}") from error


def delete_keys(s3, bucket, keys):
    batch = []
    for key in keys:
        batch.append({"Key": key})
        if len(batch) == 1000:
            delete_batch(s3, bucket, batch)
            batch = []
    if batch:
        delete_batch(s3, bucket, batch)


def delete_batch(s3, bucket, batch):
    try:
        answer = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    except ClientError as error:
        raise HandlerError(f"cannot delete objects from bucket {bucket}: {describe(error)}") from error
    errors = answer.get("Errors") or []
    if errors:
        first = errors[0]
        raise HandlerError(
            f"cannot delete s3://{bucket}/{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
            f" ({len(errors)} object(s) failed)"
        )


# --------------------------------------------------------------------------- syncing


def sync(s3, responder, sources, destination, extract, prune, filters, arguments):
    written = set()
    uploader = Uploader(s3, destination.bucket, arguments)
    try:
        for source in sources:
            if extract:
                for relative_key, member in zip_members(s3, source, responder):
                    if not is_included(relative_key, filters):
                        continue
                    key = destination.prefix + relative_key
                    responder.step = f"uploading {relative_key} from {source} to s3://{destination.bucket}/{key}"
                    with member() as stream:
                        if source.replacements:
                            stream = MarkerReplacingReader(stream, source.replacements)
                        uploader.upload(key, stream, where=f"{relative_key} of {source}")
                    written.add(relative_key)
            else:
                relative_key = source.key.rsplit("/", 1)[-1]
                if not is_included(relative_key, filters):
                    continue
                key = destination.prefix + relative_key
                responder.step = f"copying {source} to s3://{destination.bucket}/{key}"
                uploader.copy(source, key)
                written.add(relative_key)
        responder.step = f"finishing uploads to {destination}"
        uploader.finish()
    finally:
        uploader.shutdown()

    if prune:
        responder.step = f"pruning {destination}"
        stale = [
            key
            for key, relative_key in list_objects(s3, destination)
            if relative_key not in written and is_included(relative_key, filters)
        ]
        log.info("pruning %d object(s) no source provides", len(stale))
        delete_keys(s3, destination.bucket, stale)


def zip_members(s3, source, responder):
    """(relative key, opener) for each file of a source zip, in archive order."""
    responder.step = f"reading the source zip {source}"
    remote = S3RangeFile(s3, source.bucket, source.key)
    try:
        archive = zipfile.ZipFile(remote)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as error:
        raise HandlerError(f"source {source} is not a readable zip archive ({type(error).__name__}: {error})") from error
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            relative_key = member_key(info.filename)
            if not relative_key:
                continue
            yield relative_key, lambda info=info: open_member(archive, info, source)


def open_member(archive, info, source):
    try:
        return archive.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError) as error:
        raise HandlerError(f"cannot read {info.filename} in source zip {source} ({type(error).__name__}: {error})") from error


def member_key(name):
    """The object key of a zip member: like extraction, drop absolute and parent-directory parts."""
    return "/".join(part for part in name.split("/") if part not in ("", ".", ".."))


def content_type(key):
    guessed, _ = mimetypes.guess_type(key, strict=False)
    if guessed:
        return guessed
    dot = key.rfind(".")
    return EXTRA_CONTENT_TYPES.get(key[dot:].lower()) if dot >= 0 else None


def describe(error):
    if isinstance(error, ClientError):
        details = error.response.get("Error", {})
        code = details.get("Code", "?")
        message = details.get("Message") or ""
        return f"{code} {message}".strip() + f" ({error.operation_name})"
    return f"{type(error).__name__}: {error}"


class S3RangeFile:
    """A read-only, seekable file over an S3 object, read with ranged GETs of READ_BLOCK bytes.

    zipfile needs random access (the directory sits at the end); this gives it
    without downloading the archive, and keeps one block in memory.
    """

    def __init__(self, s3, bucket, key):
        self.s3, self.bucket, self.key = s3, bucket, key
        self.where = f"s3://{bucket}/{key}"
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            raise HandlerError(f"cannot read source {self.where}: {describe(error)}; is the asset published?") from error
        self.size = head["ContentLength"]
        self.etag = head.get("ETag")
        self.position = 0
        self.block_start = 0
        self.block = b""

    def seekable(self):
        return True

    def readable(self):
        return True

    def tell(self):
        return self.position

    def seek(self, offset, whence=0):
        base = {0: 0, 1: self.position, 2: self.size}[whence]
        self.position = max(base + offset, 0)
        return self.position

    def read(self, size=-1):
        end = self.size if size is None or size < 0 else min(self.size, self.position + size)
        pieces = []
        while self.position < end:
            if not (self.block_start <= self.position < self.block_start + len(self.block)):
                self._load(self.position)
            offset = self.position - self.block_start
            piece = self.block[offset: offset + (end - self.position)]
            pieces.append(piece)
            self.position += len(piece)
        return b"".join(pieces)

    def close(self):
        self.block = b""

    def _load(self, start):
        last = min(start + READ_BLOCK, self.size) - 1
        arguments = {"Bucket": self.bucket, "Key": self.key, "Range": f"bytes={start}-{last}"}
        if self.etag:
            arguments["IfMatch"] = self.etag
        attempts = 3
        for attempt in range(1, attempts + 1):
            try:
                body = self.s3.get_object(**arguments)["Body"]
                try:
                    self.block = body.read()
                finally:
                    body.close()
                break
            except ClientError as error:
                raise HandlerError(f"cannot read bytes {start}-{last} of source {self.where}: {describe(error)}") from error
            except (BotoCoreError, OSError) as error:
                if attempt == attempts:
                    raise HandlerError(f"cannot read bytes {start}-{last} of source {self.where}: {describe(error)}") from error
                log.warning("reading %s failed (%s); retrying", self.where, error)
        self.block_start = start
        if len(self.block) != last - start + 1:
            raise HandlerError(f"source {self.where} returned {len(self.block)} bytes for range {start}-{last}; did it change?")


class MarkerReplacingReader:
    """Reads a stream with every marker replaced, holding back only enough bytes to see a marker whole."""

    def __init__(self, raw, replacements):
        self.raw = raw
        self.replacements = replacements
        self.pattern = re.compile(b"|".join(re.escape(m) for m in sorted(replacements, key=len, reverse=True)))
        self.hold = max(len(m) for m in replacements) - 1
        self.pending = b""
        self.ready = bytearray()
        self.done = False

    def read(self, size=-1):
        while not self.done and (size is None or size < 0 or len(self.ready) < size):
            self._advance()
        if size is None or size < 0 or size >= len(self.ready):
            out, self.ready = bytes(self.ready), bytearray()
            return out
        out = bytes(self.ready[:size])
        del self.ready[:size]
        return out

    def _advance(self):
        data = self.raw.read(REPLACE_CHUNK)
        buffer = self.pending + data
        if data:
            # a marker starting before `limit` lies wholly inside the buffer
            limit = max(len(buffer) - self.hold, 0)
        else:
            limit = len(buffer)
            self.done = True
        position = 0
        for match in self.pattern.finditer(buffer):
            if match.start() >= limit:
                break
            self.ready += buffer[position: match.start()]
            self.ready += self.replacements[match.group()]
            position = match.end()
        cut = max(position, limit)
        self.ready += buffer[position:cut]
        self.pending = buffer[cut:]

    def close(self):
        self.raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_up_to(stream, size):
    buffer = bytearray()
    while len(buffer) < size:
        piece = stream.read(min(REPLACE_CHUNK, size - len(buffer)))
        if not piece:
            break
        buffer += piece
    return buffer


class Uploader:
    """Uploads objects from streams: small ones by a few threads, large ones as multipart uploads."""

    def __init__(self, s3, bucket, arguments):
        self.s3 = s3
        self.bucket = bucket
        self.arguments = arguments
        self.pool = ThreadPoolExecutor(max_workers=UPLOAD_WORKERS)
        self.slots = threading.Semaphore(UPLOAD_WORKERS * 2)
        self.pending = []

    def fields(self, key):
        fields = {}
        guessed = content_type(key)
        if guessed:
            fields["ContentType"] = guessed
        fields.update(self.arguments)
        return fields

    def upload(self, key, stream, where):
        try:
            first = read_up_to(stream, PART_SIZE)
        except MEMBER_READ_ERRORS as error:
            raise HandlerError(f"cannot read {where} ({type(error).__name__}: {error})") from error
        if len(first) < PART_SIZE:
            if len(first) <= SMALL_OBJECT:
                self._check_pending()
                self.slots.acquire()
                future = self.pool.submit(self._put, key, first)
                future.add_done_callback(lambda _: self.slots.release())
                self.pending.append((key, future))
            else:
                self._put(key, first)
            return
        # hand the first part over without keeping a reference here, so it can be freed once sent
        parts = [first]
        del first
        self._multipart(key, parts, stream, where)

    def _put(self, key, body):
        try:
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=bytes(body), **self.fields(key))
        except (ClientError, BotoCoreError) as error:
            raise HandlerError(f"cannot upload s3://{self.bucket}/{key}: {describe(error)}") from error

    def _multipart(self, key, first_part, stream, where):
        """Multipart upload; `first_part` is a one-element list holding the part already read."""
        target = f"s3://{self.bucket}/{key}"
        try:
            upload_id = self.s3.create_multipart_upload(Bucket=self.bucket, Key=key, **self.fields(key))["UploadId"]
        except (ClientError, BotoCoreError) as error:
            raise HandlerError(f"cannot start a multipart upload to {target}: {describe(error)}") from error
        parts = []
        try:
            chunk = first_part.pop()
            while chunk:
                number = len(parts) + 1
                answer = self.s3.upload_part(
                    Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=chunk
                )
                parts.append({"ETag": answer["ETag"], "PartNumber": number})
                chunk = None  # let the part go before the next one is read
                chunk = read_up_to(stream, PART_SIZE)
            self.s3.complete_multipart_upload(
                Bucket=self.bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
            )
        except BaseException as error:
            try:
                self.s3.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
            except Exception:  # noqa: BLE001 - the original error matters more
                log.warning("could not abort the multipart upload of %s", target)
            if isinstance(error, (ClientError, BotoCoreError)):
                raise HandlerError(f"cannot upload {target} (part {len(parts) + 1}): {describe(error)}") from error
            if isinstance(error, MEMBER_READ_ERRORS):
                raise HandlerError(f"cannot read {where} ({type(error).__name__}: {error})") from error
            raise

    def copy(self, source, key):
        fields = self.fields(key)
        try:
            self.s3.copy(
                {"Bucket": source.bucket, "Key": source.key},
                self.bucket,
                key,
                ExtraArgs={"MetadataDirective": "REPLACE", **fields},
            )
        except (ClientError, BotoCoreError) as error:
            raise HandlerError(f"cannot copy {source} to s3://{self.bucket}/{key}: {describe(error)}") from error

    def _check_pending(self):
        still = []
        for key, future in self.pending:
            if future.done():
                future.result()
            else:
                still.append((key, future))
        self.pending = still

    def finish(self):
        for _, future in self.pending:
            future.result()
        self.pending = []

    def shutdown(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
