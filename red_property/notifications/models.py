"""A notification: one row per recipient, owned by the recipient's tenant.

The row keeps the *kind* and its parameters, never rendered text: the title and
body are Chinese message ids rendered when shown (``kinds.py``), so the English
switch applies to notifications made before the user switched, and an email is
rendered in the recipient's own language.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from red_property.core import clock
from red_property.core.model import Base, BigId, TenantScoped


class Notification(TenantScoped, Base):
    """通知: something one user must act on, and whether they have read it."""

    __tablename__ = "notification"
    __label__ = _l("通知")
    __audited__ = False  # made by the system for the system's events, which are audited themselves
    __extra_table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["user_account.tenant_id", "user_account.id"],
                             ondelete="CASCADE"),
        # Idempotence: one notification per user, thing and occasion (an overdue event, a period).
        UniqueConstraint("tenant_id", "user_id", "kind", "subject_id", "occasion"),
        Index("ix_notification_tenant_id_user_id_read_at", "tenant_id", "user_id", "read_at"),
    )

    user_id: Mapped[int] = mapped_column(BigId)
    kind: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int] = mapped_column(BigId)              # the demand, run, appeal… (0: none)
    occasion: Mapped[str] = mapped_column(String(40), default="")  # e.g. the overdue time, the period
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    read_at: Mapped[dt.datetime | None]
    emailed_at: Mapped[dt.datetime | None]
