"""Import received payments from a bank statement (CSV, UTF-8 or GB18030; or XLSX).

The format is what Chinese business banking exports look like, reduced to the
columns we need (a header row; column order free)::

    交易日期,交易流水号,收入金额,付款人,摘要
    2026-03-05,20260305000123,491.18,张伟,物业费 WY2026-000123

- 交易日期: 2026-03-05, 2026/03/05 or 20260305; not in the future.
- 交易流水号: the bank's reference; a line already imported is skipped, so
  importing overlapping statements twice records nothing twice.
- 收入金额: yuan with at most two decimals (thousands separators allowed).
- 付款人 (or 对方户名): the payer as the bank shows it.
- 摘要 (or 附言): must name the number (票号) of the payment notice paid.

A line paying more than its bill still owes is no fault: the bill is paid and
the rest becomes the household's credit (``fees.credit``), applied to its next
bills.  Every problem is reported with its row (the header is row 1) and column, and a
file with any bad row writes nothing.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.communities.imports import ImportRejected, RowError, read_table
from red_property.core.errors import InputError
from red_property.fees.models import Bill, Payment, PaymentMethod
from red_property.fees.payments import PaymentData, add_payments, check_payment

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
COLUMNS = {"交易日期": "date", "交易流水号": "ref", "收入金额": "amount", "付款人": "payer", "对方户名": "payer",
           "摘要": "memo", "附言": "memo"}
REQUIRED = {"date": "交易日期", "ref": "交易流水号", "amount": "收入金额", "payer": "付款人", "memo": "摘要"}
CODE = re.compile(r"WY\d{4}-\d{6}")
COLUMN_OF_FIELD = {"amount_fen": "amount", "paid_on": "date", "bill_id": "memo"}


def import_statement(session: Session, filename: str, data: bytes, *, today: dt.date) -> dict:
    """Check the whole statement, then record every new line's payment in one transaction.

    Raises ``ImportRejected`` with every bad row; returns counts otherwise.
    """
    if len(data) > MAX_BYTES:
        raise ImportRejected([RowError(0, "文件", f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")])
    table = [row for row in read_table(filename, data) if any(cell for cell in row)]
    header, positions, errors = _header(table)
    if errors:
        raise ImportRejected(errors)
    if len(table) - 1 > MAX_ROWS:
        raise ImportRejected([RowError(0, "文件", f"一次最多导入 {MAX_ROWS} 行")])
    parsed = []
    for number, raw in enumerate(table[1:], start=2):
        def get(key: str) -> str:
            index = positions.get(key)
            return raw[index].strip() if index is not None and index < len(raw) else ""

        parsed.append((number, {key: get(key) for key in REQUIRED}))
    refs = [row["ref"] for _, row in parsed if row["ref"]]
    codes = {m.group(0) for _, row in parsed for m in [CODE.search(row["memo"])] if m}
    # Bills first, locked and refreshed: a concurrent import of the same statement waits here, and
    # then sees the references the first one recorded (read after the lock) and skips them.
    bills = {b.invoice_code: b for b in session.scalars(
        select(Bill).where(Bill.invoice_code.in_(codes)).with_for_update()
        .execution_options(populate_existing=True))} if codes else {}
    known_refs = set(session.scalars(select(Payment.bank_ref).where(Payment.bank_ref.in_(refs)))) if refs else set()

    items, skipped, seen = [], 0, {}
    for number, row in parsed:
        before = len(errors)
        for key, column in REQUIRED.items():
            if not row[key]:
                errors.append(RowError(number, header[key], "不能为空"))
        ref = row["ref"]
        if len(ref) > 64:
            errors.append(RowError(number, header["ref"], "不能超过 64 个字符"))
        if ref and ref in seen:
            errors.append(RowError(number, header["ref"], f"与第 {seen[ref]} 行重复"))
        seen.setdefault(ref, number)
        if len(row["payer"]) > 50:
            errors.append(RowError(number, header["payer"], "不能超过 50 个字"))
        paid_on = _date(row["date"], number, header["date"], errors)
        amount = _amount(row["amount"], number, header["amount"], errors)
        match = CODE.search(row["memo"])
        bill = bills.get(match.group(0)) if match else None
        if row["memo"] and match is None:
            errors.append(RowError(number, header["memo"], "摘要中没有缴费通知单号（如 WY2026-000123）"))
        elif match and bill is None:
            errors.append(RowError(number, header["memo"], f"没有票号为 {match.group(0)} 的缴费通知单"))
        if len(errors) > before:
            continue
        if ref in known_refs:
            skipped += 1
            continue
        payment = PaymentData(bill_id=bill.id, amount_fen=amount, paid_on=paid_on, method=PaymentMethod.BANK_TRANSFER,
                              payer_name=row["payer"], note=row["memo"][:200], bank_ref=ref)
        problems = check_payment(bill, payment, today)
        for field, message in problems:
            errors.append(RowError(number, header[COLUMN_OF_FIELD.get(field, "memo")], message))
        if not problems:
            items.append((bill, payment))
    if errors:
        session.rollback()
        raise ImportRejected(errors)
    payments = []
    if items:
        try:
            payments = add_payments(session, items, today=today)
        except InputError as exc:  # pragma: no cover - checked above; a concurrent change lands here
            session.rollback()
            raise ImportRejected([RowError(0, "文件", str(exc))]) from exc
    session.commit()
    return {"rows": len(parsed), "recorded": len(items), "skipped": skipped,
            "amount_fen": sum(data.amount_fen for _, data in items),
            "credit_fen": sum(p.credit_fen for p in payments)}


def _header(table: list[list[str]]) -> tuple[dict[str, str], dict[str, int], list[RowError]]:
    if not table:
        return {}, {}, [RowError(0, "文件", "文件是空的")]
    errors, positions, names = [], {}, {}
    for index, name in enumerate(table[0]):
        key = COLUMNS.get(name)
        if key is None:
            errors.append(RowError(1, name or f"第 {index + 1} 列", f"未知的列（应为：{'、'.join(REQUIRED.values())}）"))
        elif key in positions:
            errors.append(RowError(1, name, "表头重复"))
        else:
            positions[key], names[key] = index, name
    errors += [RowError(1, column, "缺少这一列") for key, column in REQUIRED.items() if key not in positions]
    return {key: names.get(key, column) for key, column in REQUIRED.items()}, positions, errors


def _date(text: str, number: int, column: str, errors: list[RowError]) -> dt.date | None:
    if not text:
        return None
    for form in ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text[:10], form).date()  # noqa: DTZ007 (a calendar day, no instant)
        except ValueError:
            continue
    errors.append(RowError(number, column, f"日期格式不对：{text[:20]}（应为 2026-03-05）"))
    return None


def _amount(text: str, number: int, column: str, errors: list[RowError]) -> int | None:
    if not text:
        return None
    try:
        value = Decimal(text.replace(",", "").replace("¥", "").strip())
    except InvalidOperation:
        errors.append(RowError(number, column, f"不是金额：{text[:20]}"))
        return None
    if not value.is_finite() or value <= 0:
        errors.append(RowError(number, column, "收入金额应大于 0"))
        return None
    if value.as_tuple().exponent < -2:
        errors.append(RowError(number, column, "金额最多两位小数"))
        return None
    return int(value * 100)
