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

# --- routing group: IAM server certificates keep the tags they are uploaded with, and answer
# ListServerCertificateTags, TagServerCertificate and UntagServerCertificate (moto drops the
# tags and has none of the three); a second upload of a name is refused (EntityAlreadyExists),
# as AWS does.
from moto.iam.exceptions import EntityAlreadyExists
from moto.iam.models import IAMBackend
from moto.iam.responses import IamResponse
from moto.core.responses import ActionResult, EmptyResult

_upload_server_certificate = IAMBackend.upload_server_certificate


def upload_server_certificate_once(self, cert_name, *args, **kwargs):
    if any(c.cert_name == cert_name for c in self.certificates.values()):
        raise EntityAlreadyExists(f"The Server Certificate with name {cert_name} already exists.")
    cert = _upload_server_certificate(self, cert_name, *args, **kwargs)
    cert.tags = []
    return cert


def server_certificate_tags(self, name, tags):
    cert = self.get_server_certificate(name)
    keys = [t["Key"] for t in tags]
    cert.tags = [t for t in getattr(cert, "tags", []) if t["Key"] not in keys] + list(tags)


def server_certificate_untag(self, name, keys):
    cert = self.get_server_certificate(name)
    cert.tags = [t for t in getattr(cert, "tags", []) if t["Key"] not in keys]


_upload_server_certificate_response = IamResponse.upload_server_certificate


def upload_server_certificate_response(self):
    result = _upload_server_certificate_response(self)
    tags = self._get_param("Tags", [])
    if tags:
        self.backend.tag_server_certificate(self._get_param("ServerCertificateName"), tags)
    return result


def tag_server_certificate_response(self):
    self.backend.tag_server_certificate(self._get_param("ServerCertificateName"), self._get_param("Tags", []))
    return EmptyResult()


def untag_server_certificate_response(self):
    self.backend.untag_server_certificate(self._get_param("ServerCertificateName"), self._get_param("TagKeys", []))
    return EmptyResult()


def list_server_certificate_tags_response(self):
    cert = self.backend.get_server_certificate(self._get_param("ServerCertificateName"))
    return ActionResult({"Tags": getattr(cert, "tags", []), "IsTruncated": False})


IAMBackend.upload_server_certificate = upload_server_certificate_once
IAMBackend.tag_server_certificate = server_certificate_tags
IAMBackend.untag_server_certificate = server_certificate_untag
IamResponse.upload_server_certificate = upload_server_certificate_response
IamResponse.tag_server_certificate = tag_server_certificate_response
IamResponse.untag_server_certificate = untag_server_certificate_response
IamResponse.list_server_certificate_tags = list_server_certificate_tags_response

# ModifyVpcEndpoint's PrivateDnsEnabled, which moto ignores.
from moto.ec2.responses.vpcs import VPCs

_modify_vpc_endpoint_response = VPCs.modify_vpc_endpoint


def modify_vpc_endpoint_response(self):
    result = _modify_vpc_endpoint_response(self)
    dns = self._get_param("PrivateDnsEnabled")
    if dns is not None:
        endpoint = self.ec2_backend.describe_vpc_endpoints(vpc_end_point_ids=[self._get_param("VpcEndpointId")])[0]
        endpoint.private_dns_enabled = str(dns).lower() == "true"
    return result


VPCs.modify_vpc_endpoint = modify_vpc_endpoint_response

# DescribeVpcEndpoints' filters vpc-endpoint-id, vpc-id and service-name, which moto lacks.
from moto.ec2.models.vpcs import VPCEndPoint

_endpoint_filter_value = VPCEndPoint.get_filter_value


def endpoint_filter_value(self, filter_name, method_name=None):
    if filter_name == "vpc-endpoint-id":
        return self.id
    if filter_name == "vpc-id":
        return self.vpc_id
    if filter_name == "service-name":
        return self.service_name
    return _endpoint_filter_value(self, filter_name, method_name)


VPCEndPoint.get_filter_value = endpoint_filter_value

# ModifyVpcEndpoint's AddRouteTableIds and RemoveRouteTableIds route (or stop routing) the
# tables to a gateway endpoint, as AWS does (moto only lists them, and its delete then fails on
# the route it never made).
from moto.ec2.models import EC2Backend

_modify_vpc_endpoint = EC2Backend.modify_vpc_endpoint


def modify_vpc_endpoint_routing(self, vpc_id, policy_doc, add_subnets, remove_subnets,
                                remove_route_tables, add_route_tables, *args, **kwargs):
    endpoint = self.describe_vpc_endpoints(vpc_end_point_ids=[vpc_id])[0]
    before = list(endpoint.route_table_ids or [])
    _modify_vpc_endpoint(self, vpc_id, policy_doc, add_subnets, remove_subnets,
                         remove_route_tables, add_route_tables, *args, **kwargs)
    pl = endpoint.destination_prefix_list_id
    if pl:
        for table in add_route_tables or []:
            if table not in before:
                self.create_route(table, None, gateway_id=endpoint.id, destination_prefix_list_id=pl)
        for table in remove_route_tables or []:
            if table in before:
                self.delete_route(table, None, None, pl)


EC2Backend.modify_vpc_endpoint = modify_vpc_endpoint_routing
# --- end of the routing group's patches

args = sys.argv[1:]
if "--serial" in args:
    args.remove("--serial")
    run = server.run_simple
    server.run_simple = lambda *a, **k: run(*a, **{**k, "threaded": False})
server.main(args)
