"""The sheets a real bureau would import, made from the scale generator's city.

Three CSV files in exactly the headings the import pages take: the register
(小区登记簿), the company directory (物业服务企业名录) and the management
contracts (物业服务合同).  Same seed, same bytes: the city-scale files are kept
as fixtures in ``tests/data/city/``; the province-scale ones are written to a
temporary folder by the import benchmark.

    uv run python -m red_property.demo.sheets --scale city --out tests/data/city
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

from red_property.core.tabular import SafeCSVWriter
from red_property.demo import names
from red_property.demo.scale import SCALES, community_rows
from red_property.onboarding import contracts, directory, register
from red_property.onboarding.directory import credit_code_check

# Fixed, not "today": the files must not change from one day to the next.
CONTRACTS_START = dt.date(2024, 1, 1)
FIXED_TERM_END = dt.date(2028, 12, 31)
SELECTIONS = ("招投标", "协议选聘", "业主大会选聘")
DIVISION = "510100"  # the administrative division in every code (a fictional 锦城 keeps a real-looking one)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code


def org_code(body: str) -> str:
    """An 8-digit body with its GB 11714 check character (the code's 9th, X for 10)."""
    total = sum(int(c) * w for c, w in zip(body, ORG_WEIGHTS))
    check = (11 - total % 11) % 11
    return body + ("X" if check == 10 else str(check))


def credit_code(n: int) -> str:
    """The 统一社会信用代码 of generated company ``n``: 9 (market regulator), 1 (enterprise), the division,
    an organisation code and the GB 32100-2015 check character.  Unique per ``n``."""
    first17 = "91" + DIVISION + org_code(f"{(n * 7919 + 10_000_019) % 100_000_000:08d}")
    return first17 + credit_code_check(first17)


@dataclass
class Sheets:
    register: list[list[str]]
    directory: list[list[str]]
    contracts: list[list[str]]


def make_sheets(*, companies: int, communities: int, households: int = 40, seed: int = 7) -> Sheets:
    """The three sheets of a city of ``communities`` communities managed by ``companies`` companies
    (community ``n`` by company ``n % companies``, as ``generate_scale`` assigns them)."""
    rng = random.Random(seed)
    places = community_rows(rng, communities, households, set())
    people = random.Random(seed + 1)  # a separate stream: the register stays the generator's
    register_sheet = [list(register.COLUMNS)]
    for n, row in enumerate(places):
        register_sheet.append([row["name"], row["address"], row["district"], row["street"], row["neighbourhood"],
                               str(row["household_count"]), f"{row['floor_area']:.2f}", str(1985 + n * 7 % 38)])
    directory_sheet = [list(directory.COLUMNS)]
    codes = []
    for n in range(companies):
        code = credit_code(n)
        codes.append(code)
        legal, contact = names.person(people), names.person(people)
        phone = f"028-{8000_0000 + people.randrange(0, 1000_0000):08d}"
        directory_sheet.append([code, f"测试物业{n:05d}有限公司", legal, contact, phone,
                                f"office{n:05d}@example.cn" if n % 3 else ""])
    columns = ["小区名称", "地址", "统一社会信用代码", "合同编号", "开始日期", "结束日期", "选聘方式"]
    assert set(columns) <= set(contracts.COLUMNS)
    contracts_sheet = [columns]
    for n, row in enumerate(places):
        contracts_sheet.append([row["name"], row["address"], codes[n % companies], f"S-{n:06d}",
                                CONTRACTS_START.isoformat(), FIXED_TERM_END.isoformat() if n % 3 == 1 else "",
                                SELECTIONS[people.randrange(len(SELECTIONS))]])
    return Sheets(register_sheet, directory_sheet, contracts_sheet)


def to_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    SafeCSVWriter(buffer).writerows(rows)  # the one CSV writer (formula-like text stays text)
    return buffer.getvalue().encode("utf-8")


def write_sheets(folder: Path, *, scale: str = "city", seed: int = 7) -> dict[str, Path]:
    """Write register.csv, directory.csv and contracts.csv for ``scale`` into ``folder``."""
    companies, communities = SCALES[scale]
    sheets = make_sheets(companies=companies, communities=communities, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name in ("register", "directory", "contracts"):
        paths[name] = folder / f"{name}.csv"
        paths[name].write_bytes(to_csv(getattr(sheets, name)))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    for name, path in write_sheets(args.out, scale=args.scale, seed=args.seed).items():
        rows = path.read_bytes().count(b"\n") - 1
        print(f"{name:<10} {path}  {rows} rows")


if __name__ == "__main__":
    main()
