"""Provisioner: for each queued job, starts an EC2 worker (unless the concurrency limit is
reached, in which case the message goes back to the queue) and records its instance id."""

import json
import os

import boto3

ec2 = boto3.client("ec2")
table = boto3.resource("dynamodb").Table(os.environ["JOBS_TABLE"])
TAG = {"Key": "ManagedBy", "Value": "seren-replication-system"}


def running_workers():
    pages = ec2.get_paginator("describe_instances").paginate(Filters=[
        {"Name": f"tag:{TAG['Key']}", "Values": [TAG["Value"]]},
        {"Name": "instance-state-name", "Values": ["pending", "running"]},
    ])
    return sum(len(r["Instances"]) for page in pages for r in page["Reservations"])


def handler(event, context):
    failed = []
    for record in event.get("Records", []):
        job = json.loads(record["body"])
        if running_workers() >= int(os.environ["MAX_CONCURRENT_JOBS"]):
            failed.append({"itemIdentifier": record["messageId"]})
            continue
        started = ec2.run_instances(
            ImageId=os.environ["WORKER_AMI_ID"], InstanceType=os.environ["WORKER_INSTANCE_TYPE"],
            MinCount=1, MaxCount=1, SubnetId=os.environ["WORKER_SUBNET_ID"],
            SecurityGroupIds=[os.environ["WORKER_SECURITY_GROUP_ID"]],
            IamInstanceProfile={"Arn": os.environ["WORKER_INSTANCE_PROFILE_ARN"]},
            InstanceInitiatedShutdownBehavior="terminate",
            UserData=f"#!/bin/sh\nexec postgres-seren-replicator worker --job-id {job['job_id']}\n",
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                TAG, {"Key": "JobId", "Value": job["job_id"]},
                {"Key": "TraceId", "Value": job["trace_id"]}]}],
        )
        table.update_item(
            Key={"job_id": job["job_id"]},
            UpdateExpression="SET #s = :s, instance_id = :i",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":s": "provisioning", ":i": started["Instances"][0]["InstanceId"]},
        )
    return {"batchItemFailures": failed}
