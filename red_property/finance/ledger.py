"""The committee's ledger: public income and expenses in fen, with receipts.

The ledger is the working record and may be corrected at any time; what the
owners were told is in the published statements, which keep their own frozen
copy (``statements``).  A statement page says when the ledger no longer
matches what was published, so that the committee publishes a correction.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, extract, func, select
from sqlalchemy.orm import Session

from red_property.core.errors import InputError
from red_property.core.files import store_file
from red_property.core.money import check_fen
from red_property.core.tenancy import current_actor_id
from red_property.finance.models import (Category, Direction, Distribution, FinanceBook, LedgerEntry, LedgerReceipt,
                                         Statement, direction_of)

MAX_RECEIPTS = 10


def book_of(session: Session) -> FinanceBook:
    """The committee's book; an unsaved one (no start date, nothing carried in) before it is set."""
    return session.scalar(select(FinanceBook)) or FinanceBook(opened_on=None, opening_balance_fen=0)


def set_book(session: Session, *, opened_on: dt.date, opening_balance_fen: int, today: dt.date) -> FinanceBook:
    """Set where the ledger starts.  Fixed once a statement is published: published balances rest on it."""
    check_fen(opening_balance_fen, "opening_balance_fen", allow_zero=True)
    if opened_on > today:
        raise InputError("opened_on", "起始日期不能晚于今天")
    if session.scalar(select(Statement.id).where(Statement.published_at.is_not(None)).limit(1)) is not None:
        raise InputError("opened_on", "已有发布的收支公示，期初余额和起始日期不能再改")
    earliest = session.scalar(select(func.min(LedgerEntry.occurred_on)))
    if earliest is not None and earliest < opened_on:
        raise InputError("opened_on", f"账簿中已有 {earliest} 的记录，起始日期不能晚于它")
    book = session.scalar(select(FinanceBook))
    if book is None:
        book = FinanceBook()
        session.add(book)
    book.opened_on, book.opening_balance_fen = opened_on, opening_balance_fen
    session.commit()
    return book


def _checked(session: Session, *, category: Category, amount_fen: int, occurred_on: dt.date, counterparty: str,
             note: str, today: dt.date) -> dict:
    if not isinstance(category, Category):
        raise InputError("category", "类别不存在")
    check_fen(amount_fen, "amount_fen")
    if occurred_on > today:
        raise InputError("occurred_on", "日期不能晚于今天")
    book = book_of(session)
    if book.opened_on is not None and occurred_on < book.opened_on:
        raise InputError("occurred_on", f"账簿自 {book.opened_on} 起记账，日期不能早于它")
    counterparty, note = (counterparty or "").strip(), (note or "").strip()
    if not counterparty:
        raise InputError("counterparty", "请填写付款方或收款方")
    if len(counterparty) > 100:
        raise InputError("counterparty", "不能超过 100 个字")
    if len(note) > 500:
        raise InputError("note", "不能超过 500 个字")
    return dict(direction=direction_of(category), category=category, amount_fen=amount_fen, occurred_on=occurred_on,
                counterparty=counterparty, note=note)


def add_entry(session: Session, *, today: dt.date, **values) -> LedgerEntry:
    """Book one income or expense (its direction follows from the category)."""
    entry = new_entry(session, today=today, **values)
    session.commit()
    return entry


def new_entry(session: Session, *, today: dt.date, **values) -> LedgerEntry:
    """``add_entry`` inside the caller's transaction (flushed, not committed)."""
    entry = LedgerEntry(**_checked(session, today=today, **values), created_by=current_actor_id(session))
    session.add(entry)
    session.flush()
    return entry


def update_entry(session: Session, entry: LedgerEntry, *, today: dt.date, **values) -> LedgerEntry:
    """Correct an entry.  Published statements keep what they showed; their pages then say the ledger changed."""
    checked = _checked(session, today=today, **values)
    if _distribution_of(session, entry) and (checked["category"], checked["amount_fen"]) != (entry.category,
                                                                                                entry.amount_fen):
        raise InputError("amount_fen", "这笔支出由收益分配生成，金额和类别随分配确定，不能修改")
    for key, value in checked.items():
        setattr(entry, key, value)
    session.commit()
    return entry


def delete_entry(session: Session, entry: LedgerEntry) -> None:
    if _distribution_of(session, entry):
        raise InputError("entry_id", "这笔支出由收益分配生成，不能删除")
    session.delete(entry)
    session.commit()


def _distribution_of(session: Session, entry: LedgerEntry) -> int | None:
    return session.scalar(select(Distribution.id).where(Distribution.entry_id == entry.id))


def attach_receipt(session: Session, entry: LedgerEntry, *, filename: str, data: bytes) -> LedgerReceipt:
    """Keep a receipt (PDF, PNG or JPEG) with an entry."""
    count = session.scalar(select(func.count(LedgerReceipt.id)).where(LedgerReceipt.entry_id == entry.id))
    if count >= MAX_RECEIPTS:
        raise InputError("file", f"每笔最多 {MAX_RECEIPTS} 个附件")
    stored = store_file(session, purpose="receipt", filename=filename, data=data, field="file")
    receipt = LedgerReceipt(entry_id=entry.id, file_id=stored.id)
    session.add(receipt)
    session.commit()
    return receipt


def receipts_of(session: Session, entry_ids: list[int]) -> dict[int, list]:
    """The receipts' file rows of these entries, by entry: one query."""
    from red_property.core.files import StoredFile

    if not entry_ids:
        return {}
    rows = session.execute(select(LedgerReceipt.entry_id, StoredFile)
                           .join(StoredFile, (StoredFile.id == LedgerReceipt.file_id)
                                 & (StoredFile.tenant_id == LedgerReceipt.tenant_id))
                           .where(LedgerReceipt.entry_id.in_(entry_ids))
                           .order_by(LedgerReceipt.id)).all()
    found: dict[int, list] = {i: [] for i in entry_ids}
    for entry_id, stored in rows:
        found[entry_id].append(stored)
    return found


@dataclass
class EntryPage:
    items: list[LedgerEntry]
    receipts: dict[int, list]
    total: int


def list_entries(session: Session, *, page: int, per_page: int, year: int | None = None,
                 category: Category | None = None) -> EntryPage:
    """A page of entries, newest first, with their receipts: three queries."""
    stmt = select(LedgerEntry)
    if year is not None:
        stmt = stmt.where(LedgerEntry.occurred_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    if category is not None:
        stmt = stmt.where(LedgerEntry.category == category)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(session.scalars(stmt.order_by(LedgerEntry.occurred_on.desc(), LedgerEntry.id.desc())
                                 .limit(per_page).offset((page - 1) * per_page)))
    return EntryPage(items, receipts_of(session, [e.id for e in items]), total)


def signed_sum():
    """SUM of income minus expense, in fen (SQL)."""
    return func.coalesce(func.sum(case((LedgerEntry.direction == Direction.INCOME, LedgerEntry.amount_fen),
                                       else_=-LedgerEntry.amount_fen)), 0)


def balance_before(session: Session, day: dt.date | None) -> int:
    """What the account held at the start of ``day`` (everything when None): one or two queries."""
    stmt = select(signed_sum())
    if day is not None:
        stmt = stmt.where(LedgerEntry.occurred_on < day)
    return book_of(session).opening_balance_fen + int(session.scalar(stmt))


def quarter_totals(session: Session, first: tuple[int, int], last: tuple[int, int]) -> list[tuple[str, int, int]]:
    """(``"2026-Q1"``, income, expense) for every quarter from ``first`` to ``last``: one query."""
    start = dt.date(first[0], 3 * first[1] - 2, 1)
    end_month = 3 * last[1]
    end = dt.date(last[0] + (end_month == 12), end_month % 12 + 1, 1)
    month = extract("month", LedgerEntry.occurred_on)
    year = extract("year", LedgerEntry.occurred_on)
    rows = session.execute(select(year, month, LedgerEntry.direction, func.sum(LedgerEntry.amount_fen))
                           .where(LedgerEntry.occurred_on >= start, LedgerEntry.occurred_on < end)
                           .group_by(year, month, LedgerEntry.direction)).all()
    totals: dict[tuple[int, int], list[int]] = {}
    for y, m, direction, amount in rows:
        slot = totals.setdefault((int(y), (int(m) - 1) // 3 + 1), [0, 0])
        slot[0 if direction == Direction.INCOME else 1] += int(amount)
    out, (y, q) = [], first
    while (y, q) <= last:
        income, expense = totals.get((y, q), (0, 0))
        out.append((f"{y}-Q{q}", income, expense))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out
