"""Outgoing email, configured by one setting.

``MAIL_URL`` names the SMTP server: ``smtp://host:port`` (plain, e.g. a local
relay), ``smtp+starttls://user:password@host:587`` or
``smtps://user:password@host:465``; ``MAIL_FROM`` is the sender.  Without
``MAIL_URL`` nothing is sent and invitations are only shown to copy or print.
Mail is sent in the request that makes it (a job would have to keep the
invitation's secret in its parameters), with a short timeout.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class MailSettings:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    timeout: float


def mail_settings(config) -> MailSettings | None:
    """The SMTP settings from the app's config, or None when mail is not configured."""
    url = config.get("MAIL_URL")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in PORTS or not parts.hostname:
        raise MailError(f"MAIL_URL must look like smtp://host:port, smtp+starttls://… or smtps://… (got {parts.scheme!r})")
    return MailSettings(scheme=parts.scheme, host=parts.hostname, port=parts.port or PORTS[parts.scheme],
                        username=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None,
                        sender=config.get("MAIL_FROM") or f"red-property@{parts.hostname}",
                        timeout=float(config.get("MAIL_TIMEOUT", 10)))


def send_mail(settings: MailSettings, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; ``MailError`` says why it could not be sent."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    message.set_content(body)
    try:
        if settings.scheme == "smtps":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                      context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with client:
            if settings.scheme == "smtp+starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.username:
                client.login(settings.username, settings.password or "")
            client.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}") from exc
