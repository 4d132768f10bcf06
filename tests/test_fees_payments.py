"""Payments: partial and over-payment rules, bank statement imports (bad rows, nothing written),
receipts and invoices as Chinese PDFs, the collection rate and its metric source."""
import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from red_property.communities.imports import ImportRejected
from red_property.communities.models import ManagementContract
from red_property.compliance.sources import Window
from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.extensions import db
from red_property.fees.bank_import import import_statement
from red_property.fees.credit import credit_balances
from red_property.fees.documents import chinese_amount, issued_invoice, receipt_pdf
from red_property.fees.metrics import fee_collection_rate
from red_property.fees.models import Bill, Payment, PaymentMethod
from red_property.fees.payments import PaymentData, record_payment
from red_property.fees.reports import by_community, monthly_trend
from tests.conftest import run_worker
from tests.factories_fees import TODAY, billed
from tests.pdf_reading import glyphs_drawn, pdf_text

HEADER = "交易日期,交易流水号,收入金额,付款人,摘要\n"


@pytest.fixture
def bills(app, world):
    """Company A's community billed for 2026-Q1 (three households); yields (session, bills)."""
    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        billed(s, world.community_a)
        run_worker(app)
        yield s, s.scalars(select(Bill).order_by(Bill.invoice_number)).all()


def pay(s, bill, fen, on=TODAY, method=PaymentMethod.CASH):
    return record_payment(s, PaymentData(bill_id=bill.id, amount_fen=fen, paid_on=on, method=method), today=TODAY)


def test_partial_payments_add_up_and_an_overpayment_becomes_the_households_credit(bills):
    s, (bill, *_) = bills
    assert bill.amount_fen == 49118
    first = pay(s, bill, 20000)
    second = pay(s, bill, 29000)
    assert (first.receipt_number, second.receipt_number) == (1, 2)
    assert (second.amount_fen, second.credit_fen) == (29000, 0)
    assert s.get(Bill, bill.id).paid_fen == 49000
    over = pay(s, bill, 119)                 # 1.18 owed: the bill is paid, 0.01 is credit
    assert (over.amount_fen, over.credit_fen, over.received_fen) == (118, 1, 119)
    assert s.get(Bill, bill.id).paid_fen == 49118
    after = pay(s, bill, 500)                # a paid bill: all of it is credit
    assert (after.amount_fen, after.credit_fen) == (0, 500)
    assert credit_balances(s, [bill.household_id]) == {bill.household_id: 501}
    for fen, field in ((0, "amount_fen"), (-5, "amount_fen")):
        with pytest.raises(InputError) as exc:
            pay(s, s.scalars(select(Bill).where(Bill.id != bill.id)).first(), fen)
        assert exc.value.field == field
        s.rollback()
    with pytest.raises(InputError) as exc:
        pay(s, s.scalars(select(Bill).where(Bill.id != bill.id)).first(), 100, on=TODAY + dt.timedelta(days=1))
    assert exc.value.field == "paid_on"
    s.rollback()
    with pytest.raises(InputError) as exc:
        record_payment(s, PaymentData(bill_id=999_999, amount_fen=1, paid_on=TODAY, method=PaymentMethod.CASH),
                       today=TODAY)
    assert exc.value.field == "bill_id"


def statement(rows: list[str], encoding="utf-8") -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode(encoding)


def test_a_statement_with_bad_rows_writes_nothing_and_names_each_row_and_column(bills):
    s, (one, two, three) = bills
    data = statement([
        f"2026-03-05,R1,100.00,张三,物业费 {one.invoice_code}",          # good
        f"2026/03/06,R2,1.234,李四,{two.invoice_code}",                   # three decimals
        f"2026-13-01,R3,10,王五,{two.invoice_code}",                      # no such date
        "2026-03-07,R4,10,赵六,没有写发票号",                              # no code
        "2026-03-07,R5,10,赵六,WY2026-999999",                           # unknown code
        f"2026-03-08,R1,10,钱七,{three.invoice_code}",                    # duplicate reference
        f"2026-03-08,R7,600.00,孙八,{three.invoice_code}",                # more than owed: fine, credit
        f"2026-03-08,R8,,周九,{three.invoice_code}",                      # empty amount
        f"{(TODAY + dt.timedelta(days=3)).isoformat()},R9,1,吴十,{three.invoice_code}",   # future
    ], encoding="gb18030")
    with pytest.raises(ImportRejected) as exc:
        import_statement(s, "流水.csv", data, today=TODAY)
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {(3, "收入金额"), (4, "交易日期"), (5, "摘要"), (6, "摘要"), (7, "交易流水号"),
                     (9, "收入金额"), (10, "交易日期")}
    assert s.scalar(select(func.count(Payment.id))) == 0
    assert s.scalar(select(func.sum(Bill.paid_fen))) == 0


def test_a_good_statement_records_every_line_once(bills):
    s, (one, two, three) = bills
    rows = [f"20260305,B-1,\"¥400.00\",张三,物业费 {one.invoice_code}",
            f"2026-03-06,B-2,200.00,李四,{two.invoice_code} 一季度",
            f"2026-03-06,B-3,50.5,李四,{two.invoice_code} 补缴"]
    report = import_statement(s, "statement.csv", statement(rows), today=TODAY)
    assert report == {"rows": 3, "recorded": 3, "skipped": 0, "amount_fen": 40000 + 20000 + 5050, "credit_fen": 0}
    assert s.get(Bill, two.id).paid_fen == 25050
    assert sorted(s.scalars(select(Payment.receipt_number))) == [1, 2, 3]
    again = import_statement(s, "statement.csv", statement(rows + [f"2026-03-07,B-4,1,王五,{three.invoice_code}"]),
                             today=TODAY)
    assert again == {"rows": 4, "recorded": 1, "skipped": 3, "amount_fen": 100, "credit_fen": 0}   # 1 yuan
    # two lines of one file paying more than is owed together: the bill is paid, the rest is credit
    owed = s.get(Bill, three.id).amount_fen - s.get(Bill, three.id).paid_fen
    report = import_statement(s, "s.csv", statement([f"2026-03-08,C-1,{owed / 100:.2f},王五,{three.invoice_code}",
                                                      f"2026-03-08,C-2,0.01,王五,{three.invoice_code}"]), today=TODAY)
    assert report["credit_fen"] == 1
    assert s.get(Bill, three.id).paid_fen == s.get(Bill, three.id).amount_fen


@pytest.mark.parametrize("text, message", [
    ("", "文件是空的"),
    ("日期,金额\n2026-03-01,1\n", "未知的列"),
    ("交易日期,交易流水号,收入金额,付款人\n2026-03-01,1,1,x\n", "缺少这一列"),
])
def test_a_statement_with_a_bad_header_is_refused(bills, text, message):
    s, _ = bills
    with pytest.raises(ImportRejected) as exc:
        import_statement(s, "s.csv", text.encode(), today=TODAY)
    assert message in " ".join(e.message for e in exc.value.errors)


def test_invoices_and_receipts_are_chinese_pdfs_kept_as_first_rendered(app, bills, tmp_path):
    from red_property.core.files import StoredFile, tenant_folder

    s, (bill, second, _) = bills
    assert (bill.file_id, bill.file_page, second.file_page) == (second.file_id, 0, 1)   # one batch, a page each
    data = issued_invoice(s, bill)
    text = pdf_text(data)
    assert "发票" not in text   # a payment notice: the tax invoice is another system's (issue 13)
    for expected in ("缴 费 通 知 单", bill.invoice_code, "甲物业有限公司", "业主0", "肆佰玖拾壹元壹角捌分",
                     "491.18", "甲一小区 1栋 1单元 101室"):           # the title is letter-spaced
        assert expected in text
    assert second.invoice_code not in text                       # only its own page of the batch
    assert "\ufffd" not in text                                  # every glyph maps back to text
    drawn = glyphs_drawn(data)                                   # drawn by the embedded CJK font, not as boxes
    assert all(drawn[char] for char in "缴费通知单物业服务甲有限公司肆佰玖拾壹元角捌分小区栋室491.")
    assert issued_invoice(s, s.get(Bill, bill.id)) == data        # the same bytes: never rendered again
    assert s.scalar(select(func.count(StoredFile.id))) == 1
    receipt = receipt_pdf(s, pay(s, bill, 100))
    text = pdf_text((tenant_folder(bill.tenant_id) / receipt.stored_as).read_bytes())
    assert "收 款 收 据" in text and "壹元整" in text and bill.invoice_code in text


def test_a_bill_never_rendered_is_rendered_alone_on_first_download(app, bills, tmp_path):
    from sqlalchemy import update

    s, (bill, *_) = bills
    s.execute(update(Bill).where(Bill.id == bill.id).values(file_id=None, file_page=None))   # as bulk-loaded
    s.commit()
    first = issued_invoice(s, s.get(Bill, bill.id))
    assert bill.invoice_code in pdf_text(first)
    assert s.get(Bill, bill.id).file_page is None
    assert issued_invoice(s, s.get(Bill, bill.id)) == first


def test_chinese_capital_amounts():
    assert chinese_amount(49118) == "肆佰玖拾壹元壹角捌分"
    assert chinese_amount(100000) == "壹仟元整"
    assert chinese_amount(1000100) == "壹万零壹元整"
    assert chinese_amount(5005) == "伍拾元零伍分"
    assert chinese_amount(10001000000) == "壹亿零壹万元整"


def test_collection_rate_counts_bills_due_and_what_was_paid(bills, world):
    s, (one, two, three) = bills
    pay(s, one, one.amount_fen, on=dt.date(2026, 2, 1))
    pay(s, two, 100, on=dt.date(2026, 6, 1))
    [(community, name, c)] = by_community(s, TODAY)
    assert (community, c.bills, c.in_arrears) == (world.community_a, 3, 2)
    assert c.rate == Fraction(one.amount_fen + 100, one.amount_fen + two.amount_fen + three.amount_fen)
    assert by_community(s, dt.date(2026, 1, 14)) == []            # not due yet: no arrears
    total = one.amount_fen + two.amount_fen + three.amount_fen
    trend = {p.month: p for p in monthly_trend(s, TODAY)}
    assert len(trend) == 12 and trend["2025-12"].rate is None               # nothing due yet: missing
    assert (trend["2026-01"].billed_fen, trend["2026-01"].rate) == (total, 0)
    assert trend["2026-02"].rate == Fraction(one.amount_fen, total)
    assert trend["2026-11"].rate == Fraction(one.amount_fen + 100, total)
    q1 = Window(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert fee_collection_rate(s, q1) == {(world.a, world.community_a): Fraction(one.amount_fen, total)}
    assert fee_collection_rate(s, Window.months_ending(TODAY)) == {
        (world.a, world.community_a): Fraction(one.amount_fen + 100, total)}
    assert fee_collection_rate(s, Window(dt.date(2026, 4, 1), dt.date(2026, 6, 30))) == {}   # nothing due: missing
    # the pages' rate is the rating's: due in the twelve months up to the day, paid by that day
    from red_property.fees.reports import collection_by_community

    for day in (dt.date(2026, 3, 31), dt.date(2026, 5, 31), TODAY):
        [(_, _, c)] = collection_by_community(s, day)
        assert c.rate == fee_collection_rate(s, Window.months_ending(day))[(world.a, world.community_a)], day
    [(_, _, march)] = collection_by_community(s, dt.date(2026, 3, 31))
    assert (march.paid_fen, march.in_arrears) == (one.amount_fen, 2)     # the June payment is not yet made
    assert collection_by_community(s, dt.date(2027, 2, 1)) == []         # due more than twelve months before


def test_the_bureau_reads_every_companys_collection_rate_in_one_query(app, bills, world, count_queries):
    s, (one, *_) = bills
    pay(s, one, one.amount_fen)
    with tenant_scope(db.session, world.b) as b:
        billed(b, world.community_b)
        run_worker(app)
    with tenant_scope(db.session, world.bureau, world.users["bureau"][next(iter(world.users["bureau"]))]) as s:
        with bureau_cross_tenant_read(s, reason="test") as reader:
            with count_queries() as q:
                values = fee_collection_rate(reader, Window.months_ending(TODAY))
    assert q.count == 1
    assert set(values) == {(world.a, world.community_a), (world.b, world.community_b)}
    assert values[(world.b, world.community_b)] == 0
    with tenant_scope(db.session, world.b) as b:
        assert set(fee_collection_rate(b, Window.months_ending(TODAY))) == {(world.b, world.community_b)}


def test_the_demo_city_bills_collects_and_rates_with_the_collection_rate(demo_app):
    app = demo_app

    from red_property.fees.models import CommitmentLetter, DocumentCounter
    from red_property.rating.models import RatingResult
    from red_property.tenants.models import Tenant

    today = dt.date(2026, 11, 1)
    with app.app_context():
        slugs = {t.slug: t.id for t in db.session.scalars(select(Tenant))}
        assert "platform" in slugs
        rates = {}
        for n in range(1, 7):
            with tenant_scope(db.session, slugs[f"company-{n}"]) as s:
                rows = by_community(s, today)
                rates[n] = [float(c.rate) for _, _, c in rows]
                assert s.scalar(select(func.count(CommitmentLetter.id))) == 3
                assert s.scalar(select(func.max(DocumentCounter.last_number))) == \
                    s.scalar(select(func.max(Bill.invoice_number)))
                assert s.scalar(select(func.count(Bill.id)).where(Bill.file_id.isnot(None))) == 0   # lazy PDFs
        every = [r for values in rates.values() for r in values]
        assert sum(0.85 <= r <= 0.97 for r in every) >= len(every) - 4
        assert min(rates[6]) < 0.7                      # the one community that collects poorly
        with tenant_scope(db.session, slugs["city-bureau"]) as s:
            latest = s.scalar(select(func.max(RatingResult.run_id)))   # this year's draft: bills are in its window
            breakdowns = s.scalars(select(RatingResult.breakdown).where(RatingResult.run_id == latest)).all()
        fee = [i for b in breakdowns for i in b["indicators"] if i["metric"] == "fee_collection_rate"]
        assert fee and all(not i["missing"] for i in fee)


def test_the_scale_generator_bills_and_collects_in_bulk(app):
    from red_property.demo.scale import generate_scale

    with app.app_context():
        made = generate_scale(db.session, companies=3, communities=5, households_per_community=4, seed=11)
        with tenant_scope(db.session, made["bureau_id"]) as s, bureau_cross_tenant_read(s, reason="test") as reader:
            assert reader.scalar(select(func.count(Bill.id))) == 5 * 4 * 4            # four quarters
            rates = fee_collection_rate(reader, Window.months_ending(clock.today()))
    assert len(rates) == 5 and all(0 < r <= 1 for r in rates.values())


def test_bills_count_only_in_communities_the_company_managed_during_the_window(app, bills, world):
    """The bureau ends the contract before the window: the company's own bills there no longer count."""
    s, _ = bills
    q1 = Window(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert set(fee_collection_rate(s, q1)) == {(world.a, world.community_a)}
    s.commit()
    with app.app_context(), tenant_scope(db.session, world.bureau) as bureau:
        contract = bureau.scalar(select(ManagementContract).where(ManagementContract.community_id == world.community_a,
                                                                  ManagementContract.company_tenant_id == world.a))
        contract.ends_on = dt.date(2025, 12, 31)
        bureau.commit()
    assert fee_collection_rate(s, q1) == {}
