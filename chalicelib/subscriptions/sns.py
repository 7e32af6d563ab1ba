"""Amazon SNS messages posted to the platform's HTTPS endpoint, checked the way "Verifying the
signatures of Amazon SNS messages" (Amazon SNS Developer Guide) says, before anything in them
is used:

- the message is one of the three types, with every field its type signs, as strings;
- its TopicArn is one of the two topics the AWS Marketplace publishes this product's notices
  on (config: product code, the Marketplace's account and region), nothing else;
- its SigningCertURL is https on the SNS host of the topic's region and partition
  (sns.<region>.amazonaws.com, or .amazonaws.com.cn in China), exactly: no other host, port,
  user info, query or fragment, a .pem path;
- the certificate there (fetched with a timeout over TLS, no redirect, cached: at most
  CERT_CACHE_SIZE of them, each for CERT_CACHE_SECONDS) is within its validity period and
  holds an RSA key that verifies the Signature (base64) over the string to sign: the signed
  fields of the type, in order, each as "<name>\\n<value>\\n", Subject only when present,
  with SHA1 for SignatureVersion 1 and SHA256 for SignatureVersion 2;
- it is fresh: its Timestamp at most MAX_AGE_SECONDS old (SNS retries a delivery to an HTTP/S
  endpoint for an hour at most) and at most CLOCK_SKEW_SECONDS ahead of the platform's clock.
  Within that window a message id seen before is a replay (commands.py keeps them).

A SubscriptionConfirmation is confirmed by GETting its SubscribeURL, checked the same way (the
topic's SNS host, Action=ConfirmSubscription, the message's own TopicArn and Token), and only
once the message passed every check above. Every refusal is an ApiError with a clear message:
400 for a malformed or stale message, 403 for one whose origin cannot be trusted (topic,
certificate, signature), 503 when the certificate cannot be fetched (SNS retries those)."""
from __future__ import annotations

import base64
import binascii
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..api.http import ApiError
from ..cloud import sns_http
from ..kernel import config
from ..kernel.times import iso, parse_iso
from .notices import ENTITLEMENT_TOPIC, SUBSCRIPTION_TOPIC

NOTIFICATION = "Notification"
SUBSCRIPTION_CONFIRMATION = "SubscriptionConfirmation"
UNSUBSCRIBE_CONFIRMATION = "UnsubscribeConfirmation"
# What each type signs, in the order the string to sign lists them.
SIGNED = {
    NOTIFICATION: ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"),
    SUBSCRIPTION_CONFIRMATION: ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                "TopicArn", "Type"),
    UNSUBSCRIBE_CONFIRMATION: ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                               "TopicArn", "Type"),
}
OPTIONAL = ("Subject",)
SIGNATURE_FIELDS = ("SignatureVersion", "Signature", "SigningCertURL")
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
MAX_AGE_SECONDS = 3600
CLOCK_SKEW_SECONDS = 300
CERT_CACHE_SIZE = 16
CERT_CACHE_SECONDS = 24 * 3600
TOPIC_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov):sns:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):"
                       r"([A-Za-z0-9_-]{1,256})$")
UNSAFE_URL = re.compile(r"[\s\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Envelope:
    type: str
    message_id: str
    topic_arn: str
    timestamp: float
    fields: dict       # every field as it came (strings)

    @property
    def message(self) -> str:
        return self.fields["Message"]


def parse(body: dict, message_type_header: str | None = None) -> Envelope:
    """The message's fields, checked for presence and type (400 otherwise)."""
    kind = body.get("Type")
    if kind not in SIGNED:
        raise _bad(f"Type {kind!r} is not one of {', '.join(SIGNED)}")
    if message_type_header is not None and message_type_header != kind:
        raise _bad(f"the x-amz-sns-message-type header ({message_type_header}) is not the "
                   f"message's Type ({kind})")
    fields = {}
    for name in SIGNED[kind] + SIGNATURE_FIELDS:
        value = body.get(name)
        if value is None and name in OPTIONAL:
            continue
        if not isinstance(value, str) or (not value and name not in ("Message", "Subject")):
            raise _bad(f"{name} is missing or not a string", name)
        fields[name] = value
    try:
        timestamp = parse_iso(fields["Timestamp"])
    except ValueError as e:
        raise _bad(f"Timestamp: {e}", "Timestamp") from None
    return Envelope(kind, fields["MessageId"], fields["TopicArn"], timestamp, fields)


def expected_topics() -> dict[str, str]:
    """ARN -> topic name (without the product code) of the topics accepted. Raises 503 when
    the platform has no Marketplace product configured."""
    s = config.get()
    if not s.marketplace_product_code:
        raise ApiError(503, "NotConfigured", "This platform has no AWS Marketplace product "
                       "(CORRAL_MARKETPLACE_PRODUCT_CODE is not set): it takes no "
                       "notifications.")
    prefix = f"arn:aws:sns:{s.marketplace_topic_region}:{s.marketplace_topic_account}"
    return {f"{prefix}:{topic}-{s.marketplace_product_code}": topic
            for topic in (SUBSCRIPTION_TOPIC, ENTITLEMENT_TOPIC)}


def check_topic(env: Envelope) -> str:
    """The topic (SUBSCRIPTION_TOPIC or ENTITLEMENT_TOPIC) of an expected TopicArn (403)."""
    topic = expected_topics().get(env.topic_arn)
    if topic is None:
        raise ApiError(403, "UnexpectedTopic", f"TopicArn {env.topic_arn[:300]} is not one of "
                       f"the AWS Marketplace topics of this platform's product")
    return topic


def sns_host(topic_arn: str) -> str:
    """The SNS host of the topic's region and partition."""
    m = TOPIC_ARN.match(topic_arn)
    if not m:
        raise _bad(f"TopicArn {topic_arn[:300]} is not an SNS topic ARN", "TopicArn")
    partition, region = m.group(1), m.group(2)
    return f"sns.{region}.amazonaws.com" + (".cn" if partition == "aws-cn" else "")


def _sns_url(url: str, host: str, what: str):
    """The parts of a URL that must be https on `host` exactly (403 otherwise)."""
    parts = urlsplit(url)
    if UNSAFE_URL.search(url) or parts.scheme != "https" or parts.netloc != host:
        raise ApiError(403, "UntrustedURL", f"{what} {url[:300]} is not an https URL on {host}, "
                       f"the SNS host of the topic's region")
    return parts


def check_cert_url(env: Envelope) -> str:
    url = env.fields["SigningCertURL"]
    parts = _sns_url(url, sns_host(env.topic_arn), "SigningCertURL")
    if parts.query or parts.fragment or not parts.path.endswith(".pem"):
        raise ApiError(403, "UntrustedURL", f"SigningCertURL {url[:300]} is not a certificate "
                       f"(.pem) path")
    return url


def string_to_sign(env: Envelope) -> bytes:
    return "".join(f"{name}\n{env.fields[name]}\n" for name in SIGNED[env.type]
                   if name in env.fields).encode("utf-8")


def verify(env: Envelope, now: float) -> None:
    """The signature, with the certificate at SigningCertURL (403, 503 when unreachable)."""
    version = env.fields["SignatureVersion"]
    if version not in HASHES:
        raise ApiError(403, "SignatureInvalid", f"SignatureVersion {version[:20]} is not 1 "
                       f"(SHA1) or 2 (SHA256)")
    try:
        signature = base64.b64decode(env.fields["Signature"], validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(403, "SignatureInvalid", "Signature is not base64") from None
    cert = certificate(check_cert_url(env), now)
    try:
        cert.public_key().verify(signature, string_to_sign(env), padding.PKCS1v15(),
                                 HASHES[version]())
    except InvalidSignature:
        raise ApiError(403, "SignatureInvalid", f"the signature of message {env.message_id[:100]} "
                       f"does not verify with the certificate at its SigningCertURL") from None


def check_fresh(env: Envelope, now: float) -> None:
    if env.timestamp < now - MAX_AGE_SECONDS:
        raise ApiError(400, "StaleMessage", f"message {env.message_id[:100]} was sent "
                       f"{iso(env.timestamp)}, more than {MAX_AGE_SECONDS // 60} minutes ago: "
                       f"refused as stale")
    if env.timestamp > now + CLOCK_SKEW_SECONDS:
        raise ApiError(400, "StaleMessage", f"message {env.message_id[:100]} says it was sent "
                       f"{iso(env.timestamp)}, in the future: refused")


def check_subscribe_url(env: Envelope) -> str:
    """The SubscribeURL of a confirmation, if it confirms this very subscription on the
    topic's SNS host (403 otherwise)."""
    url = env.fields["SubscribeURL"]
    parts = _sns_url(url, sns_host(env.topic_arn), "SubscribeURL")
    query = parse_qs(parts.query, keep_blank_values=True)
    expected = {"Action": "ConfirmSubscription", "TopicArn": env.topic_arn,
                "Token": env.fields["Token"]}
    if parts.fragment or any(query.get(k) != [v] for k, v in expected.items()):
        raise ApiError(403, "UntrustedURL", "SubscribeURL does not confirm this message's "
                       "subscription (Action=ConfirmSubscription with its TopicArn and Token)")
    return url


# ---- certificates -------------------------------------------------------------------------

_certs: "OrderedDict[str, tuple[x509.Certificate, float]]" = OrderedDict()
_lock = threading.Lock()


def certificate(url: str, now: float) -> x509.Certificate:
    """The certificate at `url` (checked), from the cache when fetched lately."""
    with _lock:
        cached = _certs.get(url)
        if cached is not None and now - cached[1] < CERT_CACHE_SECONDS:
            _certs.move_to_end(url)
            cert = cached[0]
        else:
            cert = None
    if cert is None:
        try:
            pem = sns_http.get(url)
        except sns_http.FetchFailed as e:
            raise ApiError(503, "CertificateUnavailable", f"the signing certificate could not "
                           f"be fetched: {e}") from None
        try:
            cert = x509.load_pem_x509_certificate(pem)
        except ValueError:
            raise ApiError(403, "CertificateInvalid", f"{url[:300]} holds no PEM "
                           f"certificate") from None
        if not isinstance(cert.public_key(), rsa.RSAPublicKey):
            raise ApiError(403, "CertificateInvalid", f"the certificate at {url[:300]} holds no "
                           f"RSA key")
        with _lock:
            _certs[url] = (cert, now)
            _certs.move_to_end(url)
            while len(_certs) > CERT_CACHE_SIZE:
                _certs.popitem(last=False)
    if not cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp():
        raise ApiError(403, "CertificateInvalid", f"the certificate at {url[:300]} is not valid "
                       f"at {iso(now)} (valid {iso(cert.not_valid_before_utc.timestamp())} to "
                       f"{iso(cert.not_valid_after_utc.timestamp())})")
    return cert


def forget_certificates() -> None:
    with _lock:
        _certs.clear()


def _bad(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "ValidationError", message, field)
