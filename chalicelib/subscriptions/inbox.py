"""The two ways in, to one code path: an SNS message posted to the platform's endpoint
(routes.py) and an EventBridge event (handlers/marketplace.py) each become a Notice
(notices.py) that commands.receive applies.

SNS, in this order, each refusal a clear JSON error (sns.py says what each check is): the
envelope's fields; the TopicArn; the certificate and the signature; freshness; a replay (a
message id handled within REPLAY_SECONDS: 409); then by type. A SubscriptionConfirmation is
confirmed (its SubscribeURL fetched); an UnsubscribeConfirmation is noted, never acted on (a
visit to its SubscribeURL would subscribe again); a Notification's message is read and
applied. A genuine message that cannot be read is kept (commands.keep_refused) and answered
400. The message id is remembered once the message was handled, so a crash before that lets
SNS's own retry through, and the subscription's own dedupe (message ids in its state) makes
that retry change nothing twice.

EventBridge invokes a Lambda function, not a URL: no signature, the rule and IAM say it is
AWS's. An event that cannot be read is kept and answered (returned) without raising: AWS
would only retry it; anything else that fails raises, so Lambda retries it and then sends it
to the function's dead-letter queue (.chalice/merge-template.json)."""
from __future__ import annotations

import json
import logging

from ..api.http import ApiError
from ..cloud import sns_http
from ..kernel import clock, config
from . import commands, notices

log = logging.getLogger("corral.subscriptions.inbox")


def from_sns(body: dict, message_type_header: str | None) -> dict:
    """Handle an SNS message (its JSON body and x-amz-sns-message-type header): the reply's
    body, or an ApiError."""
    from . import sns   # cryptography, on the first message: `import app` stays light
    env = sns.parse(body, message_type_header)
    topic = sns.check_topic(env)
    now = clock.now()
    sns.verify(env, now)
    sns.check_fresh(env, now)
    keep_seconds = sns.MAX_AGE_SECONDS + 2 * sns.CLOCK_SKEW_SECONDS   # then it is stale
    handled = commands.seen(env.message_id, now)
    if handled is not None:
        raise ApiError(409, "Replayed", f"message {env.message_id[:100]} was received already "
                       f"({handled.get('what')}): a replay changes nothing")
    if env.type == sns.SUBSCRIPTION_CONFIRMATION:
        url = sns.check_subscribe_url(env)
        try:
            sns_http.get(url)
        except sns_http.FetchFailed as e:
            raise ApiError(502, "ConfirmationFailed", f"the subscription to {env.topic_arn} "
                           f"could not be confirmed: {e}") from None
        commands.remember(env.message_id, now, "subscription confirmed", keep_seconds)
        log.info("confirmed the subscription to %s", env.topic_arn)
        return {"status": "confirmed",
                "message": f"Subscribed to {env.topic_arn}: its notices will be taken."}
    if env.type == sns.UNSUBSCRIBE_CONFIRMATION:
        commands.remember(env.message_id, now, "unsubscription noted", keep_seconds)
        log.warning("the endpoint was unsubscribed from %s", env.topic_arn)
        return {"status": "noted",
                "message": f"The endpoint was unsubscribed from {env.topic_arn}. It is not "
                           f"subscribed again from here: redeploy the stack's subscription."}
    try:
        notice = notices.from_sns(env.message, topic, env.message_id, env.timestamp,
                                  config.get().marketplace_product_code)
    except notices.BadNotice as e:
        commands.keep_refused("sns", env.message_id, str(e), env.message)
        commands.remember(env.message_id, now, f"refused: {e}", keep_seconds)
        raise ApiError(400, "ValidationError", f"Message: {e}. It is kept for review.",
                       "Message") from None
    outcome = commands.receive(notice)
    commands.remember(env.message_id, now, outcome.status, keep_seconds)
    return outcome.reply()


def from_eventbridge(event) -> dict:
    """Handle an EventBridge event from AWS Marketplace: what became of it."""
    s = config.get()
    try:
        if not s.marketplace_product_code:
            raise notices.BadNotice("this platform has no AWS Marketplace product "
                                    "(CORRAL_MARKETPLACE_PRODUCT_CODE is not set)")
        notice = notices.from_eventbridge(event, s.marketplace_product_code,
                                          s.platform_account_id)
    except notices.BadNotice as e:
        event_id = event.get("id") if isinstance(event, dict) else None
        commands.keep_refused("eventbridge", str(event_id or "-"), str(e),
                              json.dumps(event, default=str))
        return {"status": "refused", "message": str(e)}
    return commands.receive(notice).reply()
