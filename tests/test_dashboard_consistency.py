"""A dashboard value, its chart and its domain page say the same thing (issue 13).

The fee collection rate has one definition (``fees.reports``): the compliance
dashboard's card, the last point of the card's chart, the fees page's tile and
the last point of the fees page's trend all read the same per cent, for every
company of the demo city; and each community's rate in the dashboard's table is
the fees page's.
"""
import re

import pytest

from red_property.demo.city import DEMO_PASSWORD
from tests.conftest import csrf_token

COMPANIES = [f"company{n}" for n in range(1, 7)]


def _login(client, who: str) -> str:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": f"{who}@demo.test", "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302
    return response.headers["Location"].rstrip("/")


def _card(html: str, metric: str) -> tuple[str, list[str]]:
    """(the card's value, its chart's point labels) of one indicator on the compliance page."""
    section = re.search(rf'data-metric="{metric}">(.*?)</section>', html, re.S).group(1)
    value = re.search(r'<b class="value">([^<]+)</b>', section).group(1)
    return value, re.findall(r'text-anchor="middle">([\d.]+%)</text>', section)


def _fees(html: str) -> tuple[str, list[str], dict[str, str]]:
    """(the tile's rate, the trend chart's point labels, each community's rate) on the fees page."""
    tile = re.search(r'<b>([^<]+)</b><span>收缴率', html).group(1)
    start = html.index("月度趋势")
    trend = html[start:html.index("<h2>各小区", start)]
    table = html[html.index("<table", start):]
    rows = dict(re.findall(r"<tr><td>([^<]+)</td><td>[^<]*</td><td>[^<]*</td><td>[^<]*</td><td>([^<]+)</td>", table))
    return tile, re.findall(r'text-anchor="middle">([\d.]+%)</text>', trend), rows


@pytest.mark.parametrize("who", COMPANIES)
def test_the_collection_card_its_chart_and_the_fees_page_agree(demo_app, who):
    client = demo_app.test_client()
    home = _login(client, who)
    compliance = client.get(f"{home}/compliance").get_data(as_text=True)
    fees = client.get(f"{home}/fees").get_data(as_text=True)
    card, card_points = _card(compliance, "fee_collection_rate")
    tile, trend_points, by_community = _fees(fees)
    assert re.fullmatch(r"\d{1,3}\.\d%", card), card
    assert card == tile
    assert card_points[-1] == card and trend_points[-1] == card
    assert card_points == trend_points            # one measure, month by month
    # each community's value in the dashboard's table is the fees page's
    grid = _grid(compliance, "物业费收缴率")
    assert by_community and all(grid[name] == value for name, value in by_community.items()), (grid, by_community)


def test_the_fees_page_says_what_the_rate_is(demo_app):
    client = demo_app.test_client()
    home = _login(client, "company1")
    html = client.get(f"{home}/fees").get_data(as_text=True)
    assert "收缴率 = 截至今日已收金额 ÷ 统计期内到期账单的应收金额" in html
    assert "合规指标页与此同一口径" in html


def _grid(compliance: str, metric_name: str) -> dict[str, str]:
    """Each community's value of one indicator in the compliance page's table."""
    grid = compliance[compliance.index("compliance-grid"):]
    names = re.findall(r'<th>([^<]+)</th>', grid[:grid.index("</thead>")])[1:]
    column = names.index(metric_name)
    return {name: re.findall(r"<td[^>]*>([^<]+)</td>", cells)[column]
            for name, cells in re.findall(r'<td><a href="[^"]+">([^<]+)</a></td>\s*(.*?)</tr>', grid, re.S)}


def test_the_meeting_cadence_per_community_is_the_calendars(demo_app):
    """The dashboard's joint-meeting cadence of a community is the calendar's 已开 / 应开, in per cent."""
    from fractions import Fraction

    from red_property.core.formatting import pct

    client = demo_app.test_client()
    home = _login(client, "company1")
    grid = _grid(client.get(f"{home}/compliance").get_data(as_text=True), "联席会议按月召开率")
    calendar = client.get(f"{home}/meetings/calendar").get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a></th>.*?<td>(\d+) / (\d+)</td></tr>', calendar, re.S)
    assert rows
    for name, met, required in rows:
        assert grid[name] == (pct(Fraction(int(met), int(required))) if int(required) else "—"), name
