"""The local stand-in for Lambda's event sources: it delivers the work queue's messages to the
same worker function Lambda runs (in Lambda's SQS event shape) and calls the same tick.
Tests call drain()/tick() themselves; `make run` runs it in a thread."""
from __future__ import annotations

import logging
import threading
import time
from typing import Callable

import boto3

from chalicelib.kernel import config
from handlers import tick as tick_handler
from handlers import worker

log = logging.getLogger("corral.pump")


class Pump:
    def __init__(self, queue_url: str | None = None, region: str | None = None):
        s = config.get()
        self.queue_url = queue_url or s.work_queue_url
        self.sqs = boto3.client("sqs", region_name=region or s.region)
        self.arn = self.sqs.get_queue_attributes(
            QueueUrl=self.queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.failures = 0

    def _deliver(self, message: dict) -> bool:
        event = {"Records": [{
            "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"], "attributes": message.get("Attributes", {}),
            "messageAttributes": {}, "md5OfBody": message.get("MD5OfBody", ""),
            "eventSource": "aws:sqs", "eventSourceARN": self.arn, "awsRegion": config.get().region,
        }]}
        try:
            worker.on_work(event, None)
        except Exception:
            # As on Lambda: the message stays, comes back after its visibility timeout, and
            # goes to the dead-letter queue after too many receives.
            self.failures += 1
            log.exception("worker failed on %s", message["Body"])
            return False
        self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return True

    def drain(self, limit: int = 10_000, wait_seconds: int = 0) -> int:
        """Deliver messages until the queue shows none visible. Returns how many were handled."""
        handled = 0
        while handled < limit:
            messages = self.sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds,
                AttributeNames=["All"]).get("Messages", [])
            if not messages:
                return handled
            for m in messages:
                self._deliver(m)
                handled += 1
            wait_seconds = 0
        return handled

    def tick(self) -> None:
        """Deliver one scheduled event to the tick handler, as EventBridge would."""
        tick_handler.on_tick({"version": "0", "id": "local", "source": "aws.events", "account": "",
                              "time": "", "region": config.get().region, "resources": [],
                              "detail-type": "Scheduled Event", "detail": {}}, None)

    def run_forever(self, stop: threading.Event, tick_seconds: float,
                    clock_offset: Callable[[], float] | None = None) -> None:
        """Deliver messages as they come and tick every `tick_seconds` (real seconds), until
        `stop` is set. `clock_offset` (local/clock.py): when it moves (the platform's clock
        was moved forward), tick at once, so what came due in the jump is found now."""
        next_tick = time.monotonic()
        offset = clock_offset() if clock_offset else 0.0
        while not stop.is_set():
            try:
                moved = clock_offset() if clock_offset else 0.0
                if time.monotonic() >= next_tick or moved != offset:
                    offset = moved
                    self.tick()
                    next_tick = time.monotonic() + tick_seconds
                self.drain(wait_seconds=1)
            except Exception:
                log.exception("pump loop error")
                stop.wait(1)
