"""The audit log: every write, with who, which tenant, what, before and after.

Rows are written by a flush listener in the same transaction as the change, so
a write and its audit entry commit or roll back together.  Columns marked
``info={"secret": True}`` (password and token hashes) are never copied here.
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from red_property.core import clock
from red_property.core.bulk import plain, write_rows
from red_property.core.model import Base, BigId, TenantScoped
from red_property.core.tenancy import ACTOR, TENANT, TenantSession


class AuditEntry(TenantScoped, Base):
    __tablename__ = "audit_entry"
    __label__ = _l("审计记录")
    __audited__ = False

    actor_id: Mapped[int | None] = mapped_column(BigId)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[int | None] = mapped_column(BigId)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(default=clock.now, index=True)


def _columns(obj) -> list:
    return [c for c in inspect(obj).mapper.column_attrs if not c.columns[0].info.get("secret")]


def _snapshot(obj) -> dict:
    return {c.key: plain(getattr(obj, c.key)) for c in _columns(obj)}


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    for attr in _columns(obj):
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            before[attr.key] = plain(hist.deleted[0]) if hist.deleted else None
            after[attr.key] = plain(hist.added[0]) if hist.added else None
    return before, after


def _audited(obj) -> bool:
    return getattr(obj, "__audited__", True) and getattr(obj, "__tenant_scoped__", False)


@event.listens_for(TenantSession, "after_flush")
def _write_audit(session: Session, flush_context) -> None:
    rows = []
    actor = session.info.get(ACTOR)
    now = clock.now()

    def add(obj, action, before, after):
        rows.append(dict(tenant_id=obj.tenant_id, actor_id=actor, action=action,
                         entity=obj.__tablename__, entity_id=obj.id, before=before,
                         after=after, at=now))

    for obj in session.new:
        if _audited(obj):
            add(obj, "create", None, _snapshot(obj))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after or before:
                add(obj, "update", before, after)
    for obj in session.deleted:
        if _audited(obj):
            add(obj, "delete", _snapshot(obj), None)
    if rows:
        write_rows(session.connection(), AuditEntry, rows)


def record_event(session: Session, *, action: str, entity: str, entity_id: int | None = None,
                 after: dict | None = None) -> None:
    """Log something that is not a row change (a login, a cross-tenant read)."""
    session.add(AuditEntry(tenant_id=session.info.get(TENANT), actor_id=session.info.get(ACTOR),
                           action=action, entity=entity, entity_id=entity_id, after=after))
