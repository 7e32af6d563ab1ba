"""POST /marketplace/notifications, the SNS endpoint: a genuine message (signed in the test
with a certificate the test serves as the SNS host, SignatureVersion 1 and 2) is taken; a
forged, tampered, unsigned, wrong-topic, bad-certificate-URL, replayed or stale one is refused
with a clear JSON error and changes nothing (the subscription's events and state, the SNS
host asked for nothing it should not be)."""
from __future__ import annotations

import json

import pytest

from chalicelib.identity import customers
from chalicelib.kernel.times import iso
from chalicelib.store import aggregates
from chalicelib.subscriptions import commands, sns
from chalicelib.subscriptions.machine import KIND
from local.accounts import DEMO_CUSTOMER_ACCOUNT_ID

from .sns_host import (CERT_URL, ENTITLEMENT_TOPIC, HOST, SUBSCRIPTION_TOPIC, certificate,
                       key, marketplace_message, post, sign)


def demo_customer() -> str:
    return customers.by_account(DEMO_CUSTOMER_ACCOUNT_ID)["customer_identifier"]


def events(platform) -> list[dict]:
    org = platform.demo.organization.uuid
    return aggregates.events(KIND, org)


def status(platform) -> str:
    return commands.get(platform.demo.organization.uuid).status.value


def refused(platform, reply, code: int, error: str, before: list) -> dict:
    """The reply is a JSON error, and nothing of the subscription moved."""
    assert reply.status_code == code, reply.body
    body = json.loads(reply.body)
    assert body["error"] == error and body["message"], body
    assert events(platform) == before
    return body


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_genuine_message_is_taken_with_either_signature_version(platform, fake_sns, version):
    message = fake_sns.notification(marketplace_message("unsubscribe-pending", demo_customer()),
                                    platform.clock(), version=version)
    reply = post(platform, message)
    assert reply.status_code == 200, reply.body
    assert json.loads(reply.body) == {
        "status": "applied", "subscription": "UNSUBSCRIBE_PENDING",
        "message": "unsubscribe-pending: SUBSCRIBED -> UNSUBSCRIBE_PENDING"}
    assert fake_sns.fetched == [CERT_URL]
    entry = commands.get(platform.demo.organization.uuid).history[-1]
    assert (entry.message_id, entry.via) == (message["MessageId"], "sns")


def test_a_subject_is_signed_when_present(platform, fake_sns):
    message = fake_sns.notification(marketplace_message("unsubscribe-pending", demo_customer()),
                                    platform.clock(), subject="AWS Notification")
    assert post(platform, message).status_code == 200
    tampered = fake_sns.notification(marketplace_message("subscribe-success", demo_customer()),
                                     platform.clock())
    tampered["Subject"] = "added after signing"
    refused(platform, post(platform, tampered), 403, "SignatureInvalid", events(platform))


def test_forged_and_tampered_messages_change_nothing(platform, fake_sns):
    before = events(platform)
    now = platform.clock()
    body = marketplace_message("unsubscribe-success", demo_customer())
    forged = sign(fake_sns.notification(body, now), key("someone else"))
    refused(platform, post(platform, forged), 403, "SignatureInvalid", before)
    for name, value, code, error in (
            ("Message", json.dumps({**body, "customer-identifier": "X0other"}), 403,
             "SignatureInvalid"),
            ("Timestamp", "2030-01-01T00:00:00.000Z", 403, "SignatureInvalid"),
            ("MessageId", "other-id", 403, "SignatureInvalid"),
            ("TopicArn", ENTITLEMENT_TOPIC, 403, "SignatureInvalid"),
            ("Type", "SubscriptionConfirmation", 400, "ValidationError")):   # no SubscribeURL
        tampered = {**fake_sns.notification(body, now), name: value}
        refused(platform, post(platform, tampered), code, error, before)
    garbled = {**fake_sns.notification(body, now), "Signature": "not base64 at all!"}
    refused(platform, post(platform, garbled), 403, "SignatureInvalid", before)
    other_version = {**fake_sns.notification(body, now, version="2"), "SignatureVersion": "1"}
    refused(platform, post(platform, other_version), 403, "SignatureInvalid", before)
    unknown_version = fake_sns.notification(body, now, version="3")
    refused(platform, post(platform, unknown_version), 403, "SignatureInvalid", before)
    assert status(platform) == "SUBSCRIBED"


def test_unsigned_and_malformed_messages_are_refused(platform, fake_sns):
    before = events(platform)
    message = fake_sns.notification(marketplace_message("unsubscribe-success", demo_customer()),
                                    platform.clock())
    for missing in ("Signature", "SigningCertURL", "SignatureVersion", "MessageId",
                    "Timestamp", "TopicArn", "Message"):
        reply = post(platform, {k: v for k, v in message.items() if k != missing})
        assert refused(platform, reply, 400, "ValidationError", before)["field"] == missing
    refused(platform, post(platform, {**message, "MessageId": 7}), 400, "ValidationError",
            before)
    refused(platform, post(platform, {**message, "Timestamp": "yesterday"}), 400,
            "ValidationError", before)
    refused(platform, post(platform, "{not json"), 400, "ValidationError", before)
    refused(platform, post(platform, "[1, 2]"), 400, "ValidationError", before)
    refused(platform, post(platform, message, message_type="SubscriptionConfirmation"), 400,
            "ValidationError", before)
    assert fake_sns.fetched == []


def test_only_the_products_two_topics_are_taken(platform, fake_sns):
    before = events(platform)
    now = platform.clock()
    body = marketplace_message("unsubscribe-success", demo_customer())
    for topic in ("arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-other",
                  "arn:aws:sns:us-east-1:111122223333:aws-mp-subscription-notification-corral",
                  "arn:aws:sns:us-west-2:287250355862:aws-mp-subscription-notification-corral",
                  "arn:aws:sns:us-east-1:287250355862:MyTopic"):
        refused(platform, post(platform, fake_sns.notification(body, now, topic=topic)), 403,
                "UnexpectedTopic", before)
    assert fake_sns.fetched == []     # nothing fetched for a topic that is not ours
    # Each topic carries its own actions.
    wrong = fake_sns.notification(body, now, topic=ENTITLEMENT_TOPIC)
    refused(platform, post(platform, wrong), 400, "ValidationError", before)
    right = fake_sns.notification(marketplace_message("entitlement-updated", demo_customer()),
                                  now, topic=ENTITLEMENT_TOPIC)
    assert json.loads(post(platform, right).body)["status"] == "applied"


@pytest.mark.parametrize("url", [
    f"http://{HOST}/SimpleNotificationService-1.pem",
    "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem",
    "https://evil.example/sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
    f"https://{HOST}@evil.example/SimpleNotificationService-1.pem",
    f"https://evil.example@{HOST}/SimpleNotificationService-1.pem",
    f"https://{HOST}:8443/SimpleNotificationService-1.pem",
    "https://sns.us-west-2.amazonaws.com/SimpleNotificationService-1.pem",
    "https://sns.us-east-1.amazonaws.com.cn/SimpleNotificationService-1.pem",
    "https://SNS.US-EAST-1.AMAZONAWS.COM/SimpleNotificationService-1.pem",
    f"https://{HOST}/SimpleNotificationService-1.pem?x=1",
    f"https://{HOST}/SimpleNotificationService-1.txt",
    f"https://{HOST}\\@evil.example/a.pem",
    f" https://{HOST}/SimpleNotificationService-1.pem",
])
def test_a_certificate_is_fetched_only_from_the_topics_sns_host(platform, fake_sns, url):
    fake_sns.certs[url] = fake_sns.certs[CERT_URL]   # served, were it ever asked for
    before = events(platform)
    message = fake_sns.notification(marketplace_message("unsubscribe-success", demo_customer()),
                                    platform.clock(), SigningCertURL=url)
    body = refused(platform, post(platform, message), 403, "UntrustedURL", before)
    assert "SigningCertURL" in body["message"]
    assert fake_sns.fetched == []


def test_certificates_that_cannot_be_trusted_or_fetched(platform, fake_sns):
    before = events(platform)
    now = platform.clock()
    body = marketplace_message("unsubscribe-success", demo_customer())

    def with_cert(name: str, pem: bytes | None) -> dict:
        url = f"https://{HOST}/SimpleNotificationService-{name}.pem"
        if pem is not None:
            fake_sns.certs[url] = pem
        return fake_sns.notification(body, now, SigningCertURL=url)

    refused(platform, post(platform, with_cert("expired", certificate(key(), now - 90 * 86400,
                                                                     now - 86400))),
            403, "CertificateInvalid", before)
    refused(platform, post(platform, with_cert("later", certificate(key(), now + 3600,
                                                                   now + 86400))),
            403, "CertificateInvalid", before)
    refused(platform, post(platform, with_cert("garbage", b"hello")), 403, "CertificateInvalid",
            before)
    reply = post(platform, with_cert("missing", None))
    assert refused(platform, reply, 503, "CertificateUnavailable", before)
    fake_sns.down = True
    refused(platform, post(platform, fake_sns.notification(body, now)), 503,
            "CertificateUnavailable", before)


def test_a_replayed_message_changes_nothing(platform, fake_sns):
    message = fake_sns.notification(marketplace_message("unsubscribe-pending", demo_customer()),
                                    platform.clock())
    assert post(platform, message).status_code == 200
    before = events(platform)
    platform.clock.advance(600)
    body = refused(platform, post(platform, message), 409, "Replayed", before)
    assert message["MessageId"] in body["message"]
    # Within its hour, and past the replay window a message is stale anyway.
    platform.clock.advance(sns.MAX_AGE_SECONDS)
    refused(platform, post(platform, message), 400, "StaleMessage", before)


def test_stale_and_future_messages_are_refused(platform, fake_sns):
    before = events(platform)
    now = platform.clock()
    body = marketplace_message("unsubscribe-success", demo_customer())
    old = fake_sns.notification(body, now - sns.MAX_AGE_SECONDS - 1)
    refused(platform, post(platform, old), 400, "StaleMessage", before)
    future = fake_sns.notification(body, now + sns.CLOCK_SKEW_SECONDS + 60)
    refused(platform, post(platform, future), 400, "StaleMessage", before)
    # An hour late is what SNS's own retries can take: still taken.
    late = fake_sns.notification(body, now - sns.MAX_AGE_SECONDS + 60)
    assert json.loads(post(platform, late).body)["status"] == "applied"


def test_certificates_are_cached_and_the_cache_is_bounded(platform, fake_sns):
    now = platform.clock()
    for action in ("unsubscribe-pending", "subscribe-success", "entitlement-updated"):
        topic = ENTITLEMENT_TOPIC if action == "entitlement-updated" else SUBSCRIPTION_TOPIC
        message = fake_sns.notification(marketplace_message(action, demo_customer()), now,
                                        topic=topic)
        assert post(platform, message).status_code == 200, action
    assert fake_sns.fetched == [CERT_URL]
    for n in range(sns.CERT_CACHE_SIZE + 4):
        url = f"https://{HOST}/SimpleNotificationService-{n}.pem"
        fake_sns.certs[url] = fake_sns.certs[CERT_URL]
        sns.certificate(url, now)
    assert len(sns._certs) == sns.CERT_CACHE_SIZE
    assert CERT_URL not in sns._certs     # the least recently used went first
    platform.clock.advance(sns.CERT_CACHE_SECONDS + 1)
    fetched = len(fake_sns.fetched)
    sns.certificate(f"https://{HOST}/SimpleNotificationService-{n}.pem", platform.clock())
    assert len(fake_sns.fetched) == fetched + 1     # fetched again once a day


def test_a_subscription_is_confirmed_only_once_the_message_is_verified(platform, fake_sns):
    now = platform.clock()
    forged = sign(fake_sns.confirmation(now), key("someone else"))
    assert post(platform, forged).status_code == 403
    other_topic = fake_sns.confirmation(
        now, topic="arn:aws:sns:us-east-1:287250355862:aws-mp-subscription-notification-other")
    assert post(platform, other_topic).status_code == 403
    stale = fake_sns.confirmation(now - sns.MAX_AGE_SECONDS - 5)
    assert post(platform, stale).status_code == 400
    assert fake_sns.confirmed == []
    genuine = fake_sns.confirmation(now)
    reply = post(platform, genuine)
    assert reply.status_code == 200, reply.body
    assert json.loads(reply.body)["status"] == "confirmed"
    assert fake_sns.confirmed == [genuine["SubscribeURL"]]
    assert post(platform, genuine).status_code == 409      # a replay confirms nothing again
    assert fake_sns.confirmed == [genuine["SubscribeURL"]]


@pytest.mark.parametrize("url", [
    "https://evil.example/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
    "http://" + HOST + "/?Action=ConfirmSubscription&TopicArn={topic}&Token={token}",
    "https://" + HOST + "/?Action=Unsubscribe&TopicArn={topic}&Token={token}",
    "https://" + HOST + "/?Action=ConfirmSubscription&TopicArn={topic}x&Token={token}",
    "https://" + HOST + "/?Action=ConfirmSubscription&TopicArn={topic}&Token=other",
])
def test_a_subscribe_url_elsewhere_is_never_visited(platform, fake_sns, url):
    message = fake_sns.confirmation(platform.clock())
    bad = url.format(topic=message["TopicArn"], token=message["Token"])
    fake_sns.subscribe_urls.add(bad)
    message = sign({**message, "SubscribeURL": bad})
    reply = post(platform, message)
    assert reply.status_code == 403 and json.loads(reply.body)["error"] == "UntrustedURL"
    assert fake_sns.confirmed == []


def test_a_confirmation_that_fails_is_answered_502_and_can_be_retried(platform, fake_sns):
    message = fake_sns.confirmation(platform.clock())
    fake_sns.subscribe_urls.discard(message["SubscribeURL"])    # SNS answers 404
    reply = post(platform, message)
    assert reply.status_code == 502 and json.loads(reply.body)["error"] == "ConfirmationFailed"
    fake_sns.subscribe_urls.add(message["SubscribeURL"])
    assert post(platform, message).status_code == 200    # not remembered: the retry goes
    assert fake_sns.confirmed == [message["SubscribeURL"]]


def test_an_unsubscribe_confirmation_is_noted_not_acted_on(platform, fake_sns):
    message = fake_sns.confirmation(platform.clock(), kind="UnsubscribeConfirmation")
    reply = post(platform, message)
    assert reply.status_code == 200 and json.loads(reply.body)["status"] == "noted"
    assert fake_sns.confirmed == []
    assert status(platform) == "SUBSCRIBED"


def test_a_genuine_message_that_cannot_be_read_is_kept_and_refused(platform, fake_sns):
    before = events(platform)
    now = platform.clock()
    for body, why in (({"action": "subscribe-later", "customer-identifier": demo_customer(),
                        "product-code": "corral"}, "action"),
                      (marketplace_message("unsubscribe-success", demo_customer(), "other"),
                       "product code"),
                      ({"action": "unsubscribe-success", "product-code": "corral"},
                       "customer-identifier"),
                      ("not json", "not JSON")):
        message = fake_sns.notification(body, now)
        reply = refused(platform, post(platform, message), 400, "ValidationError", before)
        assert why in reply["message"] and "kept" in reply["message"]
    kept = commands.refused_in(iso(now)[:7])
    assert [k["via"] for k in kept] == ["sns"] * 4
    assert any("subscribe-later" in k["raw"] and "action" in k["reason"] for k in kept)


def test_the_string_to_sign_is_the_documented_one():
    env = sns.parse({"Type": "Notification", "MessageId": "m-1", "TopicArn": "arn:t",
                     "Message": "hello\nworld", "Timestamp": "2012-04-25T21:49:25.719Z",
                     "SignatureVersion": "1", "Signature": "x", "SigningCertURL": "u",
                     "UnsubscribeURL": "not signed"})
    assert sns.string_to_sign(env) == (b"Message\nhello\nworld\nMessageId\nm-1\nTimestamp\n"
                                       b"2012-04-25T21:49:25.719Z\nTopicArn\narn:t\nType\n"
                                       b"Notification\n")


def test_without_a_product_code_nothing_is_taken(platform, fake_sns, monkeypatch):
    from chalicelib.kernel import config
    message = fake_sns.notification(marketplace_message("unsubscribe-success", demo_customer()),
                                    platform.clock())
    monkeypatch.setenv("CORRAL_MARKETPLACE_PRODUCT_CODE", "")
    config.reset()
    try:
        reply = post(platform, message)
    finally:
        monkeypatch.undo()
        config.reset()
    assert reply.status_code == 503 and json.loads(reply.body)["error"] == "NotConfigured"
    assert status(platform) == "SUBSCRIBED"


def test_only_text_or_json_bodies_are_taken(platform, fake_sns):
    message = fake_sns.notification(marketplace_message("unsubscribe-pending", demo_customer()),
                                    platform.clock())
    assert post(platform, message, content_type="application/x-www-form-urlencoded"
                ).status_code == 415
    assert post(platform, message, content_type="application/json").status_code == 200
