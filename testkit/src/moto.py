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

args = sys.argv[1:]
if "--serial" in args:
    args.remove("--serial")
    run = server.run_simple
    server.run_simple = lambda *a, **k: run(*a, **{**k, "threaded": False})
server.main(args)
