"""Start moto's server on a loopback address, with the few emulator gaps our stacks hit fixed.

    python moto_server.py [PORT]

Binds 127.0.0.1 only; without PORT (or with 0) it picks a free one. When it answers it prints
`moto-ready <port>` on its standard output. MOTO_S3_CUSTOM_ENDPOINTS defaults to
http://localhost:<port>, so template URLs the emulated CloudFormation is given resolve to it.

Every fix below moves moto towards what AWS does and never touches our templates; each names the
gap it closes, so it can go once moto closes it. A gap we do not fix shows as a failed request in
the server's log, which the suite reads.
"""

import os
import sys


def _kms_key_properties_in_cloudformation_form():
    """AWS::KMS::Key takes Tags as [{Key, Value}] and KeyPolicy as a JSON object (CloudFormation's
    forms). moto 5.2 hands both to KMS unchanged: its tagger expects [{TagKey, TagValue}] (KeyError
    'TagKey' on create) and its policy check expects a string (TypeError on every later call)."""
    import json

    from moto.kms import models

    original = models.Key.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = dict(cloudformation_json.get("Properties", {}))
        tags = properties.get("Tags")
        if tags and all("Key" in tag for tag in tags):
            properties["Tags"] = [{"TagKey": t["Key"], "TagValue": t["Value"]} for t in tags]
        if isinstance(properties.get("KeyPolicy"), dict):
            properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
        cloudformation_json = dict(cloudformation_json, Properties=properties)
        return original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)

    models.Key.create_from_cloudformation_json = classmethod(create)


def _lifecycle_config_keeps_its_name():
    """AWS::SageMaker::NotebookInstanceLifecycleConfig takes its name from
    NotebookInstanceLifecycleConfigName; moto 5.2 names it after the stack and logical id."""
    from moto.sagemaker import models

    models.FakeSageMakerNotebookInstanceLifecycleConfig.cloudformation_name_type = staticmethod(
        lambda: "NotebookInstanceLifecycleConfigName"
    )


def _change_set_stacks_see_and_make_exports():
    """A stack created or updated by executing a change set (what the cdk CLI does) can import
    the other stacks' exports and gets the Outputs and Exports of its new template. moto 5.2
    creates such a stack without the exports (Fn::ImportValue fails: "No export named ...") and
    keeps the outputs of the template it had before (none for a new stack)."""
    from moto.cloudformation import models

    create_change_set = models.CloudFormationBackend.create_change_set
    execute_change_set = models.CloudFormationBackend.execute_change_set

    def create(self, stack_name, *args, **kwargs):
        result = create_change_set(self, stack_name, *args, **kwargs)
        for stack in self.stacks.values():
            if stack.name == stack_name:
                stack.cross_stack_resources = self.exports
                stack.resource_map.cross_stack_resources = self.exports
        return result

    def execute(self, change_set_name, stack_name=None):
        execute_change_set(self, change_set_name, stack_name)
        # The change set moto just executed, found as it finds it (by id, else the last by name).
        change_set = self.change_sets.get(change_set_name) or [
            cs for cs in self.change_sets.values() if cs.change_set_name == change_set_name
        ][-1]
        stack = change_set.stack
        stack._parse_template()
        stack.output_map = stack._create_output_map()
        for export in stack.exports:
            self.exports[export.name] = export

    models.CloudFormationBackend.create_change_set = create
    models.CloudFormationBackend.execute_change_set = execute


EMULATOR_FIXES = (
    _kms_key_properties_in_cloudformation_form,
    _lifecycle_config_keeps_its_name,
    _change_set_stacks_see_and_make_exports,
)


def free_loopback_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    port = port or free_loopback_port()
    os.environ.setdefault("MOTO_S3_CUSTOM_ENDPOINTS", f"http://localhost:{port}")
    for fix in EMULATOR_FIXES:
        fix()
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(f"moto-ready {port}", flush=True)
    server._thread.join()


if __name__ == "__main__":
    main()
