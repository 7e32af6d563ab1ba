"""Email the platform sends, through Amazon SES (moto's SES in local mode, where the sender
identity is verified by local/stack.py). The sender is config.mail_from, which must be a
verified SES identity in the deployment's region."""
from __future__ import annotations

import html
import logging

from ..cloud.sessions import call, platform_client
from ..kernel import config
from ..kernel.errors import CloudError

log = logging.getLogger("corral.mail")


class MailError(Exception):
    pass


def _send(to: str, subject: str, text: str, html_body: str) -> str:
    s = config.get()
    try:
        reply = call(platform_client("ses", s.region).send_email,
                     Source=s.mail_from, Destination={"ToAddresses": [to]},
                     Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                              "Body": {"Text": {"Data": text, "Charset": "UTF-8"},
                                       "Html": {"Data": html_body, "Charset": "UTF-8"}}})
    except CloudError as e:
        log.warning("could not send %r: %s", subject, e.reason)
        raise MailError(e.reason) from e
    return reply["MessageId"]


def send_activation(to: str, name: str, url: str) -> str:
    """The activation email. Returns SES's message id. Raises MailError."""
    text = (f"Hello {name},\n\nWelcome to Corral. Activate your account by opening this link "
            f"(it works once, for 24 hours):\n\n{url}\n\nIf you did not sign up, ignore this "
            "email.\n")
    body = (f"<p>Hello {html.escape(name)},</p><p>Welcome to Corral. Activate your account "
            f"(the link works once, for 24 hours):</p><p><a href=\"{html.escape(url)}\">"
            f"Activate my account</a></p><p>If you did not sign up, ignore this email.</p>")
    message_id = _send(to, "Activate your Corral account", text, body)
    if config.get().mail_echo:   # local mode: the person running it reads the link here
        print(f"Activation link for {to}: {url}", flush=True)
    log.info("activation email sent (message %s)", message_id)
    return message_id
