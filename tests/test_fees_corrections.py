"""Corrections and money (issue 13, fees): a payment reversed (红冲) and never deleted, the collection
rate net of reversals, a household's credit from overpayments (by hand and in a bank file) paying its
next bills as they are issued, the payee account on the payment notice, and the arrears notices job."""
import datetime as dt
from fractions import Fraction

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from red_property.communities.imports import ImportRejected
from red_property.compliance.sources import Window
from red_property.core.audit import AuditEntry
from red_property.core.errors import InputError
from red_property.core.exports import export_path
from red_property.core.jobs import DONE, JobRecord
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.arrears import arrears_notices, start_arrears_notices
from red_property.fees.bank_import import import_statement
from red_property.fees.billing import start_billing_run
from red_property.fees.credit import credit_balances, credit_entries
from red_property.fees.documents import issued_invoice
from red_property.fees.metrics import fee_collection_rate
from red_property.fees.models import Bill, Payment, PaymentMethod
from red_property.fees.payee import save_payee_account
from red_property.fees.payments import PaymentData, record_payment, reverse_payment
from red_property.fees.reports import by_community, monthly_trend
from tests.conftest import run_worker
from tests.factories_fees import TODAY, billed
from tests.pdf_reading import glyphs_drawn, pdf_text

HEADER = "交易日期,交易流水号,收入金额,付款人,摘要\n"


@pytest.fixture
def bills(app, world):
    """Company A's community billed for 2026-Q1 (three households, 491.18 元 the first); yields (session, bills)."""
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    actor = world.users["a"][next(iter(world.users["a"]))]
    with app.app_context(), tenant_scope(db.session, world.a, actor) as s:
        billed(s, world.community_a)
        run_worker(app)
        yield s, s.scalars(select(Bill).order_by(Bill.invoice_number)).all()


def pay(s, bill, fen, on=TODAY, method=PaymentMethod.CASH):
    return record_payment(s, PaymentData(bill_id=bill.id, amount_fen=fen, paid_on=on, method=method), today=TODAY)


def bill_now(s, bill) -> Bill:
    s.expire_all()
    return s.get(Bill, bill.id)


def test_a_reversal_is_a_new_row_the_original_stays_and_the_bill_reopens(bills, world):
    s, (bill, *_) = bills
    first = pay(s, bill, 20000, on=dt.date(2026, 3, 1))
    pay(s, bill, 29118, on=dt.date(2026, 3, 2))
    assert bill_now(s, bill).paid_fen == bill.amount_fen
    reversal = reverse_payment(s, first.id, "  收银员录错金额  ", today=TODAY)
    assert (reversal.amount_fen, reversal.credit_fen, reversal.reverses_id) == (-20000, 0, first.id)
    assert reversal.reason == "收银员录错金额" and reversal.paid_on == TODAY
    assert reversal.recorded_by == world.users["a"][next(iter(world.users["a"]))]
    assert reversal.receipt_code == "SJ2026-000003"           # the receipt series, gap-free
    original = s.get(Payment, first.id)
    assert (original.amount_fen, original.reverses_id) == (20000, None)   # unchanged, never deleted
    assert s.scalar(select(func.count(Payment.id))) == 3
    assert bill_now(s, bill).paid_fen == 29118
    audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "reverse")).one()
    assert audit.entity_id == first.id and audit.after["reason"] == "收银员录错金额"
    assert audit.actor_id == reversal.recorded_by
    # a reversal is made once, and is never itself reversed
    for target, message in ((first.id, "已红冲"), (reversal.id, "红冲记录")):
        with pytest.raises(InputError, match=message) as exc:
            reverse_payment(s, target, "再来一次", today=TODAY)
        assert exc.value.field == "payment_id"
        s.rollback()
    for reason in ("", "   ", None):
        with pytest.raises(InputError) as exc:
            reverse_payment(s, first.id + 1, reason, today=TODAY)
        assert exc.value.field == "reason"
    with pytest.raises(InputError) as exc:
        reverse_payment(s, first.id + 1, "长" * 201, today=TODAY)
    assert exc.value.field == "reason"
    assert s.scalar(select(func.count(Payment.id))) == 3
    # the reopened bill takes a payment again
    pay(s, bill, 20000)
    assert bill_now(s, bill).paid_fen == bill.amount_fen


def test_collection_figures_count_a_reversed_payment_from_the_day_it_is_reversed(bills, world):
    s, (one, two, three) = bills
    billed_fen = one.amount_fen + two.amount_fen + three.amount_fen
    wrong = pay(s, one, one.amount_fen, on=dt.date(2026, 3, 1))
    pay(s, two, 10000, on=dt.date(2026, 3, 1))
    [(_, _, before)] = by_community(s, TODAY)
    assert before.paid_fen == one.amount_fen + 10000 and before.in_arrears == 2
    reverse_payment(s, wrong.id, "重复录入", today=TODAY)
    [(_, _, after)] = by_community(s, TODAY)
    assert (after.billed_fen, after.paid_fen, after.in_arrears) == (billed_fen, 10000, 3)
    window = Window(dt.date(2026, 1, 1), TODAY)
    assert fee_collection_rate(s, window)[(world.a, world.community_a)] == Fraction(10000, billed_fen)
    # measured at a day before the reversal, the payment still counted then (the books are not rewritten)
    earlier = Window(dt.date(2026, 1, 1), dt.date(2026, 6, 30))
    assert fee_collection_rate(s, earlier)[(world.a, world.community_a)] == Fraction(one.amount_fen + 10000,
                                                                                     billed_fen)
    trend = monthly_trend(s, TODAY)
    assert trend[-1].paid_fen == 10000
    assert [p.paid_fen for p in trend if p.month == "2026-10"] == [one.amount_fen + 10000]


def test_a_manual_overpayment_becomes_credit_and_its_reversal_takes_it_back(bills):
    s, (bill, *_) = bills
    over = pay(s, bill, 60000)                               # 491.18 owed, 600.00 paid
    assert (over.amount_fen, over.credit_fen) == (49118, 10882)
    assert bill_now(s, bill).paid_fen == 49118
    assert credit_balances(s, [bill.household_id]) == {bill.household_id: 10882}
    assert [p.id for p, code in credit_entries(s, bill.household_id)] == [over.id]
    reversal = reverse_payment(s, over.id, "银行退票", today=TODAY)
    assert (reversal.amount_fen, reversal.credit_fen) == (-49118, -10882)
    assert credit_balances(s, [bill.household_id]) == {}
    assert bill_now(s, bill).paid_fen == 0


def test_a_bank_file_overpayment_becomes_credit_and_a_bad_line_still_writes_nothing(bills):
    s, (one, two, three) = bills
    good = [f"2026-03-05,B-1,600.00,张三,物业费 {one.invoice_code}",     # 108.82 above what is owed
            f"2026-03-05,B-2,100.00,李四,{two.invoice_code}"]
    bad = good + [f"2026-03-06,B-3,12.345,王五,{three.invoice_code}"]
    with pytest.raises(ImportRejected) as exc:
        import_statement(s, "s.csv", (HEADER + "\n".join(bad)).encode(), today=TODAY)
    assert [(e.row, e.column) for e in exc.value.errors] == [(4, "收入金额")]
    assert s.scalar(select(func.count(Payment.id))) == 0 and credit_balances(s, [one.household_id]) == {}
    report = import_statement(s, "s.csv", (HEADER + "\n".join(good)).encode(), today=TODAY)
    assert report == {"rows": 2, "recorded": 2, "skipped": 0, "amount_fen": 70000, "credit_fen": 10882}
    assert credit_balances(s, [one.household_id, two.household_id]) == {one.household_id: 10882}
    assert bill_now(s, one).paid_fen == one.amount_fen
    # the same line again: skipped, no second credit
    again = import_statement(s, "s.csv", (HEADER + good[0]).encode(), today=TODAY)
    assert again["skipped"] == 1 and credit_balances(s, [one.household_id]) == {one.household_id: 10882}


def test_credit_pays_the_households_next_bills_when_they_are_issued(app, bills):
    s, (one, two, three) = bills
    pay(s, one, one.amount_fen + 10882)                      # credit 108.82, less than a quarter's bill
    pay(s, two, two.amount_fen + 200_000)                   # credit 2,000.00: more than a quarter's bill
    start_billing_run(s, community_id=one.community_id, period="2026-Q2", today=TODAY)
    run_worker(app)
    s.expire_all()
    q2 = {b.household_id: b for b in s.scalars(select(Bill).where(Bill.period == "2026-Q2"))}
    assert q2[one.household_id].paid_fen == 10882           # all its credit, exactly
    assert q2[two.household_id].paid_fen == q2[two.household_id].amount_fen
    assert q2[three.household_id].paid_fen == 0
    assert credit_balances(s, [one.household_id, two.household_id, three.household_id]) == {
        two.household_id: 200_000 - q2[two.household_id].amount_fen}
    used = s.scalars(select(Payment).where(Payment.method == PaymentMethod.CREDIT).order_by(Payment.id)).all()
    assert [(p.bill_id, p.amount_fen, p.credit_fen, p.received_fen) for p in used] == [
        (q2[one.household_id].id, 10882, -10882, 0),
        (q2[two.household_id].id, q2[two.household_id].amount_fen, -q2[two.household_id].amount_fen, 0)]
    # the overpayment whose credit paid a later bill cannot be reversed before that use is
    overpaid = s.scalars(select(Payment).where(Payment.bill_id == one.id)).one()
    with pytest.raises(InputError, match="已抵扣其他账单") as exc:
        reverse_payment(s, overpaid.id, "退款", today=TODAY)
    assert exc.value.field == "payment_id"
    s.rollback()
    reverse_payment(s, used[0].id, "抵扣有误", today=TODAY)   # the credit comes back, the Q2 bill reopens
    assert credit_balances(s, [one.household_id]) == {one.household_id: 10882}
    assert bill_now(s, q2[one.household_id]).paid_fen == 0
    reverse_payment(s, overpaid.id, "退款", today=TODAY)
    assert credit_balances(s, [one.household_id]) == {} and bill_now(s, one).paid_fen == 0


def test_the_payee_account_is_checked_and_printed_on_payment_notices(app, bills):
    s, (bill, *_) = bills
    for values, field in (({"account_name": "", "bank_name": "工商银行", "account_number": "6222021234567890"},
                           "account_name"),
                          ({"account_name": "甲物业有限公司", "bank_name": "x", "account_number": "6222021234567890"},
                           "bank_name"),
                          ({"account_name": "甲物业有限公司", "bank_name": "工商银行", "account_number": "62220A"},
                           "account_number"),
                          ({"account_name": "甲物业有限公司", "bank_name": "工商银行", "account_number": "6222021234567890",
                            "contact_phone": "call me"}, "contact_phone")):
        with pytest.raises(InputError) as exc:
            save_payee_account(s, **values)
        assert exc.value.field == field
        s.rollback()
    account = save_payee_account(s, account_name="甲物业有限公司", bank_name="中国工商银行锦城分行",
                                 account_number="6222 0212 3456 7890 123", contact_phone="028-8888 6666")
    assert account.account_number == "6222021234567890123"
    again = save_payee_account(s, account_name="甲物业有限公司", bank_name="中国工商银行锦城分行",
                               account_number="6222021234567890124")
    assert again.id == account.id
    from sqlalchemy import update

    s.execute(update(Bill).where(Bill.id == bill.id).values(file_id=None, file_page=None))   # never rendered
    s.commit()
    data = issued_invoice(s, bill_now(s, bill))
    text = pdf_text(data)
    assert "缴 费 通 知 单" in text and "6222021234567890124" in text and "中国工商银行锦城分行" in text
    assert "发票" not in text


def test_the_arrears_job_renders_a_page_per_household_in_arrears(app, bills, world):
    s, (one, two, three) = bills
    pay(s, one, one.amount_fen)                              # paid: no notice
    pay(s, two, 10000)                                       # partly paid: what is left
    save_payee_account(s, account_name="甲物业有限公司", bank_name="中国工商银行锦城分行",
                       account_number="6222021234567890123", contact_phone="028-88886666")
    notices = arrears_notices(s, world.community_a, TODAY)
    assert [n.household_id for n in notices] == [two.household_id, three.household_id]
    assert notices[0].owed_fen == two.amount_fen - 10000
    with pytest.raises(InputError) as exc:
        start_arrears_notices(s, community_id=world.community_b, today=TODAY)
    assert exc.value.field == "community_id"
    record = start_arrears_notices(s, community_id=world.community_a, today=TODAY)
    run_worker(app)
    s.expire_all()
    record = s.get(JobRecord, record.id)
    assert record.status == DONE and record.progress == 100
    assert record.result["households"] == 2 and record.result["owed_fen"] == sum(n.owed_fen for n in notices)
    data = export_path(world.a, record.result["file"]).read_bytes()
    pages = PdfReader(__import__("io").BytesIO(data)).pages
    assert len(pages) == 2                                    # one notice per page
    assert round(float(pages[0].mediabox.width) / 72 * 25.4) == 210    # A4
    text = pdf_text(data)
    for expected in ("催 缴 通 知 书", two.payer_name, three.payer_name, two.invoice_code, three.invoice_code,
                     "2026-Q1", "6222 0212 3456 7890 123", "中国工商银行锦城分行", "028-88886666", "甲物业有限公司"):
        assert expected in text, expected
    assert one.invoice_code not in text
    drawn = glyphs_drawn(data)
    assert all(drawn[char] for char in "催缴通知书尊敬的业主欠合计户名开户行账号")


def test_arrears_notices_follow_the_natural_order_of_rooms(bills, world):
    """Room 101 before 201 before 1001, as the bill list and billing order them (the shared collation)."""
    from red_property.communities.models import Household

    s, (one, two, three) = bills
    for bill, room in ((one, "1001"), (two, "101"), (three, "201")):   # as text, "1001" sorts first
        s.get(Household, bill.household_id).room = room
    s.commit()
    notices = arrears_notices(s, world.community_a, TODAY)
    assert [n.household_id for n in notices] == [two.household_id, three.household_id, one.household_id]
    assert [n.address.split()[-1] for n in notices] == ["101室", "201室", "1001室"]


def test_the_arrears_job_moves_its_progress_as_each_batch_is_laid_out(app, bills, world, job_progress):
    """Each batch of households moves the progress, written on its own (outside the job's transaction)
    so that the job page sees it at once, as billing does per batch; the PDF still has a page each."""
    s, _bills = bills
    app.config["FEES_ARREARS_BATCH"] = 1
    seen = job_progress
    record = start_arrears_notices(s, community_id=world.community_a, today=TODAY)
    run_worker(app)
    assert [(p, m) for p, m, _ in seen] == [(5, "正在查找欠费住户"), (10, "已生成 0/3 户的催缴通知书"),
                                            (38, "已生成 1/3 户的催缴通知书"), (66, "已生成 2/3 户的催缴通知书"),
                                            (95, "已生成 3/3 户的催缴通知书"), (100, "已生成 3 户的催缴通知书，可以下载")]
    assert not any(in_transaction for _, _, in_transaction in seen[1:5])
    s.expire_all()
    done = s.get(JobRecord, record.id)
    assert done.status == DONE and done.progress == 100 and done.result["households"] == 3
    data = export_path(world.a, done.result["file"]).read_bytes()
    assert len(PdfReader(__import__("io").BytesIO(data)).pages) == 3
    drawn = glyphs_drawn(data)                                # the fonts of the three parts, in one document
    assert all(drawn[char] for char in "催缴通知书尊敬的业主欠合计")
