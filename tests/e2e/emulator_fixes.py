"""The gaps between moto's CloudFormation and AWS that our 18 stacks hit, each closed towards what
AWS does. Written for, and pinned to, moto 5.2.5 (MOTO_VERSION): the server refuses to start on
another version, so each fix is looked at again when moto moves.

Every fix is a function named after the gap it closes, with the gap in its docstring. Where a fix
does not do what AWS does, its docstring says "Not faithful" and how (README.md lists them too).

The emulator never hides a failure: a resource type without a model, a resource it cannot update,
a custom resource whose handler fails or does not answer, end the stack operation in a *_FAILED
status with the reason in the stack's events, and a line starting with FAILURE_MARK in the
server's log, which the suite reads after every command (tests/e2e/conftest.py).
"""

import inspect
import json
import sys
import threading
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MOTO_VERSION = "5.2.5"
# moto's model metaclass files every model under the service named by its module (moto.SERVICE...).
MODEL_MODULE = "moto.cloudformation.emulator_fixes"
FAILURE_MARK = "emulator-failure:"
# Each request CloudFormation sends a custom resource, with its answer, is logged as one JSON line
# after this mark (the suite checks what the handlers were sent and what they answered).
REQUEST_MARK = "emulator-custom-resource:"
# Types with no service behind them on AWS either: created and deleted as records only.
RECORD_ONLY_TYPES = ("AWS::CDK::Metadata",)
# One stack operation at a time, as the cdk CLI runs them (--concurrency 1).
_STACK_OPERATIONS = threading.Lock()


class EmulatorGap(Exception):
    """What the emulator cannot do; it fails the stack operation that needed it."""


def report_failure(what, error):
    trace = "".join(traceback.format_exception(error))[-4000:]
    sys.stderr.write(f"{FAILURE_MARK} {what}: {type(error).__name__}: {error}\n{trace}\n")
    sys.stderr.flush()


def check_moto_version():
    import moto

    if moto.__version__ != MOTO_VERSION:
        raise SystemExit(
            f"tests/e2e/emulator_fixes.py was written for moto {MOTO_VERSION}, this is {moto.__version__}: "
            "check each fix against it (drop the ones moto closed), then update MOTO_VERSION"
        )


# --- CloudFormation engine -------------------------------------------------------------------


def _references(value, names):
    """Logical ids of `names` that `value` (a resource's JSON) refers to: Ref, Fn::GetAtt, Fn::Sub."""
    found = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str) and item in names:
                found.add(item)
            elif key == "Fn::GetAtt":
                target = item[0] if isinstance(item, list) else str(item).split(".")[0]
                if target in names:
                    found.add(target)
            elif key == "Fn::Sub":
                text = item[0] if isinstance(item, list) else item
                import re

                for reference in re.findall(r"\$\{([^}!]+)\}", text):
                    if reference.split(".")[0] in names:
                        found.add(reference.split(".")[0])
                if isinstance(item, list):
                    found |= _references(item[1], names)
            else:
                found |= _references(item, names)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item, names)
    return found


def dependency_order(resources):
    """Logical ids of `resources` (template Resources) so that each comes after what it depends on
    (DependsOn, Ref, Fn::GetAtt, Fn::Sub), as CloudFormation orders creation."""
    names = set(resources)
    depends = {}
    for name, resource in resources.items():
        explicit = resource.get("DependsOn", [])
        explicit = [explicit] if isinstance(explicit, str) else explicit
        depends[name] = ({d for d in explicit if d in names} | _references(resource, names)) - {name}
    ordered, done, visiting = [], set(), set()

    def visit(name):
        if name in done:
            return
        if name in visiting:
            raise EmulatorGap(f"circular dependency through {name}")
        visiting.add(name)
        for dependency in sorted(depends[name]):
            visit(dependency)
        visiting.discard(name)
        done.add(name)
        ordered.append(name)

    for name in resources:
        visit(name)
    return ordered


def every_type_has_a_model_or_fails():
    """Gap: moto skips a resource type it has no model for, with a warning, and still marks the
    stack complete (mlspace-iam's AWS::ApiGateway::Account was skipped that way). Here such a type
    fails the stack operation. AWS::CDK::Metadata, which no service holds on AWS either, is kept as
    a record so it is listed like the others."""
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    class RecordOnly(CloudFormationModel):
        __module__ = MODEL_MODULE

        def __init__(self, name):
            self.name = name

        @staticmethod
        def cloudformation_type():
            return "AWS::CDK::Metadata"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            return cls(resource_name)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            return original_resource

        @classmethod
        def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
            pass

        @property
        def physical_resource_id(self):
            return self.name

    original = parsing.resource_class_from_type

    def resource_class_from_type(resource_type):
        if resource_type in parsing.NULL_MODELS or resource_type.startswith("Custom::"):
            return original(resource_type)
        model = parsing.get_model_map().get(resource_type)
        if model is None:
            raise EmulatorGap(f"the emulator has no model for {resource_type}")
        return model

    parsing.resource_class_from_type = resource_class_from_type

    create = parsing.parse_and_create_resource

    def parse_and_create_resource(logical_id, resource_json, resources_map, account_id, region_name):
        try:
            return create(logical_id, resource_json, resources_map, account_id, region_name)
        except Exception as error:
            if not hasattr(error, "emulator_resource"):
                error.emulator_resource = (logical_id, resource_json.get("Type"))
            raise

    parsing.parse_and_create_resource = parse_and_create_resource

    clean_json = parsing.clean_json

    def clean_json_failing_on_unknown_attributes(resource_json, resources_map):
        # moto logs a warning and goes on with the unresolved Fn::GetAtt when a model lacks the
        # attribute; AWS fails the template.
        if isinstance(resource_json, dict) and isinstance(resource_json.get("Fn::GetAtt"), list):
            name, attribute = resource_json["Fn::GetAtt"][:2]
            resource = resources_map.get(name)
            if resource is not None and hasattr(resource, "get_cfn_attribute"):
                try:
                    return resource.get_cfn_attribute(attribute)
                except NotImplementedError:
                    raise EmulatorGap(f"the emulator's model has no Fn::GetAtt {attribute} for {name}")
        return clean_json(resource_json, resources_map)

    parsing.clean_json = clean_json_failing_on_unknown_attributes


def change_sets_follow_dependencies_and_update_in_place():
    """Gaps: executing a change set creates the new resources in template order, ignoring DependsOn
    (an API Gateway Deployment was created before its Methods); it removes resources before adding
    the new ones; a changed resource whose model cannot update is silently dropped from the stack;
    a stack delete tries resources in any order and retries on error (a custom resource's function
    could go before the custom resource's Delete). Here: add in dependency order, then update,
    then remove in reverse dependency order (CloudFormation's cleanup phase); a change the model
    cannot make fails; delete in reverse dependency order, keeping DeletionPolicy Retain."""
    from moto.cloudformation import parsing

    def update(self, template, parameters=None):
        old_resources = self._resource_json_map
        names = self.build_resource_diff(template, parameters)
        self._template = template
        if parameters:
            self.input_parameters = parameters
        self.load_mapping()
        self.load_parameters()
        self.load_conditions()
        self._resource_json_map = template["Resources"]
        new_order = dependency_order(template["Resources"])
        for logical_id in [n for n in new_order if n in names["Add"]]:
            _ = self[logical_id]
        for logical_id in [n for n in new_order if n in names["Modify"]]:
            resource_json = self._resource_json_map[logical_id]
            resource_class = parsing.resource_class_from_type(resource_json["Type"])
            if resource_class is None:
                continue
            if hasattr(resource_class.update_from_cloudformation_json, "__isabstractmethod__"):
                error = EmulatorGap(f"the emulator cannot update {resource_json['Type']} {logical_id}")
                error.emulator_resource = (logical_id, resource_json["Type"])
                raise error
            try:
                changed = parsing.parse_and_update_resource(
                    logical_id, resource_json, self, account_id=self._account_id, region_name=self._region_name
                )
            except Exception as error:
                error.emulator_resource = (logical_id, resource_json["Type"])
                raise
            self._parsed_resources[logical_id] = changed
        for logical_id in reversed(dependency_order(old_resources)):
            if logical_id in names["Remove"]:
                resource = self._parsed_resources.pop(logical_id, None)
                if resource is not None and old_resources[logical_id].get("DeletionPolicy") != "Retain":
                    self._delete_resource(resource, old_resources[logical_id])

    def delete(self):
        for logical_id in reversed(dependency_order(self._resource_json_map)):
            resource_json = self._resource_json_map[logical_id]
            resource = self._parsed_resources.get(logical_id)
            if resource is None or isinstance(resource, str):
                continue
            if resource_json.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate"):
                continue
            try:
                self._delete_resource(resource, resource_json)
            except Exception as error:
                error.emulator_resource = (logical_id, resource_json["Type"])
                raise
            self._parsed_resources.pop(logical_id)
        self.emulator_deleted = True

    # moto's map creates a resource on first lookup: describing a deleted stack (its outputs)
    # created its resources again. Once the stack is deleted, a lookup finds nothing.
    getitem = parsing.ResourceMap.__getitem__

    def lookup(self, key):
        if getattr(self, "emulator_deleted", False) and key not in self._parsed_resources:
            return None
        return getitem(self, key)

    parsing.ResourceMap.update = update
    parsing.ResourceMap.delete = delete
    parsing.ResourceMap.__getitem__ = lookup


def _resource_event(stack, logical_id, resource_type, status, reason):
    from moto.cloudformation.models import Event

    stack.events.append(Event(
        stack_id=stack.stack_id, stack_name=stack.name, logical_resource_id=logical_id,
        physical_resource_id=None, resource_type=resource_type, resource_status=status,
        resource_status_reason=reason, resource_properties=None,
    ))


def _fail_stack(stack, operation, error):
    reason = f"{type(error).__name__}: {error}"
    logical_id, resource_type = getattr(error, "emulator_resource", (None, None))
    stack.status = f"{operation}_FAILED"
    stack.status_reason = reason
    report_failure(f"stack {stack.name}: {operation} failed at {logical_id or 'the stack'}", error)
    if logical_id:
        _resource_event(stack, logical_id, resource_type, f"{operation}_FAILED", reason)
    stack._add_stack_event(f"{operation}_FAILED", resource_status_reason=reason)


def change_sets_run_like_cloudformation():
    """Gaps: (1) change sets are looked up by name across all stacks (the cdk CLI names every one
    cdk-deploy-change-set), so a second `cdk deploy --all` found another stack's change set and hung;
    on AWS the name is looked up in the given stack, and executing a change set removes the stack's
    other change sets. (2) Executing a change set does all the work inside the ExecuteChangeSet
    request, and an error there is a 500 the SDK retries, leaving a stack that claims success; on
    AWS the call returns at once, the stack is *_IN_PROGRESS, and a failure ends in a failed
    status with its reason. (3) A stack made or updated by a change set gets neither the exports
    of the other stacks (Fn::ImportValue failed) nor the outputs and exports of its new template.

    Not faithful: a failed operation is not rolled back; the stack keeps what was made, in
    CREATE_FAILED / UPDATE_FAILED / DELETE_FAILED (the suite fails on any of them)."""
    from moto.cloudformation import models, responses
    from moto.cloudformation.exceptions import CloudFormationError

    class ChangeSetNotFound(CloudFormationError):
        # What AWS answers for a change set name the stack does not have (the cdk CLI expects it
        # when it removes a previous change set before making its own).
        code = "ChangeSetNotFound"

    def find_change_set(backend, name, stack_name=None):
        if name in backend.change_sets:  # an ARN
            return backend.change_sets[name]
        matching = [
            cs for cs in backend.change_sets.values()
            if cs.change_set_name == name and (not stack_name or stack_name in (cs.stack_name, cs.stack_id))
        ]
        if not matching:
            raise ChangeSetNotFound(f"ChangeSet [{name}] does not exist")
        return matching[-1]

    create_change_set = models.CloudFormationBackend.create_change_set

    def create(self, stack_name, *args, **kwargs):
        result = create_change_set(self, stack_name, *args, **kwargs)
        for stack in self.stacks.values():
            if stack.name == stack_name:
                stack.cross_stack_resources = self.exports
                stack.resource_map.cross_stack_resources = self.exports
        return result

    def execute(self, change_set_name, stack_name=None):
        change_set = find_change_set(self, change_set_name, stack_name)
        stack = self.stacks[change_set.stack_id]
        operation = change_set.change_set_type  # CREATE or UPDATE
        stack.status = f"{operation}_IN_PROGRESS"
        stack._add_stack_event(f"{operation}_IN_PROGRESS", resource_status_reason="User Initiated")
        change_set.execution_status = "EXECUTE_IN_PROGRESS"

        def work():
            with _STACK_OPERATIONS:
                try:
                    change_set.apply()
                    stack.template = change_set.template
                    stack._parse_template()
                    stack.parameters = change_set.parameters
                    stack.description = stack.template_dict.get("Description")
                    stack.output_map = stack._create_output_map()
                    for export in stack.exports:
                        self.exports[export.name] = export
                except Exception as error:
                    change_set.execution_status = "EXECUTE_FAILED"
                    _fail_stack(stack, operation, error)
                    return
                for key in [k for k, cs in self.change_sets.items() if cs.stack_id == stack.stack_id]:
                    del self.change_sets[key]
                stack.status = f"{operation}_COMPLETE"
                stack._add_stack_event(f"{operation}_COMPLETE")

        threading.Thread(target=work, name=f"execute {stack.name}", daemon=True).start()

    def describe(self, change_set_name, stack_name=None):
        return find_change_set(self, change_set_name, stack_name)

    def delete_change_set(self, change_set_name, stack_name=None):
        # AWS answers success for a name the stack has no change set under (the cdk CLI relies on
        # it before every update: the stack's change sets went when the last one was executed).
        try:
            change_set = find_change_set(self, change_set_name, stack_name)
        except ChangeSetNotFound:
            return
        del self.change_sets[change_set.change_set_id]

    delete_stack = models.CloudFormationBackend.delete_stack

    def delete(self, name_or_stack_id):
        stacks = [s for s in self.stacks.values() if name_or_stack_id in (s.name, s.stack_id)]
        with _STACK_OPERATIONS:
            try:
                delete_stack(self, name_or_stack_id)
            except Exception as error:
                for stack in stacks:
                    self.stacks[stack.stack_id] = stack
                    self.deleted_stacks.pop(stack.stack_id, None)
                    _fail_stack(stack, "DELETE", error)

    # moto lists a stack's resources through its lazy map, which tries again to create each one
    # not made yet: listing a failed stack's resources re-ran the failure (a 500). The resources
    # of a stack are those made.
    models.Stack.stack_resources = property(
        lambda self: [r for r in self.resource_map._parsed_resources.values() if hasattr(r, "logical_resource_id")]
    )
    # UsePreviousValue for an AWS::SSM::Parameter::Value<...> parameter reused the value it had
    # resolved to, then looked that up as a parameter name (None, a 500 on every update of a
    # stack made by the cdk CLI, whose BootstrapVersion parameter is one). On AWS the previous
    # value is the parameter's name, resolved again.
    def stack_parameters(self):
        given = dict(self.resource_map.resolved_parameters)
        for key, slot in (self.template_dict or {}).get("Parameters", {}).items():
            if str(slot.get("Type", "")).startswith("AWS::SSM::Parameter::"):
                given[key] = self.resource_map.input_parameters.get(key, slot.get("Default"))
        return given

    models.Stack.stack_parameters = property(stack_parameters)
    # A deleted stack has no outputs left to resolve (moto resolved them again on describe).
    outputs = models.Stack.outputs
    models.Stack.outputs = property(lambda self: None if self.status == "DELETE_COMPLETE" else outputs.fget(self))
    models.CloudFormationBackend.create_change_set = create
    models.CloudFormationBackend.execute_change_set = execute
    models.CloudFormationBackend.describe_change_set = describe
    models.CloudFormationBackend.delete_change_set = delete_change_set
    models.CloudFormationBackend.delete_stack = delete

    def describe_response(self):
        change_set = self.cloudformation_backend.describe_change_set(
            self._get_param("ChangeSetName"), self._get_param("StackName")
        )
        return responses.ActionResult(change_set)

    def delete_response(self):
        self.cloudformation_backend.delete_change_set(self._get_param("ChangeSetName"), self._get_param("StackName"))
        return responses.EmptyResult()

    responses.CloudFormationResponse.describe_change_set = describe_response
    responses.CloudFormationResponse.delete_change_set = delete_response


# --- custom resources --------------------------------------------------------------------------


class _ResponseUrls:
    """CloudFormation's presigned response URLs: a loopback server the handlers PUT their answer
    to, one path per request."""

    def __init__(self):
        self.answers = {}
        answers = self.answers

        class Handler(BaseHTTPRequestHandler):
            def do_PUT(self):  # noqa: N802 - http.server naming
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answers[self.path.lstrip("/").split("?")[0]] = body
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def new(self):
        token = uuid.uuid4().hex
        return token, f"http://127.0.0.1:{self.server.server_address[1]}/{token}?X-Amz-Signature=emulator"


def _as_strings(value):
    """CloudFormation hands a custom resource every property value as a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, list):
        return [_as_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_strings(v) for k, v in value.items()}
    return value


def custom_resources_wait_for_their_answer():
    """Gaps: a custom resource invokes its function in a thread and the stack goes on without
    waiting (and the invoke needs Docker); an answer of FAILED is ignored; property values are
    passed as the template gives them; Update and Delete are never sent. On AWS: the stack waits
    for the PUT to the response URL, FAILED fails the resource with the handler's reason, every
    property value arrives as a string, a changed resource gets Update with OldResourceProperties
    and its PhysicalResourceId (and Delete for the old id if the answer names a new one), and a
    deleted one gets Delete.

    Not faithful: the function is invoked synchronously (lambda_runner.py) rather than as an
    asynchronous event, and a handler that returns without answering fails the resource at once,
    where AWS would wait up to an hour before failing it."""
    from moto.awslambda.utils import get_backend as get_lambda_backend
    from moto.cloudformation import parsing
    from moto.cloudformation.custom_model import CustomModel

    urls = _ResponseUrls()

    def send(request_type, account_id, region_name, stack_id, logical_id, resource_type, properties,
             physical_id=None, old_properties=None):
        token, url = urls.new()
        event = {
            "RequestType": request_type,
            "ServiceToken": properties["ServiceToken"],
            "ResponseURL": url,
            "StackId": stack_id,
            "RequestId": str(uuid.uuid4()),
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": _as_strings(properties),
        }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        if old_properties is not None:
            event["OldResourceProperties"] = _as_strings(old_properties)
        function = get_lambda_backend(account_id, region_name).get_function(properties["ServiceToken"])
        function.invoke(json.dumps(event), {"x-amz-invocation-type": "Event"}, {})
        answer = urls.answers.pop(token, None)
        answer = json.loads(answer) if answer is not None else None
        record = {k: v for k, v in event.items() if k not in ("ResponseURL", "ServiceToken")}
        record["Answer"] = answer
        sys.stderr.write(f"{REQUEST_MARK} {json.dumps(record)}\n")
        if answer is None:
            raise EmulatorGap(f"{logical_id}: the custom resource's handler did not answer {request_type}")
        if answer.get("Status") != "SUCCESS":
            raise EmulatorGap(f"{logical_id}: {request_type} failed: {answer.get('Reason')}")
        return answer

    class CustomResource(CustomModel):
        """Custom::* and AWS::CloudFormation::CustomResource, answered by their handler."""
        __module__ = MODEL_MODULE


        def __init__(self, account_id, region_name, stack_id, logical_id, resource_type, properties, answer):
            super().__init__(region_name, answer.get("RequestId", ""), logical_id, answer["PhysicalResourceId"])
            self.account_id = account_id
            self.stack_id = stack_id
            self.resource_type = resource_type
            self.properties = properties
            self.set_data(answer.get("Data") or {})

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            logical_id, stack_id, resource_type = kwargs["LogicalId"], kwargs["StackId"], kwargs["ResourceType"]
            properties = cloudformation_json["Properties"]
            answer = send("Create", account_id, region_name, stack_id, logical_id, resource_type, properties)
            return cls(account_id, region_name, stack_id, logical_id, resource_type, properties, answer)

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            old = original_resource
            properties = cloudformation_json["Properties"]
            answer = send("Update", account_id, region_name, old.stack_id, old.logical_id, old.resource_type,
                          properties, physical_id=old.physical_resource_id, old_properties=old.properties)
            new = cls(account_id, region_name, old.stack_id, old.logical_id, old.resource_type, properties, answer)
            if new.physical_resource_id != old.physical_resource_id:
                old.delete(account_id, region_name)
            return new

        def delete(self, account_id, region_name):
            send("Delete", account_id, region_name, self.stack_id, self.logical_id, self.resource_type,
                 self.properties, physical_id=self.physical_resource_id)

        def get_cfn_attribute(self, attribute_name):
            if attribute_name not in self.data:
                raise EmulatorGap(f"{self.logical_id}: the handler's answer has no attribute {attribute_name}")
            return self.data[attribute_name]

    resource_class_from_type = parsing.resource_class_from_type

    def custom_class(resource_type):
        if resource_type.startswith("Custom::") or resource_type == "AWS::CloudFormation::CustomResource":
            return CustomResource
        return resource_class_from_type(resource_type)

    parsing.resource_class_from_type = custom_class


# --- resource models -----------------------------------------------------------------------------


def ssm_parameter_tags_and_attributes():
    """Gap: AWS::SSM::Parameter takes Tags as a map (CloudFormation's form for this type); moto
    hands it to SSM, which expects a list of {Key, Value} (500 on create). It also has no
    Fn::GetAtt Value / Type."""
    from moto.ssm.models import Parameter

    original = Parameter.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = dict(cloudformation_json["Properties"])
        if isinstance(properties.get("Tags"), dict):
            properties["Tags"] = [{"Key": k, "Value": v} for k, v in properties["Tags"].items()]
        return original(cls, resource_name, dict(cloudformation_json, Properties=properties), account_id, region_name, **kwargs)

    Parameter.create_from_cloudformation_json = classmethod(create)
    Parameter.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Value", "Type"))
    Parameter.get_cfn_attribute = lambda self, attr: {"Value": self.value, "Type": self.parameter_type}[attr]


def api_gateway_methods_and_deployments():
    """Gaps: AWS::ApiGateway::Method drops Credentials, AuthorizerId, request parameters and
    templates, and the method and integration responses, and breaks on MOCK integrations (no Uri,
    no IntegrationHttpMethod); a Deployment's Ref is the model object, not its id; a Deployment
    with a StageName replaces an existing stage (losing its settings) where AWS points the stage
    at the new deployment, and deleting a deployment is refused while a stage of that name
    exists, where AWS refuses while a stage points at it."""
    from moto.apigateway import models

    def create_method(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = models.apigateway_backends[account_id][region_name]
        api, resource, verb = p["RestApiId"], p["ResourceId"], p["HttpMethod"]
        method = backend.put_method(
            function_id=api, resource_id=resource, method_type=verb,
            authorization_type=p.get("AuthorizationType", "NONE"), api_key_required=p.get("ApiKeyRequired"),
            request_parameters=p.get("RequestParameters"), request_models=p.get("RequestModels"),
            operation_name=p.get("OperationName"), authorizer_id=p.get("AuthorizerId"),
            authorization_scopes=p.get("AuthorizationScopes"), request_validator_id=p.get("RequestValidatorId"),
        )
        for response in p.get("MethodResponses", []):
            backend.put_method_response(api, resource, verb, str(response["StatusCode"]),
                                        response.get("ResponseModels"), response.get("ResponseParameters"))
        integration = p.get("Integration")
        if integration:
            backend.put_integration(
                function_id=api, resource_id=resource, method_type=verb,
                integration_type=integration["Type"], uri=integration.get("Uri"),
                integration_method=integration.get("IntegrationHttpMethod"),
                credentials=integration.get("Credentials"), request_templates=integration.get("RequestTemplates"),
                passthrough_behavior=integration.get("PassthroughBehavior"),
                cache_namespace=integration.get("CacheNamespace"),
                timeout_in_millis=integration.get("TimeoutInMillis"),
                request_parameters=integration.get("RequestParameters"),
                content_handling=integration.get("ContentHandling"),
                connection_type=integration.get("ConnectionType"),
            )
            for response in integration.get("IntegrationResponses", []):
                backend.put_integration_response(
                    api, resource, verb, str(response["StatusCode"]), response.get("SelectionPattern"),
                    response.get("ResponseTemplates"), response.get("ResponseParameters"),
                    response.get("ContentHandling"),
                )
        method.emulator_location = (account_id, region_name, api, resource, verb)
        return method

    def delete_method(self, account_id, region_name):
        _, _, api, resource, verb = self.emulator_location
        models.apigateway_backends[account_id][region_name].delete_method(api, resource, verb)

    models.Method.create_from_cloudformation_json = classmethod(create_method)
    models.Method.delete = delete_method
    models.Method.physical_resource_id = property(lambda self: self.http_method)

    def create_deployment(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = models.apigateway_backends[account_id][region_name]
        api = backend.get_rest_api(p["RestApiId"])
        stage_name = p.get("StageName")
        existing = api.stages.get(stage_name) if stage_name else None
        deployment = backend.create_deployment(function_id=p["RestApiId"], name=stage_name,
                                               description=p.get("Description", ""))
        if existing is not None:
            existing.deployment_id = deployment.id
            api.stages[stage_name] = existing
        deployment.emulator_location = (account_id, region_name, p["RestApiId"], stage_name)
        return deployment

    def delete_deployment(self, account_id, region_name):
        # Not verified against AWS: a Deployment made with a StageName takes that stage with it
        # when the stage still points at it (our api-deployment stack names the web tier's Prod
        # stage, so deleting it otherwise fails on the stage). README lists it.
        _, _, api_id, stage_name = self.emulator_location
        backend = models.apigateway_backends[account_id][region_name]
        api = backend.get_rest_api(api_id)
        stage = api.stages.get(stage_name) if stage_name else None
        if stage is not None and stage.deployment_id == self.id:
            del api.stages[stage_name]
        backend.delete_deployment(api_id, self.id)

    def rest_api_delete_deployment(self, deployment_id):
        # moto refuses while any stage has the name the deployment was made with; AWS refuses
        # while a stage points at the deployment.
        if deployment_id not in self.deployments:
            raise models.DeploymentNotFoundException()
        if any(stage.deployment_id == deployment_id for stage in self.stages.values()):
            raise models.StageStillActive()
        return self.deployments.pop(deployment_id)

    models.RestAPI.delete_deployment = rest_api_delete_deployment
    models.Deployment.create_from_cloudformation_json = classmethod(create_deployment)
    models.Deployment.delete = delete_deployment
    models.Deployment.physical_resource_id = property(lambda self: self.id)


def missing_models_for_backend_calls_moto_has():
    """Gap: no CloudFormation model for AWS::ApiGateway::Account, ::Authorizer, ::Stage,
    AWS::S3::BucketPolicy, AWS::CloudTrail::Trail, though moto's services have the calls. Each
    model here makes those calls, as CloudFormation does."""
    from moto.apigateway.models import apigateway_backends
    from moto.cloudtrail.models import cloudtrail_backends
    from moto.core.common_models import CloudFormationModel
    from moto.s3.models import s3_backends
    from moto.utilities.utils import get_partition

    class Model:
        """What the models below share (each is a direct CloudFormationModel subclass, as moto
        finds models by CloudFormationModel.__subclasses__())."""

        def __init__(self, physical_id, **fields):
            self.physical_id = physical_id
            self.__dict__.update(fields)

        @property
        def physical_resource_id(self):
            return self.physical_id

        @classmethod
        def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

        @classmethod
        def has_cfn_attr(cls, attr):
            return False

    class ApiGatewayAccount(Model, CloudFormationModel):
        __module__ = MODEL_MODULE

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGateway::Account"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            role = cloudformation_json["Properties"].get("CloudWatchRoleArn")
            apigateway_backends[account_id][region_name].update_account(
                [{"op": "replace", "path": "/cloudwatchRoleArn", "value": role}]
            )
            return cls(f"{account_id}-apigateway-account")

        def delete(self, account_id, region_name):
            pass  # AWS keeps the account setting when the resource goes

    class ApiGatewayAuthorizer(Model, CloudFormationModel):
        __module__ = MODEL_MODULE

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGateway::Authorizer"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json["Properties"]
            authorizer = apigateway_backends[account_id][region_name].create_authorizer(
                restapi_id=p["RestApiId"], name=p.get("Name", resource_name), authorizer_type=p["Type"],
                provider_arns=p.get("ProviderARNs"), auth_type=p.get("AuthType"),
                authorizer_uri=p.get("AuthorizerUri"), authorizer_credentials=p.get("AuthorizerCredentials"),
                identity_source=p.get("IdentitySource"),
                identiy_validation_expression=p.get("IdentityValidationExpression"),
                authorizer_result_ttl=p.get("AuthorizerResultTtlInSeconds"),
            )
            return cls(authorizer.id, rest_api_id=p["RestApiId"])

        def delete(self, account_id, region_name):
            apigateway_backends[account_id][region_name].delete_authorizer(self.rest_api_id, self.physical_id)

    class ApiGatewayStage(Model, CloudFormationModel):
        __module__ = MODEL_MODULE

        @staticmethod
        def cloudformation_type():
            return "AWS::ApiGateway::Stage"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json["Properties"]
            backend = apigateway_backends[account_id][region_name]
            name = p["StageName"]
            backend.create_stage(
                function_id=p["RestApiId"], stage_name=name, deploymentId=p["DeploymentId"],
                variables=p.get("Variables"), description=p.get("Description", ""),
                cacheClusterEnabled=p.get("CacheClusterEnabled"), cacheClusterSize=p.get("CacheClusterSize"),
                tags={t["Key"]: t["Value"] for t in p.get("Tags", [])},
                tracing_enabled=p.get("TracingEnabled"),
            )
            return cls(name, rest_api_id=p["RestApiId"])

        def delete(self, account_id, region_name):
            api = apigateway_backends[account_id][region_name].get_rest_api(self.rest_api_id)
            api.stages.pop(self.physical_id, None)  # gone already counts as deleted, as on AWS

    class S3BucketPolicy(Model, CloudFormationModel):
        __module__ = MODEL_MODULE

        @staticmethod
        def cloudformation_type():
            return "AWS::S3::BucketPolicy"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json["Properties"]
            backend = s3_backends[account_id][get_partition(region_name)]
            backend.put_bucket_policy(p["Bucket"], json.dumps(p["PolicyDocument"]).encode())
            return cls(resource_name, bucket=p["Bucket"])

        def delete(self, account_id, region_name):
            backend = s3_backends[account_id][get_partition(region_name)]
            if self.bucket in backend.buckets:
                backend.delete_bucket_policy(self.bucket)

    class CloudTrailTrail(Model, CloudFormationModel):
        __module__ = MODEL_MODULE

        @staticmethod
        def cloudformation_type():
            return "AWS::CloudTrail::Trail"

        @staticmethod
        def cloudformation_name_type():
            return "TrailName"

        @classmethod
        def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
            p = cloudformation_json["Properties"]
            backend = cloudtrail_backends[account_id][region_name]
            trail = backend.create_trail(
                name=p.get("TrailName", resource_name), bucket_name=p["S3BucketName"],
                s3_key_prefix=p.get("S3KeyPrefix"), sns_topic_name=p.get("SnsTopicName"),
                is_global=p.get("IncludeGlobalServiceEvents", True), is_multi_region=p.get("IsMultiRegionTrail", False),
                log_validation=p.get("EnableLogFileValidation", False), is_org_trail=p.get("IsOrganizationTrail", False),
                cw_log_group_arn=p.get("CloudWatchLogsLogGroupArn"), cw_role_arn=p.get("CloudWatchLogsRoleArn"),
                kms_key_id=p.get("KMSKeyId"), tags_list=p.get("Tags", []),
            )
            if p.get("IsLogging"):
                backend.start_logging(trail.trail_name)
            return cls(trail.trail_name, arn=trail.arn)

        @classmethod
        def has_cfn_attr(cls, attr):
            return attr == "Arn"

        def get_cfn_attribute(self, attr):
            return self.arn

        def delete(self, account_id, region_name):
            cloudtrail_backends[account_id][region_name].delete_trail(self.physical_id)

    return (ApiGatewayAccount, ApiGatewayAuthorizer, ApiGatewayStage, S3BucketPolicy, CloudTrailTrail)


def bucket_policy_conditions_are_evaluated():
    """Gap: S3 enforces a bucket policy's statements without their Condition (moto: "Conditions
    are not taken into account"; a statement whose condition does not hold even counts as a
    Deny), so CDK's enforce-SSL statement (Deny s3:* when aws:SecureTransport is false) blocked
    every request to our buckets. On AWS a statement applies only when its condition holds.

    Not faithful: the emulator speaks plain HTTP on loopback, so a faithful aws:SecureTransport
    would be false for every request and the Deny would block everything, where every request our
    tools and handlers make to AWS goes over TLS. Here every request counts as made over TLS
    (aws:SecureTransport = true); a statement with any other condition key is left out of the
    evaluation (none of our bucket policies has one that an S3 call of ours meets)."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    def condition_holds(condition):
        for operator, keys in condition.items():
            for key, expected in keys.items():
                values = expected if isinstance(expected, list) else [expected]
                if key.lower() != "aws:securetransport" or operator not in ("Bool", "BoolIfExists"):
                    return None  # not evaluated
                if "true" not in [str(v).lower() for v in values]:
                    return False
        return True

    def get_permission(self, action, resource):
        if self.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(self.policy.decode())
        statements = document["Statement"]
        statements = statements if isinstance(statements, list) else [statements]
        permitted = False
        for statement in statements:
            condition = statement.get("Condition")
            if condition:
                holds = condition_holds(condition)
                if not holds:
                    continue
                statement = {k: v for k, v in statement.items() if k != "Condition"}
            result = IAMPolicyStatement(statement).is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return result
            permitted = permitted or result == PermissionResult.PERMITTED
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

    FakeBucket.get_permission = get_permission


def non_empty_buckets_are_not_deleted_silently():
    """Gap: deleting an AWS::S3::Bucket that still holds objects does nothing, and the stack
    deletion reports success with the bucket left behind. On AWS the resource fails to delete
    ("The bucket you tried to delete is not empty") and so does the stack."""
    from moto.s3.exceptions import BucketNotEmpty
    from moto.s3.models import FakeBucket, s3_backends
    from moto.utilities.utils import get_partition

    def delete(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = s3_backends[account_id][get_partition(region_name)]
        if resource_name in backend.buckets and backend.buckets[resource_name].keys:
            raise BucketNotEmpty()
        backend.delete_bucket(resource_name)

    FakeBucket.delete_from_cloudformation_json = classmethod(delete)


def subnet_route_table_associations_show_in_the_route_table():
    """Gap: AWS::EC2::SubnetRouteTableAssociation is recorded apart from the route table, so
    DescribeRouteTables shows no association for the subnet and its Ref is the route table's id.
    On AWS the route table lists the association and Ref is the association's id."""
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.subnets import SubnetRouteTableAssociation

    original = SubnetRouteTableAssociation.create_from_cloudformation_json.__func__

    def create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        association = original(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
        backend = ec2_backends[account_id][region_name]
        association.association_id = backend.associate_route_table(
            association.route_table_id, subnet_id=association.subnet_id
        )
        return association

    def delete(self, account_id, region_name):
        backend = ec2_backends[account_id][region_name]
        backend.disassociate_route_table(self.association_id)
        backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)

    SubnetRouteTableAssociation.create_from_cloudformation_json = classmethod(create)
    SubnetRouteTableAssociation.physical_resource_id = property(lambda self: self.association_id)
    SubnetRouteTableAssociation.delete = delete


def layer_version_ref_is_its_arn():
    """Gap: AWS::Lambda::LayerVersion has no physical id, so its Ref is the model object (a
    function's Layers then held objects, and updating the function failed) and the stack lists it
    with an empty physical id. On AWS the Ref is the layer version's ARN."""
    from moto.awslambda.models import LayerVersion

    LayerVersion.physical_resource_id = property(lambda self: self.arn)


def every_type_can_be_deleted():
    """Gap: for a type whose model has no delete, a stack delete (or a removal in an update) does
    nothing and reports the resource deleted; the VPC then failed to delete on its dependencies,
    and the API, its resources, the NAT gateways, endpoints, addresses, routes, managed policies
    and layer versions outlived their stacks. Each delete here makes the service's delete call, as
    CloudFormation does; a type still without one fails the operation."""
    from moto.apigateway.models import Resource, RestAPI, apigateway_backends
    from moto.awslambda.models import LayerVersion, Permission
    from moto.cloudformation import parsing
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
    from moto.iam.models import ManagedPolicy, iam_backends
    from moto.utilities.utils import get_partition

    def ec2(region_name, account_id):
        return ec2_backends[account_id][region_name]

    deletes = {
        Resource: lambda r, a, g: apigateway_backends[a][g].delete_resource(r.api_id, r.id),
        RestAPI: lambda r, a, g: apigateway_backends[a][g].delete_rest_api(r.id),
        ElasticAddress: lambda r, a, g: ec2(g, a).release_address(allocation_id=r.allocation_id),
        InternetGateway: lambda r, a, g: ec2(g, a).delete_internet_gateway(r.id),
        NatGateway: lambda r, a, g: ec2(g, a).delete_nat_gateway(r.id),
        Route: lambda r, a, g: ec2(g, a).delete_route(r.route_table.id, r.destination_cidr_block),
        RouteTable: lambda r, a, g: ec2(g, a).delete_route_table(r.id),
        VPCEndPoint: lambda r, a, g: ec2(g, a).delete_vpc_endpoints([r.id]),
        VPCGatewayAttachment: lambda r, a, g: ec2(g, a).detach_internet_gateway(r.gateway_id, r.vpc_id),
        ManagedPolicy: lambda r, a, g: iam_backends[a][get_partition(g)].delete_policy(r.arn),
        LayerVersion: lambda r, a, g: r._layer.delete_version(str(r.version)) if r._layer else None,
        # a permission lives in its function's policy, which goes with the function
        Permission: lambda r, a, g: None,
    }
    for model, call in deletes.items():
        model.delete = (lambda call: lambda self, account_id, region_name: call(self, account_id, region_name))(call)

    def takes_account_and_region(method):
        try:
            inspect.signature(method).bind("account", "region")
            return True
        except TypeError:
            return False

    def delete_resource(self, parsed_resource, resource_json):
        method = getattr(parsed_resource, "delete", None)
        if method is not None and takes_account_and_region(method):
            method(self._account_id, self._region_name)
            return
        model = parsing.resource_class_from_type(resource_json["Type"])
        if hasattr(model.delete_from_cloudformation_json, "__isabstractmethod__"):
            raise EmulatorGap(f"the emulator cannot delete {resource_json['Type']}")
        name = getattr(parsed_resource, "physical_resource_id", None)
        parsing.parse_and_delete_resource(name, resource_json, self._account_id, self._region_name)

    parsing.ResourceMap._delete_resource = delete_resource


def cloudtrail_lookup_events_answers():
    """Gap: CloudTrail LookupEvents is not implemented (a 500). The cdk CLI calls it after a
    failed deployment to look for the cause, and the SDK retried it for about 40 seconds.

    Not faithful: the emulator records no CloudTrail events, so the answer is an empty list."""
    from moto.cloudtrail.responses import CloudTrailResponse

    CloudTrailResponse.lookup_events = lambda self: json.dumps({"Events": []})


def install():
    """Applies every fix."""
    check_moto_version()
    every_type_has_a_model_or_fails()
    change_sets_follow_dependencies_and_update_in_place()
    change_sets_run_like_cloudformation()
    ssm_parameter_tags_and_attributes()
    api_gateway_methods_and_deployments()
    missing_models_for_backend_calls_moto_has()
    bucket_policy_conditions_are_evaluated()
    non_empty_buckets_are_not_deleted_silently()
    subnet_route_table_associations_show_in_the_route_table()
    layer_version_ref_is_its_arn()
    every_type_can_be_deleted()
    cloudtrail_lookup_events_answers()
    custom_resources_wait_for_their_answer()
