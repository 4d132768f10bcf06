"""Notifications by email, when ``MAIL_URL`` is set (``onboarding.mail``): always from a job.

Each unsent notification of the tenant (made in the last ``MAIL_WINDOW``: setting up
mail later does not send a backlog) is mailed to its recipient in their own
language, then marked ``emailed_at``.  Delivery is at-least-once: a job killed
between the send and the commit sends that one message again.
"""
from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.accounts.models import User
from red_property.core import clock
from red_property.core.tenancy import current_tenant_id
from red_property.notifications import kinds
from red_property.notifications.models import Notification
from red_property.onboarding.mail import MailError, mail_settings, send_mail
from red_property.tenants.models import Tenant

MAIL_WINDOW = dt.timedelta(days=2)
BATCH = 200


def configured() -> bool:
    return mail_settings(current_app.config) is not None


def send_pending(session: Session) -> dict:
    """Mail the tenant's unsent notifications; ``{"sent": n, "failed": m}`` (nothing without ``MAIL_URL``)."""
    settings = mail_settings(current_app.config)
    if settings is None:
        return {"sent": 0, "failed": 0}
    tenant = session.get(Tenant, current_tenant_id(session))
    rows = session.execute(select(Notification, User).join(User, User.id == Notification.user_id)
                           .where(Notification.emailed_at.is_(None), User.active.is_(True),
                                  Notification.created_at >= clock.now() - MAIL_WINDOW)
                           .order_by(Notification.id).limit(BATCH)).tuples().all()
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    sent = failed = 0
    for notification, user in rows:
        with force_locale(user.locale or "zh"):
            title = kinds.title(notification)
            body = "\n\n".join([kinds.body(notification), base + kinds.link(notification, tenant.slug),
                                _("—— 红色物业 %(tenant)s", tenant=tenant.name)])
        try:
            send_mail(settings, to=user.email, subject=title, body=body)
        except MailError as exc:
            current_app.logger.warning("notification %s: mail not sent: %s", notification.id, exc)
            failed += 1
            continue
        notification.emailed_at = clock.now()
        session.commit()
        sent += 1
    return {"sent": sent, "failed": failed}
