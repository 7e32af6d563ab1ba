"""The test plays Amazon SNS: it holds an RSA key and its certificate, serves the certificate at
an https://sns.us-east-1.amazonaws.com/... URL through the platform's replaceable transport
(chalicelib.cloud.sns_http.set_transport: no network, every fetch recorded), signs messages
the way SNS does (the string to sign of the message's type, SHA1 for SignatureVersion 1,
SHA256 for 2, PKCS#1 v1.5), and answers the SubscribeURL of the confirmations it sent."""
from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from urllib.parse import urlencode

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from chalicelib.cloud import sns_http
from chalicelib.kernel.times import iso

MARKETPLACE_ACCOUNT = "287250355862"
PRODUCT_CODE = "corral"
REGION = "us-east-1"
HOST = f"sns.{REGION}.amazonaws.com"
SUBSCRIPTION_TOPIC = f"arn:aws:sns:{REGION}:{MARKETPLACE_ACCOUNT}:" \
                     f"aws-mp-subscription-notification-{PRODUCT_CODE}"
ENTITLEMENT_TOPIC = f"arn:aws:sns:{REGION}:{MARKETPLACE_ACCOUNT}:" \
                    f"aws-mp-entitlement-notification-{PRODUCT_CODE}"
CERT_URL = f"https://{HOST}/SimpleNotificationService-0123456789abcdef0123456789abcdef.pem"
SIGNED = {  # as the SNS documentation lists them, in order
    "Notification": ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    "SubscriptionConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                 "TopicArn", "Type"),
    "UnsubscribeConfirmation": ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                "TopicArn", "Type"),
}
_KEYS: dict[str, rsa.RSAPrivateKey] = {}


def key(name: str = "sns") -> rsa.RSAPrivateKey:
    """An RSA key (made once per test process: 2048-bit keys take a while)."""
    if name not in _KEYS:
        _KEYS[name] = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return _KEYS[name]


def certificate(private_key: rsa.RSAPrivateKey, not_before: float, not_after: float) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(private_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime.fromtimestamp(not_before, dt.timezone.utc))
            .not_valid_after(dt.datetime.fromtimestamp(not_after, dt.timezone.utc))
            .sign(private_key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


def string_to_sign(message: dict) -> bytes:
    return "".join(f"{k}\n{message[k]}\n" for k in SIGNED[message["Type"]]
                   if k in message).encode()


def sign(message: dict, private_key: rsa.RSAPrivateKey | None = None) -> dict:
    """`message` with its Signature (over its fields as they are now)."""
    algorithm = hashes.SHA1() if message["SignatureVersion"] == "1" else hashes.SHA256()
    signature = (private_key or key()).sign(string_to_sign(message), padding.PKCS1v15(),
                                            algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


class FakeSns:
    """The SNS host: serves `certs` (URL -> PEM), confirms the subscriptions it asked for, and
    records every URL the platform fetched."""

    def __init__(self, now: float):
        self.certs = {CERT_URL: certificate(key(), now - 86400, now + 365 * 86400)}
        self.subscribe_urls: set[str] = set()
        self.fetched: list[str] = []
        self.confirmed: list[str] = []
        self.down = False

    def transport(self, url: str, timeout: float, max_bytes: int) -> bytes:
        assert 0 < timeout <= 10 and max_bytes <= 64 * 1024
        self.fetched.append(url)
        if self.down:
            raise sns_http.FetchFailed(f"{url} could not be fetched: timed out")
        if url in self.certs:
            return self.certs[url]
        if url in self.subscribe_urls:
            self.confirmed.append(url)
            return b"<ConfirmSubscriptionResponse/>"
        raise sns_http.FetchFailed(f"{url} answered 404")

    # ---- messages ------------------------------------------------------------------------
    def notification(self, body: dict | str, at: float, topic: str = SUBSCRIPTION_TOPIC,
                     version: str = "2", subject: str | None = None, **over) -> dict:
        message = {"Type": "Notification", "MessageId": str(uuid.uuid4()), "TopicArn": topic,
                   "Message": body if isinstance(body, str) else json.dumps(body),
                   "Timestamp": iso(at).replace("Z", ".123Z"), "SignatureVersion": version,
                   "SigningCertURL": CERT_URL,
                   "UnsubscribeURL": f"https://{HOST}/?Action=Unsubscribe&SubscriptionArn={topic}:1"}
        if subject is not None:
            message["Subject"] = subject
        message.update(over)
        return sign(message)

    def confirmation(self, at: float, topic: str = SUBSCRIPTION_TOPIC,
                     kind: str = "SubscriptionConfirmation", **over) -> dict:
        token = uuid.uuid4().hex * 2
        url = f"https://{HOST}/?" + urlencode({"Action": "ConfirmSubscription",
                                               "TopicArn": topic, "Token": token})
        self.subscribe_urls.add(url)
        message = {"Type": kind, "MessageId": str(uuid.uuid4()), "Token": token,
                   "TopicArn": topic, "Message": f"You have chosen to subscribe to the topic "
                   f"{topic}.\nTo confirm the subscription, visit the SubscribeURL included in "
                   f"this message.", "SubscribeURL": url, "Timestamp": iso(at),
                   "SignatureVersion": "1", "SigningCertURL": CERT_URL}
        message.update(over)
        return sign(message)


def marketplace_message(action: str, customer: str, product: str = PRODUCT_CODE) -> dict:
    """A Marketplace message as the SaaS topics carry it."""
    body = {"action": action, "customer-identifier": customer, "product-code": product}
    if action in ("subscribe-success", "subscribe-fail"):
        body["offer-identifier"] = "offer-abcexample123"
        body["isFreeTrialTermPresent"] = "false"
    return body


def post(platform, message: dict | str, content_type: str = "text/plain; charset=UTF-8",
         message_type: str | None = None):
    """POST a message to the platform's endpoint as SNS does."""
    headers = {"Content-Type": content_type}
    kind = message_type or (message.get("Type") if isinstance(message, dict) else None)
    if kind:
        headers["x-amz-sns-message-type"] = kind
    raw = message if isinstance(message, str) else json.dumps(message)
    return platform.http.post("/marketplace/notifications", headers=headers, body=raw)
