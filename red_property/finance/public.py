"""Published statements for readers outside the committee (the public community page).

Every function sees published statements only: a draft is never listed,
rendered or matched.  The session is the committee's own (its pages) or the
public one (``tenancy.public_read``, which admits published statements of every
committee): there ``committee_id`` says whose statements are meant.

    published_statements(session, committee_id)             -> [PublishedStatement], newest period first
    statement_fragment(session, statement_id, committee_id) -> Markup to embed in a page (None: not published)
    statement_document(session, statement_id, committee_id) -> a standalone HTML document (None: not published)
    statement_pdf(session, statement_id, committee_id)      -> PDF bytes in Chinese (None: not published)
    check_fingerprint(session, text)                        -> [PublishedStatement] whose fingerprint is (or starts with) text

The fragment is styled by ``static/css/app.css`` (``.statement``); the
document and the PDF carry their own CSS.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import get_template_attribute, render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import select, true
from sqlalchemy.orm import Session

from red_property.finance.models import Statement
from red_property.finance.statements import content_of, find_by_fingerprint, grouped

# Bump when statement_document.html changes, so that cached PDFs are rendered again.
PDF_LAYOUT = 1


@dataclass(frozen=True)
class PublishedStatement:
    id: int
    period: str
    kind: str                     # "quarter" or "year"
    version: int
    starts_on: dt.date
    ends_on: dt.date
    published_at: dt.datetime
    fingerprint: str
    reason: str | None            # why this version corrects the previous one
    supersedes_id: int | None
    superseded_by_id: int | None  # the published correction of this version, if any
    committee_id: int             # the committee tenant that published it

    @property
    def current(self) -> bool:
        return self.superseded_by_id is None


def _of(committee_id: int | None):
    return Statement.tenant_id == committee_id if committee_id is not None else true()


def published_statements(session: Session, committee_id: int | None = None) -> list[PublishedStatement]:
    """Every published version, newest period first and each period's versions newest first: one query."""
    rows = list(session.scalars(select(Statement).where(Statement.published_at.is_not(None), _of(committee_id))
                                .order_by(Statement.starts_on.desc(), Statement.kind, Statement.version.desc())))
    corrections = {s.supersedes_id: s.id for s in rows if s.supersedes_id}
    return [_view(s, corrections.get(s.id)) for s in rows]


def published_statement(session: Session, statement_id: int, committee_id: int | None = None) -> Statement | None:
    return session.scalar(select(Statement).where(Statement.id == statement_id, Statement.published_at.is_not(None),
                                                  _of(committee_id)))


def statement_fragment(session: Session, statement_id: int, committee_id: int | None = None) -> Markup | None:
    """The statement as HTML to place inside a page, without the committee's own links."""
    statement = published_statement(session, statement_id, committee_id)
    if statement is None:
        return None
    render = get_template_attribute("finance/_statement.html", "statement")
    return Markup(render(content_of(session, statement), grouped(statement.fingerprint)))


def statement_document(session: Session, statement_id: int, committee_id: int | None = None) -> str | None:
    """The statement as a standalone HTML document (Chinese), as the PDF prints it."""
    statement = published_statement(session, statement_id, committee_id)
    if statement is None:
        return None
    return document_html(content_of(session, statement), statement.fingerprint)


def statement_pdf(session: Session, statement_id: int, committee_id: int | None = None) -> bytes | None:
    """The statement as a Chinese PDF with its fingerprint on every page.

    A published statement never changes, so its PDF is rendered once and kept
    beside the tenant's files under its fingerprint (and the layout version):
    a busy public page costs a file read, not a WeasyPrint run (about 0.3 s a page).
    """
    from red_property.core.files import tenant_folder
    from red_property.core.pdf import render_pdf

    statement = published_statement(session, statement_id, committee_id)
    if statement is None:
        return None
    cached = tenant_folder(statement.tenant_id) / f"statement-{statement.fingerprint}-layout{PDF_LAYOUT}.pdf"
    if cached.exists():
        return cached.read_bytes()
    data = render_pdf(document_html(content_of(session, statement), statement.fingerprint))
    partial = cached.with_suffix(f".{secrets.token_hex(4)}.tmp")
    partial.write_bytes(data)
    partial.replace(cached)  # atomic: a concurrent reader sees the whole file or none
    return data


def document_html(content: dict, fingerprint: str | None) -> str:
    """Render a statement's content as the printable document: always in Chinese, like the copies posted up."""
    with force_locale("zh_Hans_CN"):
        return render_template("finance/statement_document.html", s=content, fingerprint=grouped(fingerprint))


def check_fingerprint(session: Session, text: str) -> list[PublishedStatement]:
    """Which published statement a printed fingerprint belongs to; empty: no match.

    Accepts the whole fingerprint or its first 12 or more characters, with
    spaces.  Raises ``InputError`` (field ``fingerprint``) for text that cannot
    be one.
    """
    matches = find_by_fingerprint(session, text)
    corrections = {s.supersedes_id: s.id for s in session.scalars(
        select(Statement).where(Statement.supersedes_id.in_([m.id for m in matches]),
                                Statement.published_at.is_not(None)))} if matches else {}
    return [_view(s, corrections.get(s.id)) for s in matches]


def _view(statement: Statement, superseded_by: int | None) -> PublishedStatement:
    return PublishedStatement(statement.id, statement.period, statement.kind.value, statement.version,
                              statement.starts_on, statement.ends_on, statement.published_at, statement.fingerprint,
                              statement.reason, statement.supersedes_id, superseded_by, statement.tenant_id)
