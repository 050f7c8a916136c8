"""`cdk diff --exclusively --template <reference template>` for every stack, with our binary as the
app: the toolkit must report nothing but what we declared (tests/parity/deviations.json) and values
the TypeScript app stamps at synthesis time.

The tree is the example tree with each reference configuration's lib/config.json and
cdk.context.json. Its Lambda sources, lifecycle scripts, cluster config, frontend and layers are
our example files, not MLSpace's, so values made from them (asset hashes, script contents) differ
from the reference too, and are reported as such. Given MLSPACE_E2E_MLSPACE_TREES, a folder of
MLSpace checkouts laid out by ../shared/tools/mlspace-tree (one per configuration, by name), the
diff runs in those instead and that allowance is off.

Skipped, with a message, where ../shared/reference is absent."""

import fnmatch
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import REPO, SHARED, example_copy, run_cdk

REFERENCE = SHARED / "reference"
DEVIATIONS = json.loads((REPO / "tests" / "parity" / "deviations.json").read_text())

# Epoch times the TS app stamps into templates: on-deploy invocation ids (milliseconds) and the
# app-config item's createdAt (seconds).
EPOCH = re.compile(r"(?<![0-9A-Za-z])1\d{9}(?:\d{3})?(?![0-9])")
ASSET_HASH = re.compile(r"[0-9a-f]{64}")

# Values read from files the example tree replaces with its own (not MLSpace's):
# (stack, logical id pattern, property, the file).
EXAMPLE_FILE_VALUES = [
    ("mlspace-sagemaker", "*", "OnCreate", "lib/resources/sagemaker lifecycle scripts"),
    ("mlspace-sagemaker", "*", "OnStart", "lib/resources/sagemaker lifecycle scripts"),
    ("mlspace-core", "mlspaceinitddbappconfig*", "Create", "lib/resources/config/cluster-config.json"),
]


@dataclass
class Change:
    stack: str
    logical_id: str
    resource_type: str
    action: str  # "+", "-" or "~" for the resource
    prop: str = ""  # "" for the whole resource
    key: str = ""  # sub-key of Metadata
    removed: list = field(default_factory=list)
    added: list = field(default_factory=list)

    def __str__(self):
        where = ".".join(p for p in (self.prop, self.key) if p)
        lines = [f"[-] {v}" for v in self.removed] + [f"[+] {v}" for v in self.added]
        return f"{self.stack} {self.action} {self.resource_type} {self.logical_id} {where}\n    " + "\n    ".join(lines[:6])


RESOURCE = re.compile(r"^\[([-+~])\] (\S+) (\S+) (\S+)")
PROPERTY = re.compile(r"^ [├└]─ \[([-+~])\] (\S+)")
SUB_KEY = re.compile(r"^ [│ ]   [├└]─ \[[-+~]\] (?:\.(.+):|(?:Added|Removed): \.(.+))$")
VALUE = re.compile(r"\[([-+])\] ?(.*)$")
SECTION_HEADINGS = {"Resources", "Outputs", "Parameters", "Conditions", "Mappings", "Other Changes",
                    "IAM Statement Changes", "Security Group Changes"}


def parse(stack, text):
    """The changes a `cdk diff` report lists, one per resource property (per key for Metadata)."""
    changes, section, current = [], None, None
    for line in text.splitlines():
        if line in SECTION_HEADINGS or line.startswith("Stack "):
            section, current = line, None
            continue
        if section not in ("Resources", "Outputs"):
            continue
        match = RESOURCE.match(line)
        if match:
            action, resource_type, _path, logical_id = match.groups()
            if section == "Outputs":
                resource_type, logical_id = "Output", line.split()[2].rstrip(":")
            current = Change(stack, logical_id, resource_type, action)
            changes.append(current)
            continue
        if current is None:
            continue
        match = PROPERTY.match(line)
        if match:
            current = Change(stack, current.logical_id, current.resource_type, current.action, prop=match.group(2))
            if match.group(1) != "~":
                current.key = "(whole property)"
            changes.append(current)
            continue
        match = SUB_KEY.match(line)
        if match and current.prop == "Metadata":
            if current.key or current.removed or current.added:
                current = Change(stack, current.logical_id, current.resource_type, current.action, "Metadata")
                changes.append(current)
            current.key = match.group(1) or match.group(2)
            if match.group(2):
                current.added.append(line.split("] ", 1)[1])
            continue
        match = VALUE.search(line)
        if match and current.prop:
            (current.removed if match.group(1) == "-" else current.added).append(match.group(2).strip())
    # A resource line followed by property lines stands for those properties only.
    return [c for i, c in enumerate(changes)
            if c.prop or c.action != "~" or not (i + 1 < len(changes) and changes[i + 1].logical_id == c.logical_id)]


def declared(change):
    for deviation in DEVIATIONS:
        if deviation["stack"] != change.stack or not fnmatch.fnmatchcase(change.logical_id, deviation["resource"]):
            continue
        path = deviation.get("path")
        if path is None:
            return True
        if change.prop == "Metadata" and path == f"Metadata.{change.key}":
            return True
        if change.prop and path.split(".")[:2] == ["Properties", change.prop]:
            return True
    return False


def same_after(change, mask):
    return bool(change.removed or change.added) and sorted(mask.sub("#", v) for v in change.removed) == sorted(
        mask.sub("#", v) for v in change.added
    )


def explain(change, changes, example_inputs):
    """Why a reported change is expected, or None."""
    if declared(change):
        return "declared deviation"
    if change.resource_type == "AWS::ApiGateway::Deployment" and not change.prop:
        opposite = "+" if change.action == "-" else "-"
        if any(c.resource_type == change.resource_type and c.action == opposite and not c.prop for c in changes):
            return "synthesis time: the API deployment id"
    if same_after(change, EPOCH):
        return "synthesis time: epoch stamp"
    if example_inputs:
        if same_after(change, ASSET_HASH) or (change.prop == "Metadata" and change.key == "aws:asset:path"):
            return "example input: asset hash"
        for stack, pattern, prop, source in EXAMPLE_FILE_VALUES:
            if change.stack == stack and change.prop == prop and fnmatch.fnmatchcase(change.logical_id, pattern):
                return f"example input: {source}"
    return None


def configurations():
    if not REFERENCE.is_dir():
        return []
    return sorted(p.name for p in REFERENCE.iterdir() if (p / "config.json.input").is_file())


def stacks_of(reference):
    manifest = json.loads((reference / "manifest.json").read_text())
    return [name for name, a in manifest["artifacts"].items() if a["type"] == "aws:cloudformation:stack"]


def diff_tree(configuration, tmp_path):
    """(tree, example_inputs): where to run the diff for a configuration."""
    trees = os.environ.get("MLSPACE_E2E_MLSPACE_TREES")
    if trees and (Path(trees) / configuration / "lib" / "config.json").is_file():
        destination = tmp_path / "mlspace"
        shutil.copytree(Path(trees) / configuration, destination, symlinks=True,
                        ignore=shutil.ignore_patterns("cdk.out"))
        return destination, False
    reference = REFERENCE / configuration
    tree = example_copy(tmp_path / "tree", reference / "config.json.input", reference / "cdk.context.json.input")
    architecture = reference / "LAMBDA_ARCHITECTURE.input"
    if architecture.is_file():
        config_path = tree / "lib" / "config.json"
        config = json.loads(config_path.read_text())
        config["LAMBDA_ARCHITECTURE"] = architecture.read_text().strip()
        config_path.write_text(json.dumps(config, indent=2))
    return tree, True


def test_parser_sees_what_a_report_says():
    """The classifier is only as good as the parser: check it on a report of the toolkit's shape."""
    report = "\n".join([
        "Stack mlspace-core",
        "IAM Statement Changes",
        "┌───┬──────────┐",
        "│ + │ ${X.Arn} │",
        "Resources",
        "[-] AWS::Lambda::LayerVersion A/AwsCliLayer AAwsCliLayer12345678 destroy",
        "[~] AWS::Lambda::Function F FABCDEF12",
        " ├─ [~] Code",
        " │   └─ [~] .S3Key:",
        " │       ├─ [-] " + "a" * 64 + ".zip",
        " │       └─ [+] " + "b" * 64 + ".zip",
        " ├─ [-] Layers",
        ' │   └─ [{"Ref":"AAwsCliLayer12345678"}]',
        " └─ [~] Metadata",
        "     └─ [~] .aws:asset:path:",
        "         ├─ [-] asset." + "a" * 64,
        "         └─ [+] asset." + "b" * 64,
        "[~] AWS::Lambda::Function G GABCDEF12",
        " └─ [~] Metadata",
        "     ├─ [+] Added: .aws:asset:is-bundled",
        "     └─ [+] Added: .aws:asset:path",
        "[~] Custom::AWS c/Resource cABCDEF12",
        " └─ [~] Create",
        '     └─ [~] .Fn::Join:',
        '            [-]     "{\\"id\\":\\"x-1795563190736\\"}",',
        '            [+]     "{\\"id\\":\\"x-1795567131314\\"}",',
        "[~] AWS::S3::Bucket B B12345678",
        " └─ [~] BucketName",
        "     ├─ [-] old-name",
        "     └─ [+] new-name",
    ])
    changes = parse("mlspace-core", report)
    summary = [(c.logical_id, c.prop, c.key) for c in changes]
    assert summary == [
        ("AAwsCliLayer12345678", "", ""),
        ("FABCDEF12", "Code", ""),
        ("FABCDEF12", "Layers", "(whole property)"),
        ("FABCDEF12", "Metadata", "aws:asset:path"),
        ("GABCDEF12", "Metadata", "aws:asset:is-bundled"),
        ("GABCDEF12", "Metadata", "aws:asset:path"),
        ("cABCDEF12", "Create", ""),
        ("B12345678", "BucketName", ""),
    ]
    why = {c.logical_id + c.prop: explain(c, changes, example_inputs=True) for c in changes}
    assert why["FABCDEF12Code"] == "example input: asset hash"
    assert why["cABCDEF12Create"] == "synthesis time: epoch stamp"
    assert why["B12345678BucketName"] is None, "a real change must stay unexplained"
    strict = {c.logical_id + c.prop: explain(c, changes, example_inputs=False) for c in changes}
    assert strict["FABCDEF12Code"] is None, "in an MLSpace tree an asset hash change is real"


@pytest.mark.parametrize("configuration", configurations() or ["(none)"])
def test_diff_against_the_reference_shows_only_what_is_expected(configuration, tmp_path):
    if configuration == "(none)":
        pytest.skip(f"{REFERENCE} is absent: nothing to diff against")
    reference = REFERENCE / configuration
    tree, example_inputs = diff_tree(configuration, tmp_path)
    unexplained, explained = [], {}
    for stack in stacks_of(reference):
        result = run_cdk(tree, "diff", "--exclusively", "--template", str(reference / f"{stack}.template.json"), stack)
        result.expect_success()
        assert f"Stack {stack}" in result.output, result.output
        changes = parse(stack, result.output)
        for change in changes:
            why = explain(change, changes, example_inputs)
            if why is None:
                unexplained.append(str(change))
            else:
                explained[why] = explained.get(why, 0) + 1
    print(f"{configuration}: explained {explained}")
    assert not unexplained, f"{configuration}: {len(unexplained)} unexplained difference(s):\n" + "\n".join(unexplained)
    if not example_inputs:
        assert not any(why.startswith("example input") for why in explained)
