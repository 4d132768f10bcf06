"""One way to write numbers (``core.formatting``), and no raw ratio on any main page.

The helpers: per cent with one decimal, money in yuan with ¥ and separators,
areas with separators, instants on the users' clock.  The demo walk: every
page a bureau, company or committee user reaches in two clicks from home (two
of each URL shape) shows no ratio such as 0.8257 and no number with four or
more decimals, in Chinese and in English.
"""
import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest

from red_property.core import formatting as f
from tests.test_demo_walk import _login, _Page, links_to_follow

RAW = re.compile(r"(?<![\d.:])(0\.\d{3,}|\d+\.\d{4,})(?!\d)")
ROLES = ["bureau", "company1", "committee1"]


def test_per_cent_has_one_decimal_rounded_half_up():
    assert f.pct(Fraction(8257, 10000)) == "82.6%"
    assert f.pct("0.8257") == f.pct(Decimal("0.8257")) == f.pct(0.8257) == "82.6%"
    assert f.pct(Fraction(1, 8)) == "12.5%" and f.pct(Fraction(49, 400)) == "12.3%"   # 12.25 rounds up
    assert f.pct(1) == "100.0%" and f.pct(0) == "0.0%"
    assert f.pct(None) == f.pct("") == "—"
    assert f.pct_value(Fraction(8257, 10000)) == 82.6


def test_money_is_yuan_with_the_sign_and_separators():
    assert f.money(123456) == "¥1,234.56"
    assert f.money(123456789) == "¥1,234,567.89"
    assert f.money(-500) == "-¥5.00" and f.money(5, sign=True) == "+¥0.05"
    assert f.money(None) == "—"


def test_areas_and_numbers_have_separators():
    assert f.area(Decimal("1465272.00")) == "1,465,272 ㎡"
    assert f.area(Decimal("71603.73"), unit=False) == "71,603.73"
    assert f.area(Decimal("12.5"), unit=False) == "12.50"
    assert f.number(14268, 0) == "14,268" and f.number("89.0240") == "89.0"
    assert f.measure("0.8257", "ratio") == "82.6%" and f.measure("89.0240", "score") == "89.0"


def test_instants_read_on_the_users_clock(app):
    instant = dt.datetime(2026, 3, 4, 17, 30, tzinfo=dt.timezone.utc)
    with app.app_context():
        assert f.local_datetime(instant) == "2026-03-05 01:30"
        assert f.local_datetime(instant.isoformat()) == "2026-03-05 01:30"
        assert f.local_date(instant) == "2026-03-05" and f.local_date(dt.date(2026, 3, 4)) == "2026-03-04"
        with pytest.raises(ValueError):
            f.local_datetime(instant.replace(tzinfo=None))


def test_the_filters_follow_the_pages_locale(app):
    with app.test_request_context("/?lang=en"):
        assert app.jinja_env.from_string("{{ 0.8257|pct }} {{ 123456|money }} {{ 12345.5|area }}").render() \
            == "82.6% ¥1,234.56 12,345.50 ㎡"


def _raw_numbers(client, start: str, depth: int = 2) -> dict[str, list[str]]:
    """Texts with a raw number on ``start`` and the pages ``depth`` clicks from it, by URL."""
    limit = depth
    found, seen, shapes, queue = {}, set(), {}, [(start, 0)]
    while queue:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        page = _Page()
        page.feed(response.get_data(as_text=True))
        raw = [t for t in page.texts if RAW.search(t)]
        if raw:
            found[url] = raw
        if depth >= limit:
            continue
        queue += [(link, depth + 1) for link in links_to_follow(url, page, seen, shapes)]
    assert limit == 0 or len(seen) > 10, sorted(seen)
    return found


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_no_main_page_shows_a_raw_ratio(demo_app, role, lang):
    client = demo_app.test_client()
    if lang == "en":
        client.set_cookie("lang", "en")
    start = _login(client, role)
    found = _raw_numbers(client, start)
    if role == "bureau":   # a company's breakdown and its evidence, where the ratios are
        for url in _runs_pages(client):
            found.update(_raw_numbers(client, url, depth=0))
    assert found == {}


def _runs_pages(client) -> list[str]:
    """Each run's page, a company's breakdown in it and that breakdown's evidence."""
    html = client.get("/city-bureau/rating").get_data(as_text=True)
    pages = []
    for run in sorted(set(re.findall(r'href="(/city-bureau/rating/runs/\d+)"', html))):
        pages.append(run)
        companies = re.findall(rf'href="({run}/companies/\d+)"', client.get(run).get_data(as_text=True))
        for company in companies[:2]:
            pages += [company, *re.findall(rf'href="({company}/evidence/[a-z_]+)"',
                                           client.get(company).get_data(as_text=True))[:3]]
    assert pages, "the demo has no rating runs"
    return pages


def test_the_pattern_finds_raw_ratios():
    assert RAW.search("0.8257") and RAW.search("数值 89.0240") and RAW.search("(0.826)")
    assert not RAW.search("82.6%") and not RAW.search("¥1,234.56") and not RAW.search("07:58:06.550065")
