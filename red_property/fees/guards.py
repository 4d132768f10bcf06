"""Issued documents never change: a flush guard refuses it on every ORM code path.

What may still be recorded on them is what happens after issue: a bill's
``paid_fen`` (moved only together with a new payment) and the ``file_id`` of a
document's stored PDF (set once, from empty).  Nothing issued is ever deleted:
a mistake is corrected by a new document, never by editing an old one.
"""
from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from red_property.core.tenancy import TenantSession
from red_property.fees.models import Bill, Payment, SubscriptionInvoice

MUTABLE = {Bill: {"paid_fen", "file_id", "file_page"}, Payment: {"file_id"}, SubscriptionInvoice: set()}


class IssuedDocumentIsFinal(RuntimeError):
    """Something tried to change or delete an issued invoice, receipt or payment."""


@event.listens_for(TenantSession, "before_flush")
def _issued_documents_are_final(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if type(obj) in MUTABLE:
            raise IssuedDocumentIsFinal(f"{type(obj).__name__} {obj.id} is issued and cannot be deleted")
    for obj in session.dirty:
        allowed = MUTABLE.get(type(obj))
        if allowed is None or not session.is_modified(obj):
            continue
        state = inspect(obj)
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if "file_id" in changed and state.attrs.file_id.history.deleted not in ([], [None], ()):
            raise IssuedDocumentIsFinal(f"{type(obj).__name__} {obj.id}: its PDF is already stored")
        if changed - allowed:
            raise IssuedDocumentIsFinal(f"{type(obj).__name__} {obj.id} is issued: {sorted(changed - allowed)}")
