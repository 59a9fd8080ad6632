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

# --- audit (S3 objects, ECR lifecycle policies, log streams, WAFv2, CloudTrail) ---
# GetTrail/DescribeTrails say whether a trail has event selectors of its own
# (HasCustomEventSelectors), as AWS does; moto always answers false.
from moto.cloudtrail.models import Trail

trail_description = Trail.description


def trail_description_with_selectors(self, include_region=False):
    desc = trail_description(self, include_region=include_region)
    desc["HasCustomEventSelectors"] = bool(self.event_selectors or self.advanced_event_selectors)
    return desc


Trail.description = trail_description_with_selectors
# --- end audit ---
# --- messaging group: Application Auto Scaling, SNS, S3 bucket notifications ---
# Application Auto Scaling: a scalable target's tags (RegisterScalableTarget's Tags,
# TagResource, UntagResource, ListTagsForResource by the target's ARN), which moto lacks;
# ObjectNotFoundException (as AWS answers) for a target or policy that is not there, where
# moto answers ValidationException; and PutScalingPolicy of an existing policy keeps its
# ARN, as AWS's does (moto makes a new one).
from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse
from moto.core.exceptions import JsonRESTError


class AasObjectNotFound(JsonRESTError):
    def __init__(self, message):
        super().__init__("ObjectNotFoundException", message)


aas_register = aas_models.ApplicationAutoscalingBackend.register_scalable_target


def aas_register_with_tags(self, namespace, r_id, dimension, min_capacity, max_capacity,
                           role_arn, suspended_state, tags=None):
    target = aas_register(self, namespace, r_id, dimension, min_capacity, max_capacity,
                          role_arn, suspended_state)
    if not hasattr(target, "tags"):
        target.tags = {}
    if tags:
        target.tags.update(tags)
    return target


def aas_deregister(self, namespace, r_id, dimension):
    if not self._scalable_target_exists(r_id, dimension):
        raise AasObjectNotFound(
            f"No scalable target registered for service namespace: {namespace}, resource ID: {r_id}, scalable dimension: {dimension}")
    del self.targets[dimension][r_id]


aas_delete_policy = aas_models.ApplicationAutoscalingBackend.delete_scaling_policy


def aas_delete_policy_not_found(self, policy_name, service_namespace, resource_id, scalable_dimension):
    key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
        service_namespace, resource_id, scalable_dimension, policy_name)
    if key not in self.policies:
        raise AasObjectNotFound(
            f"No scaling policy found for service namespace: {service_namespace}, resource ID: {resource_id}, scalable dimension: {scalable_dimension}, policy name: {policy_name}")
    return aas_delete_policy(self, policy_name, service_namespace, resource_id, scalable_dimension)


aas_put_policy = aas_models.ApplicationAutoscalingBackend.put_scaling_policy


def aas_put_policy_keeping_arn(self, policy_name, service_namespace, resource_id,
                               scalable_dimension, policy_body, policy_type):
    key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
        service_namespace, resource_id, scalable_dimension, policy_name)
    old = self.policies.get(key)
    policy = aas_put_policy(self, policy_name, service_namespace, resource_id,
                            scalable_dimension, policy_body, policy_type)
    if old is not None:
        policy._guid = old._guid
        policy.policy_arn = old.policy_arn
        policy.creation_time = old.creation_time
    return policy


def aas_target_by_arn(backend, arn):
    for by_id in backend.targets.values():
        for target in by_id.values():
            if target.arn == arn:
                if not hasattr(target, "tags"):
                    target.tags = {}
                return target
    raise AasObjectNotFound(f"No scalable target found for ARN: {arn}")


def aas_register_response(self):
    self._validate_params()
    target = self.applicationautoscaling_backend.register_scalable_target(
        self._get_param("ServiceNamespace"),
        self._get_param("ResourceId"),
        self._get_param("ScalableDimension"),
        min_capacity=self._get_int_param("MinCapacity"),
        max_capacity=self._get_int_param("MaxCapacity"),
        role_arn=self._get_param("RoleARN"),
        suspended_state=self._get_param("SuspendedState"),
        tags=self._get_param("Tags"),
    )
    return json.dumps({"ScalableTargetARN": target.arn})


def aas_list_tags(self):
    target = aas_target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    return json.dumps({"Tags": target.tags})


def aas_tag(self):
    target = aas_target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    target.tags.update(self._get_param("Tags") or {})
    return json.dumps({})


def aas_untag(self):
    target = aas_target_by_arn(self.applicationautoscaling_backend, self._get_param("ResourceARN"))
    for key in self._get_param("TagKeys") or []:
        target.tags.pop(key, None)
    return json.dumps({})


aas_models.ApplicationAutoscalingBackend.register_scalable_target = aas_register_with_tags
aas_models.ApplicationAutoscalingBackend.deregister_scalable_target = aas_deregister
aas_models.ApplicationAutoscalingBackend.delete_scaling_policy = aas_delete_policy_not_found
aas_models.ApplicationAutoscalingBackend.put_scaling_policy = aas_put_policy_keeping_arn
ApplicationAutoScalingResponse.register_scalable_target = aas_register_response
ApplicationAutoScalingResponse.list_tags_for_resource = aas_list_tags
ApplicationAutoScalingResponse.tag_resource = aas_tag
ApplicationAutoScalingResponse.untag_resource = aas_untag

# SNS: GetTopicAttributes answers SignatureVersion and TracingConfig once they are set, as
# AWS does (moto keeps them and never answers them).
from moto.sns.responses import SNSResponse

sns_get_topic_attributes = SNSResponse.get_topic_attributes


def sns_topic_attributes_with_signature_and_tracing(self):
    result = sns_get_topic_attributes(self)
    topic = self.backend.get_topic(self._get_param("TopicArn"))
    attributes = result.result["Attributes"] if hasattr(result, "result") else None
    if attributes is not None:
        for name, attr in [("SignatureVersion", "signature_version"),
                           ("TracingConfig", "tracing_config")]:
            value = getattr(topic, attr, None)
            if value:
                attributes[name] = str(value)
    return result


SNSResponse.get_topic_attributes = sns_topic_attributes_with_signature_and_tracing

# S3: GetBucketNotificationConfiguration answers the EventBridgeConfiguration a bucket was
# given, as AWS does (moto keeps it and never answers it), and a bucket with none answers an
# empty NotificationConfiguration, as AWS does (moto answers a document of another root).
from moto.s3.responses import S3Response
from moto.core.responses import ActionResult

s3_get_bucket_notification = S3Response.get_bucket_notification


def s3_bucket_notification_with_eventbridge(self):
    config = self.backend.get_bucket_notification_configuration(self.bucket_name)
    if not config:
        return 200, {}, ('<?xml version="1.0" encoding="UTF-8"?>'
                         '<NotificationConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>')
    if config.event_bridge is None:
        return s3_get_bucket_notification(self)
    real_serialized = self.serialized

    def with_eventbridge(result):
        if isinstance(result, ActionResult) and hasattr(result, "result"):
            result.result["EventBridgeConfiguration"] = {}
        return real_serialized(result)

    self.serialized = with_eventbridge
    try:
        return s3_get_bucket_notification(self)
    finally:
        self.serialized = real_serialized


S3Response.get_bucket_notification = s3_bucket_notification_with_eventbridge
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
# --- dns group: Route 53, ACM, API Gateway v2 custom domains -------------------------------
# ACM issues a DNS-validated certificate once its validation records exist in a Route 53 zone
# (as AWS does once it resolves them), besides moto's own issuing after
# MOTO_ACM_VALIDATION_WAIT seconds (the harness sets an hour); UpdateCertificateOptions; options
# given to RequestCertificate keep the defaults of those not given (ListCertificates needs them);
# a certificate re-imported keeps its tags.
# Route 53 deletes the one record set a DELETE names (moto dropped every set identifier of a
# name and type). API Gateway v2 custom domains answer their computed target domain name,
# hosted zone id and status, keep tags given later (TagResource, whose path for a domain's ARN
# moto did not route), and take UpdateDomainName
# and UpdateApiMapping; deleting a domain with mappings no longer fails.
import random as _random
import string as _string

from moto.acm.models import CertBundle, AWSCertificateManagerBackend
from moto.acm.responses import AWSCertificateManagerResponse
from moto.apigatewayv2.models import DomainName, ApiMapping
from moto.route53.models import FakeZone

_acm_check = CertBundle.check


def _validation_names(bundle):
    names = set(bundle.describe()["Certificate"].get("SubjectAlternativeNames", []))
    names.add(bundle.common_name)
    return {f"_d930b28be6c5927595552b219965053e.{n[2:] if n.startswith('*.') else n}"
            for n in names}


def _acm_check_dns(self):
    _acm_check(self)
    if self.type != "AMAZON_ISSUED" or self.status != "PENDING_VALIDATION":
        return
    from moto.route53.models import route53_backends
    account = self.arn.split(":")[4]
    partition = self.arn.split(":")[1]
    try:
        zones = route53_backends[account][partition].zones.values()
    except KeyError:
        return
    present = {r.name.rstrip(".").lower() for z in zones for r in z.rrsets if r.type == "CNAME"}
    if _validation_names(self) <= present:
        self.status = "ISSUED"


CertBundle.check = _acm_check_dns


def _update_certificate_options(self):
    arn = self._get_param("CertificateArn")
    options = self._get_param("Options") or {}
    bundle = self.acm_backend.get_certificate(arn)
    bundle.cert_options.update(options)
    return ""


AWSCertificateManagerResponse.update_certificate_options = _update_certificate_options

_request_certificate = AWSCertificateManagerBackend.request_certificate


def _request_certificate_with_default_options(self, *args, **kwargs):
    # Options given replace moto's defaults whole; AWS keeps the ones not given.
    arn = _request_certificate(self, *args, **kwargs)
    bundle = self._certificates[arn]
    bundle.cert_options = {"CertificateTransparencyLoggingPreference": "ENABLED",
                           "Export": "DISABLED", **bundle.cert_options}
    return arn


AWSCertificateManagerBackend.request_certificate = _request_certificate_with_default_options

_import_certificate = AWSCertificateManagerBackend.import_certificate


def _reimport_keeps_tags(self, certificate, private_key, chain, arn, tags):
    # Re-importing into a certificate (its ARN given) keeps its tags, as in AWS.
    old = self._certificates.get(arn) if arn else None
    made = _import_certificate(self, certificate, private_key, chain, arn, tags)
    if old is not None:
        self._certificates[made].tags = old.tags
    return made


AWSCertificateManagerBackend.import_certificate = _reimport_keeps_tags


def _delete_rrset(self, rrset):
    self.rrsets = [
        r for r in self.rrsets
        if r.name != rrset["Name"]
        or (rrset.get("Type") is not None and r.type != rrset["Type"])
        or (rrset.get("SetIdentifier") is not None and r.set_identifier != rrset["SetIdentifier"])
    ]


FakeZone.delete_rrset = _delete_rrset

_domain_init = DomainName.__init__


def _domain_name_init(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend):
    _domain_init(self, domain_name, domain_name_configurations, mutual_tls_authentication, tags, backend)
    self.backend = backend
    self.suffix = "".join(_random.choice(_string.ascii_lowercase + _string.digits) for _ in range(10))
    self.domain_name_configurations = [self._computed(c) for c in domain_name_configurations or [{}]]
    if tags:
        backend.tag_resource(self.domain_name_arn, tags)


def _domain_computed(self, c):
    c = dict(c)
    c.setdefault("endpointType", "REGIONAL")
    c.setdefault("securityPolicy", "TLS_1_2")
    c["apiGatewayDomainName"] = f"d-{self.suffix}.execute-api.{self.backend.region_name}.amazonaws.com"
    c["hostedZoneId"] = "Z1UJRXOUMOOFQ8"
    c["domainNameStatus"] = "AVAILABLE"
    return c


def _domain_to_json(self):
    return {
        "apiMappingSelectionExpression": self.api_mapping_selection_expression,
        "domainName": self.domain_name,
        "domainNameArn": self.domain_name_arn,
        "domainNameConfigurations": self.domain_name_configurations,
        "mutualTlsAuthentication": self.mutual_tls_authentication or None,
        "tags": self.backend.get_tags(self.domain_name_arn),
    }


DomainName.__init__ = _domain_name_init
DomainName._computed = _domain_computed
DomainName.to_json = _domain_to_json


def _delete_domain_name(self, domain_name):
    if domain_name not in self.domain_names:
        from moto.apigatewayv2.exceptions import DomainNameNotFound
        raise DomainNameNotFound
    for mapping_id in [m for m, v in self.api_mappings.items() if v.domain_name == domain_name]:
        del self.api_mappings[mapping_id]
    del self.domain_names[domain_name]


def _update_domain_name_response(self):
    name = unquote(self.path.split("/")[-1])
    params = json.loads(self.body or "{}")
    domain = self.apigatewayv2_backend.get_domain_name(name)
    if "domainNameConfigurations" in params:
        domain.domain_name_configurations = [domain._computed(c) for c in params["domainNameConfigurations"]]
    if "mutualTlsAuthentication" in params:
        domain.mutual_tls_authentication = params["mutualTlsAuthentication"]
    return 200, {}, json.dumps(domain.to_json())


def _update_api_mapping_response(self):
    parts = self.path.split("/")
    mapping_id, name = parts[-1], unquote(parts[-3])
    params = json.loads(self.body or "{}")
    mapping = self.apigatewayv2_backend.get_api_mapping(mapping_id, name)
    if "apiId" in params:
        mapping.api_id = params["apiId"]
    if "stage" in params:
        mapping.stage = params["stage"]
    if "apiMappingKey" in params:
        mapping.api_mapping_key = params["apiMappingKey"]
    return 200, {}, json.dumps(mapping.to_json())


ApiGatewayV2Backend.delete_domain_name = _delete_domain_name
ApiGatewayV2Response.update_domain_name = _update_domain_name_response
ApiGatewayV2Response.update_api_mapping = _update_api_mapping_response
urls.url_paths.setdefault(
    "{0}/v2/tags/(?P<resource_arn_pt1>[^/]+)/domainnames/(?P<resource_arn_pt2>[^/]+)$",
    ApiGatewayV2Response.dispatch)
# --- end of the dns group -------------------------------------------------------------------
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

# --- SQS: SetQueueAttributes without `Policy` keeps the queue's policy, as AWS does (moto
# clears it, so a change of a queue's other attributes would drop an aws_sqs_queue_policy).
from moto.sqs.models import Queue

_queue_set_attributes = Queue._set_attributes


def queue_set_attributes_keeping_policy(self, attributes, now=None):
    kept = getattr(self, "policy", None)
    _queue_set_attributes(self, attributes, now)
    if "Policy" not in attributes:
        self.policy = kept


Queue._set_attributes = queue_set_attributes_keeping_policy
# --- end SQS ---
args = sys.argv[1:]
if "--serial" in args:
    args.remove("--serial")
    run = server.run_simple
    server.run_simple = lambda *a, **k: run(*a, **{**k, "threaded": False})
server.main(args)
