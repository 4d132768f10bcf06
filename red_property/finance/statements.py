"""Periodic statements (收支公示): draft, publish, correct.  A published statement never changes.

- A draft names a period (a quarter by default, or a year); whenever it is
  shown its figures are computed from the ledger.
- Publishing freezes everything the owners are shown as canonical JSON
  (sorted keys, no spaces, UTF-8) in ``content`` and stores its SHA-256 as the
  ``fingerprint`` printed on the page and the PDF.  The row is final from then
  on: the flush guard and the bulk-statement guard below refuse any change in
  the ORM, and a database trigger refuses it for any SQL at all (migration
  0015).
- A correction is the next version of the same period: it says why (the
  reason) and what changed (``changes``, computed against the version it
  supersedes, and frozen into its content too).  Both versions stay public.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from sqlalchemy import event, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session

from red_property.communities.models import Community
from red_property.core import clock
from red_property.core.audit import record_event
from red_property.core.errors import InputError
from red_property.core.tenancy import TenantSession, current_actor_id, current_tenant_id
from red_property.finance.ledger import balance_before, book_of, receipts_of
from red_property.finance.models import (EXPENSE_CATEGORIES, INCOME_CATEGORIES, Direction, LedgerEntry, Statement,
                                         StatementKind)
from red_property.tenants.models import Tenant

FORMAT = 1   # of ``content``; a new layout gets a new number, old statements keep theirs
TOTALS = ("opening_balance", "income_total", "expense_total", "closing_balance")
ENTRY_FIELDS = ("date", "category", "amount", "counterparty", "note", "receipts")


class PublishedStatementIsFinal(RuntimeError):
    """Something tried to change or delete a published statement."""


def period_of(kind: StatementKind, year: int, quarter: int | None) -> tuple[str, dt.date, dt.date]:
    """(``"2026-Q3"`` or ``"2026"``, first day, last day)."""
    if not 2000 <= year <= 2100:
        raise InputError("year", "年度应在 2000 到 2100 之间")
    if kind == StatementKind.YEAR:
        return str(year), dt.date(year, 1, 1), dt.date(year, 12, 31)
    if quarter not in (1, 2, 3, 4):
        raise InputError("quarter", "季度应为 1 到 4")
    start = dt.date(year, 3 * quarter - 2, 1)
    end = dt.date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - dt.timedelta(days=1)
    return f"{year}-Q{quarter}", start, end


def due_periods(today: dt.date) -> list[str]:
    """The periods whose statement is owed on ``today``: the last finished quarter, and in the first
    quarter of a year also the year before (its annual statement)."""
    index = today.year * 4 + (today.month - 1) // 3 - 1
    due = [f"{index // 4}-Q{index % 4 + 1}"]
    if today.month <= 3:
        due.append(str(today.year - 1))
    return due


def statements_due(session: Session, today: dt.date) -> list[str]:
    """Of ``due_periods``, those with no published version yet (the committee's home page); one query."""
    due = due_periods(today)
    published = set(session.scalars(select(Statement.period).where(Statement.period.in_(due),
                                                                    Statement.published_at.is_not(None))))
    return [p for p in due if p not in published]


def versions_of(session: Session, period: str) -> list[Statement]:
    return list(session.scalars(select(Statement).where(Statement.period == period).order_by(Statement.version)))


def create_statement(session: Session, *, kind: StatementKind, year: int, quarter: int | None,
                     today: dt.date) -> Statement:
    """A draft statement for a period that has none yet."""
    period, starts, ends = period_of(kind, year, quarter)
    if starts > today:
        raise InputError("year", f"{period} 尚未开始")
    opened = book_of(session).opened_on
    if opened is not None and ends < opened:
        raise InputError("year", f"账簿自 {opened} 起记账，{period} 在此之前")
    existing = versions_of(session, period)
    if any(s.published_at is None for s in existing):
        raise InputError("year", f"{period} 已有草稿")
    if existing:
        raise InputError("year", f"{period} 已发布；如需更正，请在已发布的公示上提交更正")
    return _add(session, Statement(period=period, kind=kind, starts_on=starts, ends_on=ends, version=1))


def correct_statement(session: Session, statement: Statement, reason: str) -> Statement:
    """Start the next version of a published statement, with the reason for it."""
    reason = (reason or "").strip()
    if statement.published_at is None:
        raise InputError("reason", "草稿可以直接修改账簿后发布，无需更正")
    if len(reason) < 2 or len(reason) > 500:
        raise InputError("reason", "请写明更正原因（2 到 500 字）")
    latest = versions_of(session, statement.period)[-1]
    if latest.id != statement.id:
        raise InputError("reason", f"{statement.period} 已有第 {latest.version} 版，请在最新版本上更正")
    return _add(session, Statement(period=statement.period, kind=statement.kind, starts_on=statement.starts_on,
                                   ends_on=statement.ends_on, version=statement.version + 1,
                                   supersedes_id=statement.id, reason=reason))


def _add(session: Session, statement: Statement) -> Statement:
    statement.created_by = current_actor_id(session)
    try:
        with session.begin_nested():
            session.add(statement)
            session.flush()
    except IntegrityError as exc:  # another draft of the same version won the race
        raise InputError("year", f"{statement.period} 已有第 {statement.version} 版") from exc
    session.commit()
    return statement


def delete_draft(session: Session, statement: Statement) -> None:
    if statement.published_at is not None:
        raise InputError("statement_id", "已发布的公示不能删除；如有错误请提交更正")
    session.delete(statement)
    session.commit()


def publish_statement(session: Session, statement: Statement, *, today: dt.date) -> Statement:
    """Freeze a draft: its content and fingerprint are final from now on."""
    # Locked, so that two clerks publishing the same draft cannot both freeze it.
    statement = session.scalar(select(Statement).where(Statement.id == statement.id).with_for_update()
                               .execution_options(populate_existing=True))
    if statement.published_at is not None:
        raise InputError("statement_id", "该公示已发布")
    if statement.ends_on >= today:
        raise InputError("statement_id", f"{statement.period} 截至 {statement.ends_on}，期间结束后才能发布")
    now = clock.now()
    content = build_content(session, statement, published_at=now)
    if statement.supersedes_id is not None and not content["changes"]:
        raise InputError("statement_id", "与上一版相比没有任何变化，无需发布更正；请先改正账簿，或删除这份草稿")
    text = canonical(content)
    statement.content, statement.fingerprint = text, fingerprint_of(text)
    statement.published_at, statement.published_by = now, current_actor_id(session)
    record_event(session, action="publish", entity="finance_statement", entity_id=statement.id,
                 after={"period": statement.period, "version": statement.version,
                        "fingerprint": statement.fingerprint})
    session.commit()
    return statement


def canonical(content: dict) -> str:
    """The one serialisation a fingerprint is taken over: sorted keys, no spaces, UTF-8 text."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def fingerprint_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify(statement: Statement) -> bool:
    """The stored content still hashes to the fingerprint printed on copies."""
    return statement.content is not None and fingerprint_of(statement.content) == statement.fingerprint


def content_of(session: Session, statement: Statement) -> dict:
    """What a statement shows: frozen once published, computed from the ledger while a draft."""
    if statement.published_at is not None:
        return json.loads(statement.content)
    return build_content(session, statement, published_at=None)


def build_content(session: Session, statement: Statement, *, published_at: dt.datetime | None) -> dict:
    """Everything the statement shows, from the ledger as it is now: six queries."""
    tenant = session.get(Tenant, current_tenant_id(session))
    community = session.scalar(select(Community.name).where(Community.committee_tenant_id == tenant.id))
    opening = balance_before(session, statement.starts_on)
    entries = list(session.scalars(select(LedgerEntry).where(
        LedgerEntry.occurred_on.between(statement.starts_on, statement.ends_on))
        .order_by(LedgerEntry.occurred_on, LedgerEntry.id)))
    receipts = receipts_of(session, [e.id for e in entries])
    sums = {c: 0 for c in INCOME_CATEGORIES + EXPENSE_CATEGORIES}
    for entry in entries:
        sums[entry.category] += entry.amount_fen
    income = sum(e.amount_fen for e in entries if e.direction == Direction.INCOME)
    expense = sum(e.amount_fen for e in entries if e.direction == Direction.EXPENSE)
    previous = session.get(Statement, statement.supersedes_id) if statement.supersedes_id else None
    content = {
        "format": FORMAT,
        "committee": {"id": tenant.id, "name": tenant.name},
        "community": community,
        "period": statement.period, "kind": statement.kind.value,
        "starts_on": statement.starts_on.isoformat(), "ends_on": statement.ends_on.isoformat(),
        "version": statement.version,
        "supersedes": ({"id": previous.id, "version": previous.version, "fingerprint": previous.fingerprint}
                       if previous else None),
        "reason": statement.reason,
        "opening_balance": opening, "income_total": income, "expense_total": expense,
        "closing_balance": opening + income - expense,
        "income": [{"category": c.value, "amount": sums[c]} for c in INCOME_CATEGORIES],
        "expense": [{"category": c.value, "amount": sums[c]} for c in EXPENSE_CATEGORIES],
        "entries": [{"ref": e.id, "date": e.occurred_on.isoformat(), "direction": e.direction.value,
                     "category": e.category.value, "amount": e.amount_fen, "counterparty": e.counterparty,
                     "note": e.note, "receipts": [f.sha256 for f in receipts[e.id]]} for e in entries],
        "published_at": published_at.isoformat(timespec="seconds") if published_at else None,
    }
    content["changes"] = differences(json.loads(previous.content), content) if previous else []
    return content


def differences(before: dict, after: dict) -> list[dict]:
    """What changed from one version's content to the next: totals, category sums, entries."""
    changes = [{"kind": "total", "field": key, "before": before[key], "after": after[key]}
               for key in TOTALS if before[key] != after[key]]
    for side in ("income", "expense"):
        old = {row["category"]: row["amount"] for row in before[side]}
        for row in after[side]:
            if old.get(row["category"], 0) != row["amount"]:
                changes.append({"kind": "category", "field": row["category"],
                                "before": old.get(row["category"], 0), "after": row["amount"]})
    old_entries = {e["ref"]: e for e in before["entries"]}
    new_entries = {e["ref"]: e for e in after["entries"]}
    for entry in after["entries"]:
        previous = old_entries.get(entry["ref"])
        if previous is None:
            changes.append({"kind": "added", "entry": entry})
            continue
        fields = [{"field": f, "before": previous[f], "after": entry[f]} for f in ENTRY_FIELDS
                  if previous[f] != entry[f]]
        if fields:
            changes.append({"kind": "changed", "entry": entry, "fields": fields})
    changes += [{"kind": "removed", "entry": e} for e in before["entries"] if e["ref"] not in new_entries]
    return changes


def ledger_changes(session: Session, statement: Statement) -> list[dict]:
    """How the ledger now differs from what a published statement showed (empty: it still matches)."""
    if statement.published_at is None:
        return []
    return differences(json.loads(statement.content), build_content(session, statement, published_at=None))


def superseded_by(session: Session, statement_ids: list[int]) -> dict[int, Statement]:
    """The published version that corrects each of these, if any: one query."""
    if not statement_ids:
        return {}
    rows = session.scalars(select(Statement).where(Statement.supersedes_id.in_(statement_ids),
                                                   Statement.published_at.is_not(None)))
    return {s.supersedes_id: s for s in rows}


FINGERPRINT_TEXT = re.compile(r"[0-9a-f]{12,64}")


def find_by_fingerprint(session: Session, text: str) -> list[Statement]:
    """Published statements whose fingerprint is ``text`` or starts with it (spaces and case ignored)."""
    cleaned = re.sub(r"[\s\-:]", "", text or "").lower()
    if not FINGERPRINT_TEXT.fullmatch(cleaned):
        raise InputError("fingerprint", "指纹应为 12 到 64 位十六进制字符（0-9、a-f），可含空格")
    return list(session.scalars(select(Statement).where(Statement.published_at.is_not(None),
                                                        func.substr(Statement.fingerprint, 1, len(cleaned)) == cleaned)
                                .order_by(Statement.starts_on, Statement.version)))


def grouped(fingerprint: str | None, size: int = 8) -> str:
    """``"3f2a9c1b 77e0…"``: easier to read aloud and to type back from paper."""
    if not fingerprint:
        return ""
    return " ".join(fingerprint[i:i + size] for i in range(0, len(fingerprint), size))


def _published_in_database(session: Session, statement: Statement) -> bool:
    history = inspect(statement).attrs.published_at.history
    loaded = history.deleted or history.unchanged
    if loaded:
        return loaded[0] is not None
    with session.no_autoflush:  # the attribute was expired or never loaded: ask the database
        return session.scalar(select(Statement.published_at).where(Statement.id == statement.id)) is not None


@event.listens_for(TenantSession, "before_flush")
def _published_statements_are_final(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if not isinstance(obj, Statement):
            continue
        if (obj in session.deleted or session.is_modified(obj)) and _published_in_database(session, obj):
            raise PublishedStatementIsFinal(f"statement {obj.id} ({obj.period} v{obj.version}) is published")


@event.listens_for(TenantSession, "do_orm_execute")
def _no_bulk_statement_writes(state: ORMExecuteState) -> None:
    # A bulk UPDATE or DELETE skips the flush guard: statements change one by one, through it.
    if (state.is_update or state.is_delete) and any(m.class_ is Statement for m in state.all_mappers):
        raise PublishedStatementIsFinal("a bulk UPDATE or DELETE would skip the check that published statements "
                                        "are final: change statements one by one through the session")
