"""Demand pages: intake, the detail page's forms, the list with filters and exports, the three lists,
charts, time limits and the home page's overdue flags."""
import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook

from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.demands import services
from red_property.extensions import db
from tests.conftest import csrf_token, run_worker
from tests.factories_demands import demand, resolved

HOME = "/company-a"


@pytest.fixture
def page(client, web, world):
    """Logged in as company A's staff; ``page.post(path, data)`` sends a form with a fresh CSRF token."""
    web.login("a-staff@test.cn")

    class Page:
        token = csrf_token(client.get(f"{HOME}/demands/new").get_data(as_text=True))

        def post(self, path, data):
            return client.post(path, data={**data, "csrf_token": self.token})

        def get(self, path):
            return client.get(path)

        def text(self, path):
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response.get_data(as_text=True)

    return Page()


def _seed(app, world, n=3):
    """Company A: ``n`` open demands, an overdue one, a resolved one."""
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for i in range(n):
            demand(s, world.community_a, category="noise", at=clock.now(), contact_phone="13812345678",
                   description=f"=HYPERLINK(\"http://x\") 夜间噪音扰民 {i}")
        late = demand(s, world.community_a2, category="urgent_repair", at=clock.now() - dt.timedelta(hours=30))
        services.flag_overdue(s)
        done = resolved(s, world.community_a, at=clock.now() - dt.timedelta(hours=6), after=dt.timedelta(hours=1),
                        rating=5)
        return late.id, done.id


def test_intake_through_the_form(page, world):
    response = page.post(f"{HOME}/demands/new", {
        "community_id": world.community_a, "source": "hotline", "hotline_ticket": "2026112500031",
        "category": "elevator",
        "description": "3栋电梯停在 12 楼不动", "received_at": "", "building_id": "", "location": "3栋",
        "contact_name": "刘先生", "contact_phone": "13912345678"})
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = page.text(response.headers["Location"])
    assert "2026112500031" in detail and "13912345678" in detail and "受理" in detail


@pytest.mark.parametrize("change, status, field", [
    ({"description": ""}, 400, "description"),
    ({"community_id": "abc"}, 400, "community_id"),
    ({"category": "ufo"}, 400, "category"),
    ({"received_at": "not a time"}, 400, "received_at"),
    ({"contact_name": "王" * 51}, 400, "contact_name"),
    ({"building_id": "999999"}, 400, "building_id"),               # not a choice of this company's buildings
    ({"source": "hotline"}, 422, "hotline_ticket"),               # the service's rule, shown at the field
    ({"contact_phone": "12345"}, 422, "contact_phone"),
    ({"received_at": "2099-01-01T09:00"}, 422, "received_at"),
])
def test_intake_form_shows_each_bad_field(page, world, change, status, field):
    data = {"community_id": world.community_a, "source": "phone", "category": "repair",
            "description": "楼道灯坏了很久没人修", **change}
    response = page.post(f"{HOME}/demands/new", data)
    assert response.status_code == status
    assert f'data-field="{field}"' in response.get_data(as_text=True)


def test_a_demand_through_the_detail_page(page, world):
    made = page.post(f"{HOME}/demands/new", {"community_id": world.community_a, "source": "walk_in",
                                              "category": "parking", "description": "车位被外来车辆长期占用"})
    path = made.headers["Location"]
    override = page.post(f"{path}/route", {"route-route": "enforcement", "route-handler": "春熙路综合执法站",
                                           "route-category": "parking"})
    assert override.status_code == 422 and 'data-field="route-reason"' in override.get_data(as_text=True)
    assert page.post(f"{path}/route", {"route-route": "enforcement", "route-handler": "春熙路综合执法站",
                                       "route-reason": "外来车辆占用消防通道，需执法拖移",
                                       "route-category": "parking"}).status_code == 302
    assert page.post(f"{path}/progress", {"progress-note": "执法站已张贴告知书"}).status_code == 302
    assert page.post(f"{path}/close", {"close-outcome": "maybe", "close-resolution": "已处理"}).status_code == 400
    assert page.post(f"{path}/close", {"close-outcome": "resolved",
                                       "close-resolution": "车辆已拖移，通道畅通"}).status_code == 302
    assert page.post(f"{path}/inform", {"inform-informed_at": "2000-01-01T09:00"}).status_code == 422
    assert page.post(f"{path}/inform", {"inform-informed_at": ""}).status_code == 302
    assert page.post(f"{path}/rating", {"rating-rating": "9"}).status_code == 400
    assert page.post(f"{path}/rating", {"rating-rating": "4", "rating-comment": "处理得当"}).status_code == 302
    detail = page.text(path)
    for text in ("执法解决（综合执法）", "外来车辆占用消防通道", "执法站已张贴告知书", "车辆已拖移", "★★★★☆", "处理得当",
                 "a staff"):
        assert text in detail, text
    assert 'action="' + path + '/rating"' not in detail  # rated once: the form is gone


def test_the_detail_page_assigns_to_a_colleague_picked_from_the_list(app, page, world):
    from red_property.accounts.models import Role

    admin, other = world.users["a"][Role.ADMIN], world.users["b"][Role.ADMIN]
    made = page.post(f"{HOME}/demands/new", {"community_id": world.community_a, "source": "phone",
                                              "category": "repair", "description": "2栋电梯间的灯坏了"})
    path = made.headers["Location"]
    form = page.text(path)
    assert 'name="route-assignee_id"' in form and f'<option value="{admin}">a admin</option>' in form
    assert "b admin" not in form
    for bad, field in ((str(other), "route-assignee_id"), ("x1", "route-assignee_id"), ("", "route-handler")):
        refused = page.post(f"{path}/route", {"route-route": "service", "route-category": "repair",
                                              "route-assignee_id": bad, "route-handler": ""})
        assert refused.status_code == 422 and f'data-field="{field}"' in refused.get_data(as_text=True), bad
    assert page.post(f"{path}/route", {"route-route": "service", "route-category": "repair",
                                       "route-assignee_id": str(admin), "route-handler": ""}).status_code == 302
    detail = page.text(path)
    assert f'<span class="assignee" data-assignee="{admin}">a admin</span>' in detail
    assert f'<option selected value="{admin}">' in detail   # the form shows who it is assigned to
    assert 'name="route-handler" type="text" value=""' in detail   # not the assignee's name again


def test_forms_for_mediation_and_closing_unresolved(page, world):
    made = page.post(f"{HOME}/demands/new", {"community_id": world.community_a, "source": "yard_meeting",
                                              "category": "dispute", "description": "楼上漏水殃及楼下，两户争执"})
    path = made.headers["Location"]
    assert 'action="' + path + '/mediations"' in page.text(path)
    bad = page.post(f"{path}/mediations", {"mediation-held_on": "", "mediation-mediator": "李书记",
                                           "mediation-parties": "两户", "mediation-summary": "调解"})
    assert bad.status_code == 400
    assert page.post(f"{path}/mediations", {"mediation-held_on": clock.today().isoformat(),
                                            "mediation-mediator": "李书记", "mediation-parties": "1201 与 1101",
                                            "mediation-summary": "双方意见分歧大"}).status_code == 302
    assert page.post(f"{path}/close", {"close-outcome": "unresolved",
                                       "close-resolution": "双方拒绝继续调解，建议诉讼"}).status_code == 302
    detail = page.text(path)
    assert "未达成协议" in detail and "双方拒绝继续调解" in detail


def test_list_filters_pages_and_masks(app, page, world):
    _seed(app, world, n=32)
    listed = page.text(f"{HOME}/demands?category=noise")
    assert "138****5678" in listed and "13812345678" not in listed
    assert "1 / 2" in listed and "category=noise" in listed.split('class="pager"')[1]  # the pager keeps the filter
    for option in ("_method=POST", "_scheme=ftp", "_external=1"):  # url_for's options are not filters
        assert page.get(f"{HOME}/demands?category=noise&{option}").status_code == 200, option
    overdue = page.text(f"{HOME}/demands?overdue=1&status=open")
    assert overdue.count('class="overdue"') == 1
    assert page.get(f"{HOME}/demands?status=nonsense").status_code == 400
    assert page.get(f"{HOME}/demands?community_id={world.community_b}").status_code == 400  # not a choice


def test_exports_follow_the_filters_and_neutralise_formulas(app, page, world):
    _seed(app, world)
    with page.get(f"{HOME}/demands/export?category=noise") as response:
        rows = response.get_data().decode("utf-8-sig").splitlines()
    assert rows[0].startswith("编号,小区,来源") and rows[0].endswith(",指派给") and len(rows) == 4
    assert "138****5678" in rows[1] and "'=HYPERLINK" in rows[1]
    with page.get(f"{HOME}/demands/export?format=xlsx&status=resolved") as response:
        sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.max_row == 2 and sheet["H2"].value == "已解决"
    assert page.get(f"{HOME}/demands/export?format=pdf").status_code == 400
    assert page.get(f"{HOME}/demands/export?route=teleport").status_code == 400


def test_the_three_lists_and_the_charts(app, page, world):
    _seed(app, world)
    needs = page.text(f"{HOME}/demands/needs")
    assert "甲一小区" in needs and "噪音扰民" in needs and "紧急维修" in needs
    tasks = page.text(f"{HOME}/demands/tasks")
    assert "待分流" in tasks  # nothing routed but not closed: only the waiting count
    resources = page.text(f"{HOME}/demands/resources")
    assert "工程部王师傅" in resources and "100%" in resources
    stats = page.text(f"{HOME}/demands/stats")
    assert stats.count("<svg") == 3 and "721" in stats


def test_time_limit_settings_page(page, world):
    form = page.text(f"{HOME}/demands/settings")
    assert 'name="urgent_repair"' in form and 'value="24"' in form
    values = {"urgent_repair": 12, "repair": 72, "elevator": 24, "sanitation": 48, "greening": 168, "security": 24,
              "parking": 72, "noise": 48, "fees": 120, "dispute": 360, "violation": 360, "other": 120}
    assert page.post(f"{HOME}/demands/settings", values).status_code == 302
    assert 'value="12"' in page.text(f"{HOME}/demands/settings")
    for bad in ({"urgent_repair": 0}, {"urgent_repair": 721}, {"urgent_repair": "x"}, {"urgent_repair": ""}):
        response = page.post(f"{HOME}/demands/settings", {**values, **bad})
        assert response.status_code == 400 and 'data-field="urgent_repair"' in response.get_data(as_text=True), bad


def test_check_now_runs_the_job_and_the_home_page_shows_overdue(app, page, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        demand(s, world.community_a, category="urgent_repair", at=clock.now() - dt.timedelta(hours=25))
    started = page.post(f"{HOME}/demands/check-overdue", {})
    assert started.status_code == 302 and "/jobs/" in started.headers["Location"]
    run_worker(app)
    home = page.text(f"{HOME}/")
    assert "超期未办结" in home and 'class="overdue"' in home


def test_the_home_page_gives_the_overdue_count_once_in_the_task_list(app, page, world):
    """The task list and the demands card both said how many demands were overdue: the task says it."""
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for hours in (25, 30, 49):
            demand(s, world.community_a, category="urgent_repair", at=clock.now() - dt.timedelta(hours=hours))
        demand(s, world.community_a, category="urgent_repair", at=clock.now())   # open, not overdue
    page.post(f"{HOME}/demands/check-overdue", {})
    run_worker(app)
    home = page.text(f"{HOME}/")
    overdue_list = 'href="/company-a/demands?status=open&amp;overdue=1"'
    assert home.count(overdue_list) == 1 and home.count("超期未办结") == 1
    task = re.search(r'data-task="overdue_demands"><a href="[^"]+"><b class="count">(\d+)</b>', home)
    assert task.group(1) == "3"
    card = home[home.index("<h2>居民诉求</h2>"):]
    card = card[:card.index("</section>")]
    assert "<b>4</b>" in card and "<b>3</b>" not in card          # the open demands; the overdue ones as rows only
    assert card.count('class="overdue"') == 3


def test_pages_are_the_companys_own(app, client, web, world, page):
    late, done = _seed(app, world)
    assert page.get(f"{HOME}/demands/{late}").status_code == 200
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        foreign = demand(s, world.community_b).id
    assert page.get(f"{HOME}/demands/{foreign}").status_code == 404
    assert page.post(f"{HOME}/demands/{foreign}/close", {"close-outcome": "unresolved",
                                                         "close-resolution": "越权办结"}).status_code == 404
    client.post("/logout", data={"csrf_token": page.token})
    web.login("bureau-admin@test.cn")
    for path in ("/bureau/demands", "/bureau/demands/needs", "/bureau/demands/settings", f"/bureau/demands/{late}"):
        assert client.get(path).status_code == 404, path
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/bureau/").get_data(as_text=True))})
    web.login("a-readonly@test.cn")
    assert client.get(f"{HOME}/demands/{late}").status_code == 200
    token = csrf_token(client.get(f"{HOME}/demands/{late}").get_data(as_text=True))
    assert client.post(f"{HOME}/demands/{late}/progress", data={"csrf_token": token,
                                                                 "progress-note": "只读用户"}).status_code == 403


def test_list_and_lists_cost_the_same_queries_for_many_rows(app, page, world, count_queries):
    _seed(app, world, n=1)
    paths = [f"{HOME}/demands", f"{HOME}/demands/needs", f"{HOME}/demands/tasks", f"{HOME}/demands/resources",
             f"{HOME}/demands/stats", f"{HOME}/"]
    before = {}
    for path in paths:
        with count_queries() as q:
            page.text(path)
        before[path] = q.count
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        for n in range(25):
            d = demand(s, world.community_a2 if n % 3 else world.community_a, category=("noise", "repair")[n % 2],
                       at=clock.now() - dt.timedelta(hours=n))
            services.route_demand(s, d, route=d.route, handler=f"班组{n % 4}")
            if n % 5 == 0:
                services.close_demand(s, d, resolved=True, resolution="已处理完毕")
    for path in paths:
        with count_queries() as q:
            page.text(path)
        assert q.count == before[path], path


def test_the_home_page_counts_what_is_assigned_to_me_and_the_tasks_list_names_the_assignee(app, page, world):
    from red_property.accounts.models import Role

    staff, admin = world.users["a"][Role.STAFF], world.users["a"][Role.ADMIN]
    with app.app_context(), tenant_scope(db.session, world.a, admin) as s:
        for who in (staff, staff, admin):
            d = demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1))
            services.route_demand(s, d, route=d.route, handler="工程部", assignee_id=who)
    home = page.text(f"{HOME}/")
    tile = home.split('id="my-demands-tile"', 1)[1].split("</a>", 1)[0]
    assert f"assignee_id={staff}" in tile and "<b>2</b>" in tile
    tasks = page.text(f"{HOME}/demands/tasks")
    assert f'data-assignee="{staff}">a staff</span> <small class="muted">工程部</small>' in tasks
    assert '<table class="stack">' in tasks
