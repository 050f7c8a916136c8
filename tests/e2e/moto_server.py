"""Start moto's server on a loopback address, with the emulator gaps our stacks hit closed.

    python moto_server.py [PORT]

Binds 127.0.0.1 only; without PORT (or with 0) it picks a free one. When it answers it prints
`moto-ready <port>` on its standard output. MOTO_S3_CUSTOM_ENDPOINTS defaults to
http://localhost:<port>, so template URLs the emulated CloudFormation is given resolve to it.

Every fix moves moto towards what AWS does and never touches our templates; each names the gap it
closes, so it can go once moto closes it. The two below are small; the CloudFormation engine,
custom resources, the missing models (emulator_fixes.py) and running Python Lambda functions
without Docker (lambda_runner.py) have their own modules. All are written for moto
emulator_fixes.MOTO_VERSION, which the server checks. A gap we do not close shows as a failed
request, or a line starting with emulator_fixes.FAILURE_MARK, in the server's log, which the suite
reads after every command.
"""

import os
import signal
import sys

import emulator_fixes
import lambda_runner


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


EMULATOR_FIXES = (
    _kms_key_properties_in_cloudformation_form,
    _lifecycle_config_keeps_its_name,
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
    emulator_fixes.install()
    for fix in EMULATOR_FIXES:
        fix()
    lambda_runner.install(endpoint=f"http://localhost:{port}")
    # TERM (how the suite stops us) exits through atexit, which removes the functions' code folders.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(f"moto-ready {port}", flush=True)
    server._thread.join()


if __name__ == "__main__":
    main()
