"""Committee finance API, part two: ``/api/v1/finance/statements`` (draft, publish, correct, check a fingerprint)."""

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select

from red_property.core import clock
from red_property.core.schemas import attributes
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.finance import statements
from red_property.finance.models import Statement, StatementKind
from red_property.finance.public import document_html, statement_pdf
from red_property.finance.schemas import (FingerprintArgs, StatementCorrectionIn, StatementDetail, StatementIn,
                                          StatementOut)
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Finance statements", __name__, url_prefix="/api/v1/finance/statements",
                description="收支公示: periodic statements; a published version never changes, a correction is a new one")
COMMITTEES = [for_kinds(TenantKind.COMMITTEE)]
ONE = [visible_or_404(Statement, "statement_id")] + COMMITTEES


def _statement(statement_id: int) -> Statement:
    return db.session.get(Statement, statement_id)  # visible_or_404 ran first


def _detail(statement: Statement) -> dict:
    return {**attributes(statement, StatementOut), "content": statements.content_of(db.session, statement),
            "ledger_changes": statements.ledger_changes(db.session, statement)}


@blp.route("")
class Statements(MethodView):
    decorators = COMMITTEES

    @blp.response(200, StatementOut(many=True))
    def get(self):
        """Every statement of the committee, drafts included, newest period first."""
        return db.session.scalars(select(Statement).order_by(Statement.starts_on.desc(), Statement.kind,
                                                             Statement.version.desc())).all()

    @blp.arguments(StatementIn)
    @blp.response(201, StatementOut)
    def post(self, data):
        """Start a draft statement for a quarter (default) or a year."""
        return statements.create_statement(db.session, kind=StatementKind(data["kind"]), year=data["year"],
                                           quarter=data["quarter"], today=clock.today())


@blp.route("/by-fingerprint")
class Fingerprint(MethodView):
    decorators = COMMITTEES

    @blp.arguments(FingerprintArgs, location="query")
    @blp.response(200, StatementOut(many=True))
    def get(self, args):
        """Which published statement a printed fingerprint (whole, or its first 12+ characters) belongs to; [] if none."""
        return statements.find_by_fingerprint(db.session, args["fingerprint"])


@blp.route("/<int:statement_id>")
class StatementResource(MethodView):
    decorators = ONE

    @blp.response(200, StatementDetail)
    def get(self, statement_id):
        """A statement with its content (live for a draft) and, once published, how the ledger now differs."""
        return _detail(_statement(statement_id))

    @blp.response(204)
    def delete(self, statement_id):
        """Delete a draft (a published statement is never deleted)."""
        statements.delete_draft(db.session, _statement(statement_id))


@blp.route("/<int:statement_id>/publish")
class Publish(MethodView):
    decorators = ONE

    @blp.response(200, StatementDetail)
    def post(self, statement_id):
        """Publish a draft after its period ended: its content and fingerprint are final."""
        return _detail(statements.publish_statement(db.session, _statement(statement_id), today=clock.today()))


@blp.route("/<int:statement_id>/corrections")
class Corrections(MethodView):
    decorators = ONE

    @blp.arguments(StatementCorrectionIn)
    @blp.response(201, StatementOut)
    def post(self, data, statement_id):
        """Start the next version of the latest published statement of a period, with the reason."""
        return statements.correct_statement(db.session, _statement(statement_id), data["reason"])


@blp.route("/<int:statement_id>/pdf")
class Pdf(MethodView):
    decorators = ONE

    @blp.response(200, description="The statement as a Chinese PDF (a draft is marked as such)")
    def get(self, statement_id):
        """The statement as a PDF, with its fingerprint once published."""
        from red_property.core.pdf import render_pdf

        statement = _statement(statement_id)
        if statement.published_at is not None:
            return Response(statement_pdf(db.session, statement_id), mimetype="application/pdf")
        html = document_html(statements.content_of(db.session, statement), None)
        return Response(render_pdf(html), mimetype="application/pdf")
