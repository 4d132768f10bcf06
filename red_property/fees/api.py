"""Property fee API: ``/api/v1/fees`` (property companies; subscription invoices for every tenant)."""
from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from red_property.communities.imports import ImportRejected
from red_property.accounts.permissions import require_admin
from red_property.core import clock
from red_property.core.files import content_disposition, send_stored_file
from red_property.core.pdf import pdf_bytes_response
from red_property.core.schemas import envelope, page_of
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.fees import schemas as s
from red_property.fees.bank_import import import_statement
from red_property.fees.billing import add_schedule, run_progress, start_billing_run
from red_property.fees.documents import issued_invoice, receipt_pdf
from red_property.fees.models import (BillingRun, Bill, BuildingKind, FeeSchedule, Payment, PaymentMethod, SignerKind,
                                      SubscriptionInvoice)
from red_property.fees.payments import PaymentData, record_payment, reverse_payment
from red_property.fees.arrears import start_arrears_notices
from red_property.fees.credit import credit_entries
from red_property.fees.payee import payee_account, save_payee_account
from red_property.communities.models import Household
from red_property.core.jobs_api import JobOut
from red_property.fees.reports import (bill_filters, collection_by_community, company_total, household_arrears,
                                       monthly_trend)
from red_property.fees.services import add_commitment_letter, issue_subscription_invoice
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Fees", __name__, url_prefix="/api/v1/fees",
                description="物业费: schedules, billing runs, bills and invoices, payments, collection, 承诺书")
COMPANIES = [for_kinds(TenantKind.COMPANY)]
PDF = {"200": {"description": "The PDF as issued", "content": {"application/pdf": {}}}}


@blp.route("/schedules")
class Schedules(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.FeeScheduleArgs, location="query")
    @blp.response(200, s.SchedulePage)
    def get(self, args):
        """Fee schedules of the company's communities, paged."""
        stmt = select(FeeSchedule)
        if args.get("community_id"):
            stmt = stmt.where(FeeSchedule.community_id == args["community_id"])
        return page_of(db.session, stmt, args, FeeSchedule.community_id, FeeSchedule.building_kind,
                       FeeSchedule.effective_from)

    @blp.arguments(s.FeeScheduleIn)
    @blp.response(201, s.FeeScheduleOut)
    def post(self, data):
        """Add a rate (fen per ㎡ per month) for a kind of building from the first of a month."""
        return add_schedule(db.session, **{**data, "building_kind": BuildingKind(data["building_kind"])},
                            today=clock.today())


def _run_out(run: BillingRun, progress: dict) -> dict:
    return {**{c: getattr(run, c) for c in ("id", "community_id", "period", "period_start", "period_end", "months",
                                            "due_on", "job_id", "issued_complete", "finished_at")}, **progress}


@blp.route("/runs")
class Runs(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.RunPage)
    def get(self, args):
        """Billing runs, newest period first, with bills issued, PDFs rendered and money received."""
        page = page_of(db.session, select(BillingRun), args, BillingRun.period_start.desc(), BillingRun.id)
        progress = run_progress(db.session, [r.id for r in page["items"]])
        return {**page, "items": [_run_out(r, progress[r.id]) for r in page["items"]]}

    @blp.arguments(s.FeeRunIn)
    @blp.response(202, s.FeeRunOut)
    def post(self, data):
        """Bill a period for a community as a job (follow ``job_id``); the same period again resumes it."""
        run = start_billing_run(db.session, **data, today=clock.today())
        return _run_out(run, run_progress(db.session, [run.id])[run.id])


@blp.route("/runs/<int:billing_run_id>")
class RunResource(MethodView):
    decorators = [visible_or_404(BillingRun, "billing_run_id")] + COMPANIES

    @blp.response(200, s.FeeRunOut)
    def get(self, billing_run_id):
        """One billing run and its progress."""
        run = db.session.get(BillingRun, billing_run_id)
        return _run_out(run, run_progress(db.session, [run.id])[run.id])


@blp.route("/bills")
class Bills(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.FeeBillArgs, location="query")
    @blp.response(200, s.BillPage)
    def get(self, args):
        """Bills (each one an issued invoice), filtered and paged."""
        stmt = bill_filters(select(Bill), community_id=args.get("community_id"), period=args.get("period"),
                            status=args.get("status"), q=args.get("q"), as_of=clock.today())
        return page_of(db.session, stmt, args, Bill.period_start.desc(), Bill.invoice_number)


@blp.route("/bills/<int:bill_id>")
class BillResource(MethodView):
    decorators = [visible_or_404(Bill, "bill_id")] + COMPANIES

    @blp.response(200, s.FeeBillOut)
    def get(self, bill_id):
        """One bill with what is paid."""
        return db.session.get(Bill, bill_id)


@blp.route("/bills/<int:bill_id>/payment-notice.pdf")
class PaymentNoticePdf(MethodView):
    decorators = [visible_or_404(Bill, "bill_id")] + COMPANIES

    @blp.doc(responses=PDF)
    def get(self, bill_id):
        """The payment notice (缴费通知单) PDF as issued (rendered once, then the same bytes every time)."""
        bill = db.session.get(Bill, bill_id)
        return pdf_bytes_response(issued_invoice(db.session, bill), f"缴费通知单-{bill.invoice_code}.pdf",
                                  attachment=True)


@blp.route("/bills/<int:bill_id>/invoice.pdf")
class InvoicePdf(MethodView):
    decorators = [visible_or_404(Bill, "bill_id")] + COMPANIES

    @blp.doc(responses=PDF, deprecated=True)
    def get(self, bill_id):
        """The payment notice PDF at its old address (kept for existing clients; use ``payment-notice.pdf``)."""
        return PaymentNoticePdf().get(bill_id)


@blp.route("/payments")
class Payments(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.PaymentPage)
    def get(self, args):
        """Payments received, newest first."""
        return page_of(db.session, select(Payment), args, Payment.id.desc())

    @blp.arguments(s.FeePaymentIn)
    @blp.response(201, s.FeePaymentOut)
    def post(self, data):
        """Record a payment and its receipt number (partial allowed; above what is owed: the household's credit)."""
        return record_payment(db.session, PaymentData(**{**data, "method": PaymentMethod(data["method"])}),
                              today=clock.today())


@blp.route("/payments/<int:payment_id>/receipt.pdf")
class ReceiptPdf(MethodView):
    decorators = [visible_or_404(Payment, "payment_id")] + COMPANIES

    @blp.doc(responses=PDF)
    def get(self, payment_id):
        """The payment's receipt PDF (rendered on first request, then kept)."""
        return send_stored_file(receipt_pdf(db.session, db.session.get(Payment, payment_id)), as_attachment=True)


@blp.route("/payments/<int:payment_id>/reversal")
class PaymentReversal(MethodView):
    decorators = [visible_or_404(Payment, "payment_id")] + COMPANIES

    @blp.arguments(s.FeeReversalIn)
    @blp.response(201, s.FeePaymentOut)
    @blp.alt_response(422, description="No reason, already reversed, a reversal itself, or its credit spent")
    def post(self, data, payment_id):
        """Reverse (红冲) a payment with a reason: a new row with the opposite amounts; the bill reopens."""
        return reverse_payment(db.session, payment_id, data["reason"], today=clock.today())


@blp.route("/households/<int:household_id>/credit")
class HouseholdCredit(MethodView):
    decorators = [visible_or_404(Household, "household_id")] + COMPANIES

    @blp.response(200, s.FeeCreditOut)
    def get(self, household_id):
        """A household's credit balance (预存余额) and every payment that moved it."""
        entries = [payment for payment, _code in credit_entries(db.session, household_id)]
        return {"household_id": household_id, "balance_fen": sum(p.credit_fen for p in entries), "entries": entries}


@blp.route("/payee-account")
class PayeeAccountResource(MethodView):
    decorators = COMPANIES

    @blp.response(200, s.FeePayeeAccountOut)
    @blp.alt_response(404, description="Not set yet")
    def get(self):
        """The company's payee bank account, printed on payment and arrears notices."""
        account = payee_account(db.session)
        if account is None:
            abort(404, message="收款账户尚未设置")
        return account

    @require_admin
    @blp.arguments(s.FeePayeeAccountIn)
    @blp.response(200, s.FeePayeeAccountOut)
    def put(self, data):
        """Set the company's payee bank account (its admins)."""
        return save_payee_account(db.session, **data)


@blp.route("/arrears-notices")
class ArrearsNotices(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.FeeArrearsNoticesIn)
    @blp.response(202, JobOut)
    def post(self, data):
        """Render the community's arrears notices (催缴通知书) as one PDF: follow the job, then download it."""
        return start_arrears_notices(db.session, community_id=data["community_id"], today=clock.today())


@blp.route("/payments/import")
class StatementImport(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.FeeStatementFile, location="files")
    @blp.response(201, s.FeeStatementReport)
    @blp.alt_response(422, description="Bad rows: errors.rows lists row, column and message; nothing was written")
    def post(self, files):
        """Import payments from a bank statement (all rows or none; lines imported before are skipped)."""
        upload = files["file"]
        try:
            return import_statement(db.session, upload.filename or "", upload.read(), today=clock.today())
        except ImportRejected as exc:
            abort(422, errors={"rows": [e.as_dict() for e in exc.errors]})


@blp.route("/collection")
class Collection(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.FeeCollectionArgs, location="query")
    @blp.response(200, s.CollectionReport)
    def get(self, args):
        """The collection rate on ``as_of`` (bills due in the twelve months up to it, paid by it): the
        company, each community, and the same rate at each of the last twelve month ends."""
        as_of = args.get("as_of") or clock.today()
        rows = collection_by_community(db.session, as_of)
        return {"as_of": as_of, "company": _collection(company_total(rows)),
                "communities": [{**_collection(c), "community_id": cid, "name": name} for cid, name, c in rows],
                "trend": [{"month": p.month, "billed_fen": p.billed_fen, "paid_fen": p.paid_fen,
                           "rate": None if p.rate is None else f"{float(p.rate):.4f}"}
                          for p in monthly_trend(db.session, as_of)]}


def _collection(c) -> dict:
    return {"billed_fen": c.billed_fen, "paid_fen": c.paid_fen, "arrears_fen": c.arrears_fen, "bills": c.bills,
            "in_arrears": c.in_arrears, "rate": None if c.rate is None else f"{float(c.rate):.4f}"}


@blp.route("/commitments")
class Commitments(MethodView):
    decorators = COMPANIES

    @blp.arguments(s.FeeCommitmentArgs, location="query")
    @blp.response(200, s.CommitmentPage)
    def get(self, args):
        """Commitment letters (承诺书) with each household's arrears now."""
        from red_property.fees.reports import commitment_rows

        total, rows = commitment_rows(db.session, clock.today(), page=args["page"], per_page=args["per_page"],
                                      in_arrears_only=args["in_arrears"])
        return envelope(args, [_with_arrears(letter, arrears) for letter, *_, arrears, _bills in rows], total)

    @blp.arguments(s.FeeCommitmentIn)
    @blp.response(201, s.FeeCommitmentOut)
    def post(self, data):
        """Record a commitment letter signed by a party member or civil servant (scan: upload on the web page)."""
        letter = add_commitment_letter(db.session, **{**data, "signer_kind": SignerKind(data["signer_kind"])},
                                       upload=None, today=clock.today())
        arrears = db.session.execute(household_arrears([letter.household_id], clock.today())).first()
        return _with_arrears(letter, arrears[1] if arrears else 0)


def _with_arrears(letter, arrears) -> dict:
    """The letter's columns and its household's arrears, for ``FeeCommitmentOut``."""
    return {"id": letter.id, "household_id": letter.household_id, "signer_name": letter.signer_name,
            "signer_kind": letter.signer_kind, "organisation": letter.organisation, "signed_on": letter.signed_on,
            "pay_by": letter.pay_by, "file_id": letter.file_id, "arrears_fen": int(arrears)}


@blp.route("/subscription-invoices")
class Subscriptions(MethodView):
    @blp.arguments(s.PageArgs, location="query")
    @blp.response(200, s.SubscriptionPage)
    def get(self, args):
        """Subscription invoices: those the platform issued, or those billed to the caller's tenant."""
        return page_of(db.session, select(SubscriptionInvoice), args, SubscriptionInvoice.id.desc())

    @for_kinds(TenantKind.PLATFORM)  # both checks before the body is parsed
    @require_admin
    @blp.arguments(s.FeeSubscriptionIn)
    @blp.response(201, s.FeeSubscriptionOut)
    @blp.alt_response(404, description="Only the platform issues subscription invoices")
    def post(self, data):
        """Issue a subscription invoice to a tenant (the platform's admins)."""
        return issue_subscription_invoice(db.session, **data, today=clock.today())


@blp.route("/subscription-invoices/<int:invoice_id>.pdf")
class SubscriptionPdf(MethodView):
    decorators = [visible_or_404(SubscriptionInvoice, "invoice_id")]

    @blp.doc(responses=PDF)
    def get(self, invoice_id):
        """A subscription invoice's PDF as issued (the issuer, or the billed tenant)."""
        invoice = db.session.get(SubscriptionInvoice, invoice_id)
        return Response(invoice.pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": content_disposition(f"{invoice.invoice_code}.pdf")})

