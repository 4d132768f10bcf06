"""The city-scale import fixtures are what the sheet generator makes, with valid credit codes."""
import csv
import io
from pathlib import Path

from red_property.demo.sheets import credit_code, make_sheets, org_code, to_csv
from red_property.onboarding.directory import credit_code_problem

CITY = Path(__file__).parent / "data" / "city"


def test_fixtures_are_the_generators_output():
    sheets = make_sheets(companies=249, communities=513)
    for name in ("register", "directory", "contracts"):
        assert (CITY / f"{name}.csv").read_bytes() == to_csv(getattr(sheets, name)), \
            f"{name}.csv is stale: run tests/data/city/make_fixtures.py"


def test_fixture_sizes_and_codes():
    def rows(name):
        return list(csv.reader(io.StringIO((CITY / f"{name}.csv").read_text("utf-8"))))[1:]

    register, directory, contracts = rows("register"), rows("directory"), rows("contracts")
    assert (len(register), len(directory), len(contracts)) == (513, 249, 513)
    assert len({(r[0], r[1]) for r in register}) == 513
    codes = [r[0] for r in directory]
    assert len(set(codes)) == 249 and not [c for c in codes if credit_code_problem(c)]
    assert {r[2] for r in contracts} == set(codes)


def test_credit_codes_carry_both_check_characters():
    # GB 11714: 1·3 + 2·7 + 3·9 + 4·10 + 5·5 + 6·8 + 7·4 + 8·2 = 201; 11 − 201 mod 11 = 8
    assert org_code("12345678") == "123456788"
    code = credit_code(0)
    assert credit_code_problem(code) is None
    assert credit_code_problem(code[:17] + ("0" if code[17] != "0" else "1")) is not None
