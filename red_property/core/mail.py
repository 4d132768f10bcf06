"""Outgoing mail: plain-text messages to one address.

``MAIL_URL`` names the SMTP server (``smtp://user:password@host:587`` with STARTTLS,
``smtps://…:465`` with TLS from the start).  Without it, messages are written as
``.eml`` files to ``MAIL_OUTBOX`` (the demo, tests, a machine that sends no mail):
nothing is lost, and an operator can read and forward them.
"""
from __future__ import annotations

import logging
import secrets
import smtplib
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import current_app

from red_property.core.model import utcnow

log = logging.getLogger(__name__)


def send_mail(to: str, subject: str, body: str) -> None:
    """Send ``body`` to ``to``; raises on an SMTP failure (the job that sends it then fails)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    url = config.get("MAIL_URL")
    if not url:
        outbox = Path(config["MAIL_OUTBOX"])
        outbox.mkdir(parents=True, exist_ok=True)
        path = outbox / f"{utcnow():%Y%m%dT%H%M%S%f}-{secrets.token_hex(4)}.eml"
        path.write_bytes(bytes(message))
        log.info("mail to %s written to %s (no MAIL_URL)", to, path)
        return
    parts = urlsplit(url)
    tls = parts.scheme == "smtps"
    client = (smtplib.SMTP_SSL if tls else smtplib.SMTP)(parts.hostname, parts.port or (465 if tls else 587),
                                                       timeout=30)
    with client:
        if not tls:
            client.starttls()
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)
