"""Statements: figures from the ledger, publication freezes them on every path, corrections are versions
with their differences, fingerprints identify a printed copy, and the public functions see published ones only."""
import datetime as dt
import json

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DatabaseError

from red_property.core.errors import InputError
from red_property.finance import public
from red_property.finance.ledger import add_entry, update_entry
from red_property.finance.models import Category, LedgerEntry, Statement, StatementKind
from red_property.finance.statements import (PublishedStatementIsFinal, canonical, content_of, correct_statement,
                                             create_statement, delete_draft, fingerprint_of, ledger_changes,
                                             publish_statement, verify)
from tests.factories_finance import TODAY, book_year, committee_scope


def q(s, quarter, year=2025, kind=StatementKind.QUARTER):
    return create_statement(s, kind=kind, year=year, quarter=quarter if kind == StatementKind.QUARTER else None,
                            today=TODAY)


@pytest.fixture
def books(app, world):
    with committee_scope(app, world) as s:
        book_year(s)


def test_a_statement_sums_its_period_and_carries_the_balance(app, world, books):
    with committee_scope(app, world) as s:
        first, second = q(s, 1), q(s, 2)
        c1, c2 = content_of(s, first), content_of(s, second)
        assert (c1["opening_balance"], c1["income_total"], c1["expense_total"]) == (100_000_00, 15_600_50, 8_000_00)
        assert c1["closing_balance"] == c2["opening_balance"] == 107_600_50
        assert {r["category"]: r["amount"] for r in c1["income"]}["advertising"] == 3_600_50
        assert [e["date"] for e in c1["entries"]] == ["2025-01-05", "2025-02-10", "2025-03-20"]
        assert c1["community"] == "丙小区" and c1["published_at"] is None
        year = q(s, None, kind=StatementKind.YEAR)
        assert content_of(s, year)["income_total"] == 4 * 15_600_50 and year.period == "2025"


def test_period_rules(app, world, books):
    with committee_scope(app, world) as s:
        with pytest.raises(InputError, match="尚未开始"):
            q(s, 1, year=2027)
        with pytest.raises(InputError, match="在此之前"):
            q(s, 4, year=2024)
        draft = q(s, 1)
        with pytest.raises(InputError, match="已有草稿"):
            q(s, 1)
        current = create_statement(s, kind=StatementKind.QUARTER, year=2026, quarter=4, today=TODAY)
        with pytest.raises(InputError, match="期间结束后才能发布"):
            publish_statement(s, current, today=TODAY)
        publish_statement(s, draft, today=TODAY)
        with pytest.raises(InputError, match="已发布"):
            q(s, 1)
        with pytest.raises(InputError, match="已发布"):
            publish_statement(s, draft, today=TODAY)
        with pytest.raises(InputError, match="不能删除"):
            delete_draft(s, draft)
        delete_draft(s, current)
        assert s.get(Statement, current.id) is None


def test_publishing_freezes_content_and_fingerprint(app, world, books):
    with committee_scope(app, world) as s:
        statement = publish_statement(s, q(s, 1), today=TODAY)
        frozen = json.loads(statement.content)
        assert statement.content == canonical(frozen)  # sorted keys, no spaces: one serialisation
        assert statement.fingerprint == fingerprint_of(statement.content) and verify(statement)
        assert len(statement.fingerprint) == 64 and frozen["published_at"]
        entry = s.scalars(select(LedgerEntry).where(LedgerEntry.occurred_on == dt.date(2025, 1, 5))).one()
        update_entry(s, entry, category=Category.PARKING, amount_fen=1, occurred_on=entry.occurred_on,
                     counterparty="改过", note="", today=TODAY)
        assert content_of(s, statement) == frozen  # the ledger moved, the statement did not
        changes = ledger_changes(s, statement)
        assert {"kind": "total", "field": "income_total", "before": 15_600_50, "after": 3_600_51} in changes
        changed = next(c for c in changes if c["kind"] == "changed")
        assert {f["field"] for f in changed["fields"]} == {"amount", "counterparty"}


def _attempts(s, statement_id):
    """Every way of writing to a row: the unit of work, ORM bulk statements, raw SQL."""
    def attribute():
        s.get(Statement, statement_id).reason = "改一下"
        s.flush()

    def expired_attribute():
        s.expire_all()
        row = s.get(Statement, statement_id)
        s.expire(row)
        row.fingerprint = "0" * 64
        s.flush()

    def orm_delete():
        s.delete(s.get(Statement, statement_id))
        s.flush()

    return {
        "attribute": (attribute, PublishedStatementIsFinal),
        "expired attribute": (expired_attribute, PublishedStatementIsFinal),
        "delete": (orm_delete, PublishedStatementIsFinal),
        "bulk update": (lambda: s.execute(update(Statement).values(reason="x")), PublishedStatementIsFinal),
        "bulk delete": (lambda: s.execute(delete(Statement)), PublishedStatementIsFinal),
        "raw update": (lambda: s.execute(text("UPDATE finance_statement SET content = '{}' WHERE id = :i"),
                                         {"i": statement_id}), DatabaseError),
        "raw delete": (lambda: s.execute(text("DELETE FROM finance_statement WHERE id = :i"), {"i": statement_id}),
                       DatabaseError),
    }


@pytest.mark.parametrize("path", ["attribute", "expired attribute", "delete", "bulk update", "bulk delete",
                                  "raw update", "raw delete"])
def test_a_published_statement_never_changes_on_any_path(app, world, books, path):
    with committee_scope(app, world) as s:
        statement = publish_statement(s, q(s, 1), today=TODAY)
        statement_id, before = statement.id, (statement.content, statement.fingerprint)
        attempt, refusal = _attempts(s, statement_id)[path]
        with pytest.raises(refusal, match="published|never changes|final"):
            attempt()
        s.rollback()
        s.expire_all()
        again = s.get(Statement, statement_id)
        assert (again.content, again.fingerprint) == before and verify(again)


def test_a_draft_may_still_change_through_the_session(app, world, books):
    with committee_scope(app, world) as s:
        draft = q(s, 1)
        draft.created_by = None
        s.commit()  # a draft is an ordinary row
        with pytest.raises(PublishedStatementIsFinal):
            s.execute(update(Statement).values(created_by=None))  # but never in bulk
        s.rollback()


def test_a_correction_is_a_new_version_that_says_what_changed(app, world, books):
    with committee_scope(app, world) as s:
        first = publish_statement(s, q(s, 1), today=TODAY)
        with pytest.raises(InputError, match="更正原因"):
            correct_statement(s, first, " ")
        with pytest.raises(InputError, match="无需更正"):
            correct_statement(s, q(s, 2), "草稿不用更正")
        draft = correct_statement(s, first, "漏记一笔快递柜收益，更正停车收益金额")
        assert (draft.version, draft.supersedes_id) == (2, first.id)
        with pytest.raises(InputError, match="没有任何变化"):
            publish_statement(s, draft, today=TODAY)
        add_entry(s, category=Category.LOCKERS, amount_fen=800_00, occurred_on=dt.date(2025, 3, 31),
                  counterparty="丰巢", note="一季度场地费", today=TODAY)
        parking = s.scalars(select(LedgerEntry).where(LedgerEntry.occurred_on == dt.date(2025, 1, 5))).one()
        update_entry(s, parking, category=Category.PARKING, amount_fen=12_500_00, occurred_on=parking.occurred_on,
                     counterparty=parking.counterparty, note="", today=TODAY)
        second = publish_statement(s, draft, today=TODAY)
        changes = json.loads(second.content)["changes"]
        kinds = [c["kind"] for c in changes]
        assert kinds.count("added") == 1 and kinds.count("changed") == 1
        assert {"kind": "total", "field": "income_total", "before": 15_600_50, "after": 16_900_50} in changes
        assert {"kind": "category", "field": "lockers", "before": 0, "after": 800_00} in changes
        assert json.loads(second.content)["supersedes"] == {"id": first.id, "version": 1,
                                                            "fingerprint": first.fingerprint}
        assert second.fingerprint != first.fingerprint
        with pytest.raises(InputError, match="最新版本"):
            correct_statement(s, first, "再改第一版")
        listed = public.published_statements(s)
        assert [(p.version, p.superseded_by_id) for p in listed] == [(2, None), (1, second.id)]


def test_a_fingerprint_names_its_statement_or_nothing(app, world, books):
    with committee_scope(app, world) as s:
        statement = publish_statement(s, q(s, 1), today=TODAY)
        draft = q(s, 2)
        fingerprint = statement.fingerprint
        spaced = " ".join(fingerprint[i:i + 8] for i in range(0, 64, 8)).upper()
        for text_ in (fingerprint, spaced, fingerprint[:12]):
            matches = public.check_fingerprint(s, text_)
            assert [(m.id, m.period, m.version) for m in matches] == [(statement.id, "2025-Q1", 1)]
        assert public.check_fingerprint(s, "0" * 64 if fingerprint[0] != "0" else "1" * 64) == []
        for bad in ("", "xyz", fingerprint[:11], fingerprint + "0"):
            with pytest.raises(InputError):
                public.check_fingerprint(s, bad)
        assert draft.fingerprint is None


def test_public_functions_never_show_a_draft(app, world, books):
    with committee_scope(app, world) as s:
        published = publish_statement(s, q(s, 1), today=TODAY)
        draft = q(s, 2)
        assert [p.id for p in public.published_statements(s)] == [published.id]
        published_id, draft_id, fingerprint = published.id, draft.id, published.fingerprint
    with app.test_request_context(), committee_scope(app, world) as s:
        assert public.statement_fragment(s, draft_id) is None
        assert public.statement_document(s, draft_id) is None
        assert public.statement_pdf(s, draft_id) is None
        fragment = str(public.statement_fragment(s, published_id))
        assert "2025 年第 1 季度" in fragment and fingerprint[:8] in fragment
        assert "/files/" not in fragment  # no links that need the committee's login
        document = public.statement_document(s, published_id)
        assert document.startswith("<!doctype html>") and "公共收益收支公示" in document
        assert public.statement_pdf(s, published_id)[:4] == b"%PDF"


def test_other_tenants_see_none_of_the_committees_statements(app, world, books):
    from red_property.core.tenancy import tenant_scope
    from red_property.extensions import db

    with committee_scope(app, world) as s:
        publish_statement(s, q(s, 1), today=TODAY)
        q(s, 2)
    for tenant in (world.a, world.b, world.bureau):
        with app.app_context(), tenant_scope(db.session, tenant) as s:
            assert s.scalars(select(Statement)).all() == []
            assert s.scalars(select(LedgerEntry)).all() == []


def test_a_published_pdf_is_rendered_once(app, world, books, monkeypatch):
    import red_property.core.pdf as pdf

    with committee_scope(app, world) as s:
        statement_id = publish_statement(s, q(s, 1), today=TODAY).id
    with app.test_request_context(), committee_scope(app, world) as s:
        first = public.statement_pdf(s, statement_id)
        monkeypatch.setattr(pdf, "render_pdf", lambda html: pytest.fail("rendered twice"))
        assert public.statement_pdf(s, statement_id) == first
