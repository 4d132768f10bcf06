"""Committee finance API, part one: ``/api/v1/finance`` owners' roll, book and ledger (owners' committees only)."""

from flask.views import MethodView
from flask_smorest import Blueprint, abort
from flask_smorest.fields import Upload
from marshmallow import Schema

from red_property.core import clock
from red_property.core.files import StoredFile
from red_property.core.schemas import CreatedOut, attributes, envelope, page_schema
from red_property.core.table_import import ImportRejected
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.finance import ledger, roll
from red_property.finance.models import Category, LedgerEntry, Owner
from red_property.finance.schemas import (BookIn, BookOut, EntryIn, EntryListArgs, EntryOut, RollImportReport, OwnerIn,
                                          OwnerListArgs, OwnerOut, QuarterArgs, QuarterOut, ReceiptOut)
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Finance", __name__, url_prefix="/api/v1/finance",
                description="业委会财务: the owners' roll, the public-income ledger and its receipts")
COMMITTEES = [for_kinds(TenantKind.COMMITTEE)]
OwnerPage = page_schema(OwnerOut, "OwnerPage")
EntryPage = page_schema(EntryOut, "LedgerEntryPage")


class UploadIn(Schema):
    file = Upload(required=True, metadata={"description": "the file"})


@blp.route("/owners")
class Owners(MethodView):
    decorators = COMMITTEES

    @blp.arguments(OwnerListArgs, location="query")
    @blp.response(200, OwnerPage)
    def get(self, args):
        """The owners' roll, paged, in roll order; ``q`` searches names and buildings."""
        items, total = roll.list_owners(db.session, page=args["page"], per_page=args["per_page"], q=args.get("q"))
        return envelope(args, items, total)

    @blp.arguments(OwnerIn)
    @blp.response(201, OwnerOut)
    def post(self, data):
        """Add one unit and its owner to the roll."""
        return roll.add_owner(db.session, **data)


@blp.route("/owners/import")
class OwnerImport(MethodView):
    decorators = COMMITTEES

    @blp.arguments(UploadIn, location="files")
    @blp.response(200, RollImportReport)
    @blp.alt_response(422, description="Bad rows: errors.rows lists row, column and message; nothing was written")
    def post(self, files):
        """Import the roll from CSV or XLSX (楼栋, 单元, 室, 业主姓名, 建筑面积): all rows or none."""
        upload = files["file"]
        try:
            return roll.import_roll(db.session, upload.filename or "", upload.read())
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})


@blp.route("/owners/<int:owner_id>")
class OwnerResource(MethodView):
    decorators = [visible_or_404(Owner, "owner_id")] + COMMITTEES

    @blp.response(200, OwnerOut)
    def get(self, owner_id):
        """One owner on the roll."""
        return db.session.get(Owner, owner_id)

    @blp.response(204)
    def delete(self, owner_id):
        """Take a unit off the roll (refused once a vote or distribution counted it)."""
        roll.remove_owner(db.session, db.session.get(Owner, owner_id))


@blp.route("/book")
class Book(MethodView):
    decorators = COMMITTEES

    @blp.response(200, BookOut)
    def get(self):
        """Where the ledger starts, the balance carried in, and the balance now."""
        return _book(ledger.book_of(db.session))

    @blp.arguments(BookIn)
    @blp.response(200, BookOut)
    def put(self, data):
        """Set the start date and opening balance (fixed once a statement is published)."""
        return _book(ledger.set_book(db.session, **data, today=clock.today()))


def _book(book) -> dict:
    return {"opened_on": book.opened_on, "opening_balance_fen": book.opening_balance_fen,
            "balance_fen": ledger.balance_before(db.session, None)}


def _entry_dict(entry: LedgerEntry, receipts: list[StoredFile]) -> dict:
    return {**attributes(entry, EntryOut), "receipts": receipts}


def _entry_values(data: dict) -> dict:
    return {**data, "category": Category(data["category"]), "today": clock.today()}


@blp.route("/entries")
class Entries(MethodView):
    decorators = COMMITTEES

    @blp.arguments(EntryListArgs, location="query")
    @blp.response(200, EntryPage)
    def get(self, args):
        """Ledger entries, newest first, with their receipts; filter by ``year`` or ``category``."""
        category = Category(args["category"]) if args.get("category") else None
        page = ledger.list_entries(db.session, page=args["page"], per_page=args["per_page"], year=args.get("year"),
                                   category=category)
        return envelope(args, [_entry_dict(e, page.receipts[e.id]) for e in page.items], page.total)

    @blp.arguments(EntryIn)
    @blp.response(201, CreatedOut)
    def post(self, data):
        """Book an income (parking, advertising, venue, lockers, other) or an expense, in fen."""
        return ledger.add_entry(db.session, **_entry_values(data))


@blp.route("/entries/<int:entry_id>")
class EntryResource(MethodView):
    decorators = [visible_or_404(LedgerEntry, "entry_id")] + COMMITTEES

    @blp.response(200, EntryOut)
    def get(self, entry_id):
        """One entry with its receipts."""
        return _entry_dict(db.session.get(LedgerEntry, entry_id), ledger.receipts_of(db.session, [entry_id])[entry_id])

    @blp.arguments(EntryIn)
    @blp.response(200, EntryOut)
    def put(self, data, entry_id):
        """Correct an entry (published statements keep what they showed)."""
        entry = ledger.update_entry(db.session, db.session.get(LedgerEntry, entry_id), **_entry_values(data))
        return _entry_dict(entry, ledger.receipts_of(db.session, [entry_id])[entry_id])

    @blp.response(204)
    def delete(self, entry_id):
        """Delete an entry (not one booked by a distribution)."""
        ledger.delete_entry(db.session, db.session.get(LedgerEntry, entry_id))


@blp.route("/entries/<int:entry_id>/receipts")
class Receipts(MethodView):
    decorators = [visible_or_404(LedgerEntry, "entry_id")] + COMMITTEES

    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ReceiptOut)
    def post(self, files, entry_id):
        """Attach a receipt (PDF, PNG or JPEG, up to 10 MB); download it at ``/api/v1/files/<id>``."""
        upload = files["file"]
        receipt = ledger.attach_receipt(db.session, db.session.get(LedgerEntry, entry_id),
                                        filename=upload.filename or "", data=upload.read())
        return db.session.get(StoredFile, receipt.file_id)


@blp.route("/quarters")
class Quarters(MethodView):
    decorators = COMMITTEES

    @blp.arguments(QuarterArgs, location="query")
    @blp.response(200, QuarterOut(many=True))
    def get(self, args):
        """Income and expense of each quarter of a year (what the overview chart shows)."""
        year = args["year"]
        return [{"quarter": q, "income_fen": i, "expense_fen": e}
                for q, i, e in ledger.quarter_totals(db.session, (year, 1), (year, 4))]
