"""Coordinator: checks the API key, stores a submitted job (its database credentials
encrypted with KMS) and queues it for the provisioner; answers job status and health."""

import base64
import json
import os
import time
import uuid

import boto3

dynamodb = boto3.resource("dynamodb")
sqs = boto3.client("sqs")
kms = boto3.client("kms")
ssm = boto3.client("ssm")
table = dynamodb.Table(os.environ["JOBS_TABLE"])
_api_key = None


def api_key():
    """The API key, read once per container."""
    global _api_key
    if _api_key is None:
        _api_key = ssm.get_parameter(Name=os.environ["API_KEY_PARAMETER"], WithDecryption=True)[
            "Parameter"]["Value"]
    return _api_key


def reply(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"},
            "body": json.dumps(body)}


def submit(event):
    spec = json.loads(event.get("body") or "{}")
    if spec.get("command") not in {"init", "sync", "validate", "verify"}:
        return reply(400, {"error": "command must be one of init, sync, validate, verify"})
    if not spec.get("source_url") or not spec.get("target_url"):
        return reply(400, {"error": "source_url and target_url are required"})
    job_id, trace_id = str(uuid.uuid4()), str(uuid.uuid4())
    secret = json.dumps({"source_url": spec.pop("source_url"),
                         "target_url": spec.pop("target_url")}).encode()
    encrypted = kms.encrypt(KeyId=os.environ["KMS_KEY_ID"], Plaintext=secret)["CiphertextBlob"]
    now = int(time.time())
    table.put_item(Item={
        "job_id": job_id, "trace_id": trace_id, "status": "pending", "spec": spec,
        "credentials": base64.b64encode(encrypted).decode(),
        "created_at": now, "expires_at": now + int(os.environ["JOB_TTL_DAYS"]) * 86400,
    })
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"],
                     MessageBody=json.dumps({"job_id": job_id, "trace_id": trace_id}))
    return reply(201, {"job_id": job_id, "trace_id": trace_id, "status": "pending"})


def status(job_id):
    item = table.get_item(Key={"job_id": job_id}).get("Item")
    if item is None:
        return reply(404, {"error": f"no job {job_id}"})
    item.pop("credentials", None)
    return reply(200, json.loads(json.dumps(item, default=str)))


def handler(event, context):
    route = event.get("routeKey", "")
    if route == "GET /health":
        return reply(200, {"status": "ok"})
    if (event.get("headers") or {}).get("x-api-key") != api_key():
        return reply(401, {"error": "missing or wrong x-api-key"})
    if route == "POST /jobs":
        return submit(event)
    if route == "GET /jobs/{job_id}":
        return status(event["pathParameters"]["job_id"])
    return reply(404, {"error": f"no route {route}"})
