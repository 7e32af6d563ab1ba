"""What CloudFormation creates on AWS, made on the emulator instead: the two tables and the
work queue with its dead-letter queue. Also points this process's settings at them."""
from __future__ import annotations

import json
import os

import boto3

from chalicelib.kernel import config
from chalicelib.store import models, queue

QUEUE = "corral-work"
DLQ = "corral-work-dlq"
MAX_RECEIVES = 5


def provision(region: str = "us-east-1") -> str:
    """Create tables and queues (idempotent). Returns the work queue URL, also set in the
    environment so every part of the platform in this process uses it."""
    sqs = boto3.client("sqs", region_name=region)
    dlq_url = sqs.create_queue(QueueName=DLQ)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
        "Attributes"]["QueueArn"]
    url = sqs.create_queue(QueueName=QUEUE, Attributes={
        "VisibilityTimeout": "60",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                     "maxReceiveCount": str(MAX_RECEIVES)}),
    })["QueueUrl"]
    os.environ["CORRAL_WORK_QUEUE_URL"] = url
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    config.reset()
    queue.reset()
    models.create_tables()
    # As the template declares it: rows kept for a while (seen SNS message ids) expire.
    boto3.client("dynamodb", region_name=region).update_time_to_live(
        TableName=config.get().state_table,
        TimeToLiveSpecification={"AttributeName": "expires_at", "Enabled": True})
    # The sender of the platform's email (activation links): a verified SES identity.
    boto3.client("ses", region_name=region).verify_email_identity(
        EmailAddress=config.get().mail_from)
    return url


def dead_letters(region: str = "us-east-1") -> list[dict]:
    sqs = boto3.client("sqs", region_name=region)
    url = sqs.get_queue_url(QueueName=DLQ)["QueueUrl"]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
