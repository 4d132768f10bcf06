"""Reading uploaded tables: a workbook cannot make the reader build billions of cells."""
import io
import re
import time
import zipfile

import pytest
from openpyxl import Workbook

from red_property.core import table_import
from red_property.core.table_import import ImportRejected, read_table


def _wide_workbook(rows: int) -> bytes:
    """A small XLSX whose every row has a cell in the last column (XFD) and a sheet size to match."""
    wb = Workbook()
    wb.active["A1"] = "楼栋"
    buffer = io.BytesIO()
    wb.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'<dimension ref="[^"]+"', f'<dimension ref="A1:XFD{rows}"'.encode(), data)
                extra = "".join(f'<row r="{n}"><c r="XFD{n}" t="n"><v>1</v></c></row>' for n in range(2, rows + 1))
                data = data.replace(b"</sheetData>", extra.encode() + b"</sheetData>")
            target.writestr(item, data)
    return out.getvalue()


def test_a_workbook_claiming_16384_columns_is_read_as_a_narrow_table():
    data = _wide_workbook(3000)
    assert len(data) < 100_000
    started = time.monotonic()
    rows = read_table("wide.xlsx", data)
    assert time.monotonic() - started < 10
    assert len(rows) == 3000 and max(len(r) for r in rows) <= table_import.MAX_COLUMNS


@pytest.mark.parametrize("name, data", [("big.csv", "\n".join(["楼栋,单元"] + ["1栋,1"] * 5).encode()),
                                        ("big.xlsx", None)])
def test_too_many_rows_are_refused(monkeypatch, name, data):
    monkeypatch.setattr(table_import, "MAX_ROWS", 3)
    with pytest.raises(ImportRejected) as refused:
        read_table(name, data or _wide_workbook(5))
    assert "3 行" in refused.value.errors[0].message


def test_bare_carriage_returns_are_line_ends_not_a_server_error():
    """Found by the API fuzzer on the contracts import: b"&\\r6" made csv raise instead of reading two rows."""
    assert read_table("file", b"&\r6") == [["&"], ["6"]]
    assert read_table("c.csv", "a,b\r1,2\r\n".encode()) == [["a", "b"], ["1", "2"]]
