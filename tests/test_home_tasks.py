"""Home pages are task lists: each count is what the list it links to holds (issue 13).

The bureau: appeals to decide, runs to publish, companies missing data in the
latest run; a company: overdue demands, communities owing this month's joint
meeting, bills in arrears, appeals waiting for an answer; a committee:
statements due and open votes.  A company's tasks are its own.  The bureau's
home counts its register's households (it said 0 楼栋 / 0 户).
"""
import re

from sqlalchemy import select, update

from red_property.communities.models import Community
from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demo.city import DEMO_PASSWORD
from red_property.extensions import db
from red_property.tenants.models import Tenant
from tests.conftest import csrf_token

TASK = re.compile(r'data-task="([a-z_]+)"><a href="([^"]+)"><b class="count">([\d,]+)</b>')


def _login(client, email: str, password: str) -> str:
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, email
    return response.headers["Location"]


def _tasks(client, home: str) -> dict[str, tuple[str, int]]:
    html = client.get(home).get_data(as_text=True)
    return {key: (url.replace("&amp;", "&"), int(count.replace(",", ""))) for key, url, count in TASK.findall(html)}


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def _listed(html: str, kind: str) -> int:
    """How many items the list a task links to holds."""
    if kind == "total":          # the list's own count beside its heading
        return int(re.search(r'<h1>[^<]*<small class="muted">(\d+)</small>', html).group(1))
    if kind == "appeals":        # the bureau's appeal inbox, or the company's pending list on its rating page
        return len(re.findall(r'<tr (?:class="pending-appeal"|data-appeal="\d+")>', html))
    if kind == "runs":           # rows of the runs table: the run's number linking to it
        return len(re.findall(r'/rating/runs/(\d+)">\1</a>', html))
    if kind == "companies":
        table = html[html.index("<th>名次</th>"):] if "<th>名次</th>" in html else ""
        return len(set(re.findall(r'/rating/runs/\d+/companies/(\d+)"', table)))
    if kind == "calendar":
        return len(re.findall(r'<th scope="row">', html))
    if kind == "votes":
        table = html[html.index("<tbody>"):html.index("</tbody>")]
        return len(re.findall(r'/votes/\d+"', table))
    raise ValueError(kind)


def _file_appeal(app, company_slug: str) -> None:
    """company-1 appeals its fee indicator in the latest published run, while the window was open."""
    from red_property.rating.appeals import file_appeal
    from red_property.rating.models import RatingResult, RatingRun

    with app.app_context():
        company = db.session.scalar(select(Tenant.id).where(Tenant.slug == company_slug))
        with tenant_scope(db.session, company) as s:
            run = s.scalars(select(RatingRun).where(RatingRun.published_at.is_not(None))
                            .order_by(RatingRun.id.desc())).first()
            result = s.scalars(select(RatingResult).where(RatingResult.run_id == run.id,
                                                          RatingResult.company_tenant_id == company)).one()
            file_appeal(s, run, indicator_id=result.breakdown["indicators"][0]["id"],
                        explanation="收缴率统计漏算了本季度的银行代扣记录，请核实。", now=run.published_at)


def test_the_bureau_home_counts_its_register_and_lists_its_tasks(demo_app):
    _file_appeal(demo_app, "company-1")
    client = demo_app.test_client()
    home = _login(client, "bureau@demo.test", DEMO_PASSWORD)
    html = _page(client, home)
    with demo_app.app_context():
        with tenant_scope(db.session, db.session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau"))) as s:
            households = sum(s.scalars(select(Community.household_count)))
    assert households > 100
    assert re.search(r'data-stat="households"><b>([\d,]+)</b>', html).group(1) == f"{households:,}"
    assert "楼栋" not in html
    tasks = _tasks(client, home)
    assert set(tasks) == {"appeals", "unpublished_runs", "missing_data"}
    assert tasks["appeals"][1] == 1
    for key, kind in {"appeals": "appeals", "unpublished_runs": "runs", "missing_data": "companies"}.items():
        url, count = tasks[key]
        assert _listed(_page(client, url), kind) == count, key


def test_a_company_home_lists_its_own_tasks(demo_app):
    _file_appeal(demo_app, "company-1")
    kinds = {"overdue_demands": "total", "missing_meetings": "calendar", "arrears": "total", "open_appeals": "appeals"}
    counts = {}
    for who in ("company1", "company2"):
        client = demo_app.test_client()
        home = _login(client, f"{who}@demo.test", DEMO_PASSWORD)
        tasks = _tasks(client, home)
        assert set(tasks) == set(kinds)
        for key, kind in kinds.items():
            url, count = tasks[key]
            assert url.startswith(home.rstrip("/")), url
            assert _listed(_page(client, url), kind) == count, (who, key)
        counts[who] = {key: count for key, (_, count) in tasks.items()}
    assert counts["company1"]["open_appeals"] == 1 and counts["company2"]["open_appeals"] == 0
    assert counts["company1"]["arrears"] > 0 and counts["company1"]["missing_meetings"] >= 0


def test_a_committee_home_lists_statements_due_and_open_votes(demo_app):
    from red_property.finance.statements import statements_due

    client = demo_app.test_client()
    home = _login(client, "committee1@demo.test", DEMO_PASSWORD)
    tasks = _tasks(client, home)
    assert set(tasks) == {"statements_due", "open_votes"}
    url, count = tasks["open_votes"]
    assert count >= 1 and _listed(_page(client, url), "votes") == count
    with demo_app.app_context():
        committee = db.session.scalar(select(Tenant.id).where(Tenant.slug == "committee-1"))
        with tenant_scope(db.session, committee) as s:
            due = statements_due(s, clock.today())
    url, count = tasks["statements_due"]
    assert count == len(due)
    statements = _page(client, url)
    rows = re.findall(r'>(\d{4}(?:-Q\d)?)</a></td>\s*<td>[^\n]*</td>\s*<td>(?:<span class="badge">)?([^<]+)',
                      statements)
    published = {period for period, status in rows if status.startswith("已发布")}
    assert rows and not published & set(due)    # owed: the list holds no published version of it


def test_the_bureau_home_counted_no_households_before(app, client, world):
    """Register data alone (no company has imported anything): the home page says what the register says."""
    with app.app_context():
        with tenant_scope(db.session, world.bureau) as s:
            s.execute(update(Community).where(Community.id == world.community_a).values(household_count=120))
            s.execute(update(Community).where(Community.id == world.community_b).values(household_count=80))
            s.commit()
    _login(client, world.email["bureau"][next(iter(world.email["bureau"]))], "correct horse battery")
    html = _page(client, "/bureau/")
    # 120 + 80 + four communities of 3 households; 6 × 300 ㎡ of floor area
    assert re.search(r'data-stat="households"><b>([\d,]+)</b>', html).group(1) == "212"
    assert "1,800" in html


def test_a_companys_tasks_are_its_own(app, client, world):
    """Company A has bills in arrears and two communities owing this month's meeting; B's home shows
    B's three communities and none of A's bills."""
    from tests.conftest import run_worker
    from tests.factories_fees import billed

    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    with app.app_context():
        with tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
            billed(s, world.community_a)
            run_worker(app)
    counts = {}
    for key, slug in (("a", "company-a"), ("b", "company-b")):
        client.get("/logout")
        with client.session_transaction() as session:
            session.clear()
        _login(client, world.email[key][next(iter(world.email[key]))], "correct horse battery")
        tasks = _tasks(client, f"/{slug}/")
        counts[key] = {k: c for k, (_, c) in tasks.items()}
        url, count = tasks["arrears"]
        assert _listed(_page(client, url), "total") == count
        url, count = tasks["missing_meetings"]
        assert _listed(_page(client, url), "calendar") == count
    assert counts["a"]["arrears"] == 3 and counts["b"]["arrears"] == 0
    assert counts["a"]["missing_meetings"] == 2 and counts["b"]["missing_meetings"] == 3
