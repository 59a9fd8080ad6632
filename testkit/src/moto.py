"""moto as cairn's tests run it: moto's own server, with the few API Gateway v2 calls it
lacks (UpdateStage, DeleteAccessLogSettings) added on its own stage model, and a
CloudFormation KMS key's `KeyPolicy` given as an object (as templates give it) kept as the
JSON text AWS keeps (moto keeps the object, and DescribeKey then fails). Argument --serial:
answer one request at a time."""
import json
import sys
from urllib.parse import unquote

import moto.server as server
from moto.apigatewayv2.models import ApiGatewayV2Backend
from moto.apigatewayv2.responses import ApiGatewayV2Response


def update_stage(self, api_id, stage_name, config):
    stage = self.get_api(api_id).get_stage(stage_name)
    fields = {"autoDeploy": "auto_deploy", "description": "description",
              "defaultRouteSettings": "default_route_settings",
              "accessLogSettings": "access_log_settings",
              "stageVariables": "stage_variables", "routeSettings": "route_settings"}
    for key, attr in fields.items():
        if key in config:
            setattr(stage, attr, config[key])
    return stage


def delete_access_log_settings(self, api_id, stage_name):
    self.get_api(api_id).get_stage(stage_name).access_log_settings = None


def update_stage_response(self):
    parts = self.path.split("/")
    stage = self.apigatewayv2_backend.update_stage(parts[-3], unquote(parts[-1]), json.loads(self.body))
    return 200, {}, json.dumps(stage.to_json())


def delete_access_log_settings_response(self):
    parts = self.path.split("/")
    self.apigatewayv2_backend.delete_access_log_settings(parts[-4], unquote(parts[-2]))
    return 204, {}, ""


for cls, name, fn in [(ApiGatewayV2Backend, "update_stage", update_stage),
                      (ApiGatewayV2Backend, "delete_access_log_settings", delete_access_log_settings),
                      (ApiGatewayV2Response, "update_stage", update_stage_response),
                      (ApiGatewayV2Response, "delete_access_log_settings", delete_access_log_settings_response)]:
    if not hasattr(cls, name):
        setattr(cls, name, fn)

from moto.kms.models import Key

key_from_template = Key.create_from_cloudformation_json.__func__


def key_with_policy_text(cls, resource_name, cloudformation_json, *args, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    if isinstance(properties.get("KeyPolicy"), dict):
        properties["KeyPolicy"] = json.dumps(properties["KeyPolicy"])
    return key_from_template(cls, resource_name, cloudformation_json, *args, **kwargs)


Key.create_from_cloudformation_json = classmethod(key_with_policy_text)

from moto.apigatewayv2 import urls
urls.url_paths.setdefault(
    "{0}/v2/apis/(?P<api_id>[^/]+)/stages/(?P<stage_name>[^/]+)/accesslogsettings$",
    ApiGatewayV2Response.dispatch)

# attrs group: a KMS key's rotation period (EnableKeyRotation's RotationPeriodInDays, echoed by
# GetKeyRotationStatus; 365 days when not given) and a CloudFormation key's MultiRegion.
from moto.kms.responses import KmsResponse


def enable_key_rotation_with_period(self):
    key_id = self._get_param("KeyId")
    self._validate_cmk_id(key_id)
    self.kms_backend.enable_key_rotation(key_id)
    key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
    key.rotation_period_in_days = self._get_param("RotationPeriodInDays") or 365
    return json.dumps(None)


def get_key_rotation_status_with_period(self):
    key_id = self._get_param("KeyId")
    self._validate_cmk_id(key_id)
    key = self.kms_backend.keys[self.kms_backend.get_key_id(key_id)]
    answer = {"KeyId": key.id, "KeyRotationEnabled": key.key_rotation_status}
    if key.key_rotation_status:
        answer["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", 365)
    return json.dumps(answer)


KmsResponse.enable_key_rotation = enable_key_rotation_with_period
KmsResponse.get_key_rotation_status = get_key_rotation_status_with_period

key_without_multi_region = Key.create_from_cloudformation_json.__func__


def key_with_multi_region(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    properties = cloudformation_json.get("Properties", {})
    if not properties.get("MultiRegion"):
        return key_without_multi_region(cls, resource_name, cloudformation_json, account_id,
                                        region_name, **kwargs)
    from moto.kms.models import kms_backends
    policy = properties.get("KeyPolicy")
    key = kms_backends[account_id][region_name].create_key(
        policy=json.dumps(policy) if isinstance(policy, dict) else policy,
        key_usage=properties.get("KeyUsage", "ENCRYPT_DECRYPT"),
        key_spec=properties.get("KeySpec", "SYMMETRIC_DEFAULT"),
        description=properties.get("Description"),
        tags=properties.get("Tags", []),
        multi_region=True,
    )
    key.key_rotation_status = properties.get("EnableKeyRotation", False)
    key.enabled = properties.get("Enabled", True)
    return key


Key.create_from_cloudformation_json = classmethod(key_with_multi_region)

args = sys.argv[1:]
if "--serial" in args:
    args.remove("--serial")
    run = server.run_simple
    server.run_simple = lambda *a, **k: run(*a, **{**k, "threaded": False})
server.main(args)
