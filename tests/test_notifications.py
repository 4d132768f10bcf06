"""Notifications: each event tells exactly the right users, in their tenant only; periodic
checks are idempotent; the page, the API and mark-read; email through a local SMTP server."""
import datetime as dt
import email

import pytest
from sqlalchemy import select, text

from red_property.accounts.models import Role
from red_property.core import clock
from red_property.core.jobs import enqueue
from red_property.core.tenancy import tenant_scope
from red_property.demands import services as demands
from red_property.extensions import db
from red_property.notifications import triggers
from red_property.notifications.models import Notification
from tests.conftest import csrf_token, run_worker
from tests.factories_demands import demand
from tests.factories_rating import rating_inputs


def _all(app, tenant) -> list[tuple[int, str, int, str]]:
    """(user, kind, subject, occasion) of every notification of ``tenant``."""
    with app.app_context(), tenant_scope(db.session, tenant) as s:
        return [tuple(r) for r in s.execute(select(Notification.user_id, Notification.kind, Notification.subject_id,
                                                   Notification.occasion).order_by(Notification.id))]


def _routed(app, world, handler: str, actor_role=Role.ADMIN) -> int:
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][actor_role]) as s:
        d = demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1))
        demands.route_demand(s, d, route="service", handler=handler)
        return d.id


# --- triggers --------------------------------------------------------------------------------------


def test_a_routed_demand_tells_the_user_its_handler_names_and_no_one_else(app, world):
    demand_id = _routed(app, world, "a staff")
    assert _all(app, world.a) == [(world.users["a"][Role.STAFF], "demand_assigned", demand_id, "2")]
    for other in (world.b, world.bureau, world.committee):
        assert _all(app, other) == []
    # a team or an outside unit is no user: nobody to notify; nor is routing to oneself
    _routed(app, world, "工程部王师傅")
    _routed(app, world, "a-admin@test.cn")
    assert len(_all(app, world.a)) == 1


def test_routing_again_is_a_new_assignment(app, world):
    demand_id = _routed(app, world, "a staff")
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][Role.ADMIN]) as s:
        from red_property.demands.models import Demand

        demands.route_demand(s, s.get(Demand, demand_id), route="service", handler="a-staff@test.cn")
    assert [row[3] for row in _all(app, world.a)] == ["2", "3"]


def test_a_bulk_assignment_notifies_once_every_row_stands_and_not_at_all_when_refused(app, world):
    from red_property.demands.bulk import BulkRejected, assign_demands

    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][Role.ADMIN]) as s:
        ids = [demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1)).id for _ in range(2)]
        closed = demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1))
        demands.route_demand(s, closed, route="service", handler="工程部王师傅")
        demands.close_demand(s, closed, resolved=True, resolution="已修好，业主确认")
        with pytest.raises(BulkRejected):   # one row cannot change: none does, and nobody is told
            assign_demands(s, [*ids, closed.id], handler="a staff")
    assert _all(app, world.a) == []
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][Role.ADMIN]) as s:
        assign_demands(s, ids, handler="a staff")
    assert sorted(row[2] for row in _all(app, world.a)) == sorted(ids)


def test_an_assigned_demand_tells_its_assignee_not_whoever_the_handler_text_names(app, world):
    from red_property.demands.bulk import BulkRejected, assign_demands

    staff, admin = world.users["a"][Role.STAFF], world.users["a"][Role.ADMIN]
    with app.app_context(), tenant_scope(db.session, world.a, staff) as s:
        d = demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1))
        # the handler text names the staff user, the assignee is the admin: only the admin is told
        demands.route_demand(s, d, route="service", handler="a staff", assignee_id=admin)
        mine = demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1))
        demands.route_demand(s, mine, route="service", assignee_id=staff)   # to oneself: nobody
        batch = [demand(s, world.community_a, at=clock.now() - dt.timedelta(hours=1)).id for _ in range(2)]
        with pytest.raises(BulkRejected):
            assign_demands(s, [*batch, 10**15], assignee_id=admin)
        first = d.id
        assert _all(app, world.a) == [(admin, "demand_assigned", first, "2")]   # a refused batch tells nobody
        assign_demands(s, batch, assignee_id=admin, handler="工程部")
    assert sorted(row[2] for row in _all(app, world.a) if row[0] == admin) == sorted([first, *batch])
    assert all(row[0] == admin for row in _all(app, world.a))
    assert _all(app, world.b) == []


def test_an_overdue_demand_tells_its_assignee_and_the_admins(app, world):
    staff, admin = world.users["a"][Role.STAFF], world.users["a"][Role.ADMIN]
    with app.app_context(), tenant_scope(db.session, world.a, admin) as s:
        d = demand(s, world.community_a, category="urgent_repair", at=clock.now() - dt.timedelta(hours=30))
        demands.route_demand(s, d, route="service", handler="工程部", assignee_id=staff)
        demands.flag_overdue(s)
        assert triggers.overdue_demands(s) == 2
    overdue = [row[0] for row in _all(app, world.a) if row[1] == "demand_overdue"]
    assert sorted(overdue) == sorted([admin, staff])


def _overdue(app, world) -> int:
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][Role.ADMIN]) as s:
        d = demand(s, world.community_a, category="urgent_repair", at=clock.now() - dt.timedelta(hours=30))
        demands.route_demand(s, d, route="service", handler="a staff")
        return d.id


def test_an_overdue_demand_tells_its_handler_and_the_admins_once(app, world):
    demand_id = _overdue(app, world)
    for _ in range(2):   # the hourly job, twice: one notification per user and overdue event
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            enqueue(s, "demands.flag_overdue")
        run_worker(app)
    overdue = [row for row in _all(app, world.a) if row[1] == "demand_overdue"]
    assert sorted(row[0] for row in overdue) == sorted([world.users["a"][Role.ADMIN], world.users["a"][Role.STAFF]])
    assert {row[2] for row in overdue} == {demand_id}
    assert _all(app, world.b) == []
    # a lost notification (the job killed after flagging) is caught up by the next run
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.query(Notification).filter(Notification.kind == "demand_overdue").delete()
        s.commit()
        assert triggers.overdue_demands(s) == 2
        assert triggers.overdue_demands(s) == 0


@pytest.fixture
def published(api, app, world):
    with app.app_context():
        rating_inputs(world)
    bureau = api.token("bureau-admin@test.cn")
    run_id = api.post("/api/v1/rating/runs", bureau, json={"period": "2026", "as_of": "2026-10-31"}).get_json()["id"]
    run_worker(app)
    assert api.post(f"/api/v1/rating/runs/{run_id}/publish", bureau).status_code == 200
    return run_id, bureau


def test_a_published_rating_tells_each_rated_companys_admins(app, world, published):
    run_id, _ = published
    for key, tenant in (("a", world.a), ("b", world.b)):
        assert _all(app, tenant) == [(world.users[key][Role.ADMIN], "rating_published", run_id, "")]
    assert _all(app, world.bureau) == [] and _all(app, world.committee) == []
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        (n,) = s.scalars(select(Notification)).all()
        assert n.params["run_id"] == run_id and n.params["period"] == "2026"
        assert dt.datetime.fromisoformat(n.params["appeals_until"]) > clock.now()


def test_a_decided_appeal_tells_the_appealing_company_only(api, app, world, published):
    run_id, bureau = published
    company = api.token("a-admin@test.cn")
    body = {"indicator_id": "inspections", "explanation": "六月检查时本小区正在改造电梯，得分应予复核。"}
    appeal_id = api.post(f"/api/v1/rating/runs/{run_id}/appeals", company, json=body).get_json()["id"]
    assert api.post(f"/api/v1/rating/appeals/{appeal_id}/decision", bureau,
                    json={"upheld": False, "reason": "检查记录无误"}).status_code == 201
    decided = [row for row in _all(app, world.a) if row[1] == "appeal_decided"]
    assert decided == [(world.users["a"][Role.ADMIN], "appeal_decided", appeal_id, "")]
    assert [row[1] for row in _all(app, world.b)] == ["rating_published"]
    listed = api.get("/api/v1/notifications", company).get_json()
    assert listed["total"] == 2
    newest = listed["items"][0]
    assert newest["kind"] == "appeal_decided" and "检查记录无误" in newest["body"] and "2026" in newest["title"]
    assert newest["link"] == f"/company-a/rating/runs/{run_id}/companies/{world.a}"


def test_only_a_bureau_notifies_another_tenant(app, world):
    from red_property.notifications.services import notify

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(Exception, match="housing bureau"):
            notify(s, "rating_published", 1)


def test_statement_due_tells_the_committee_once_a_quarter(app, world):
    from red_property.finance.models import StatementKind
    from red_property.finance.statements import create_statement, publish_statement
    from tests.factories_finance import book_year, committee_admin

    with app.app_context(), tenant_scope(db.session, world.committee, committee_admin(world)) as s:
        assert triggers.statement_due(s, today=dt.date(2025, 4, 15)) == 1
        assert triggers.statement_due(s, today=dt.date(2025, 5, 30)) == 0     # the same quarter: once
        book_year(s)
        q2 = create_statement(s, kind=StatementKind.QUARTER, year=2025, quarter=2, today=dt.date(2025, 7, 2))
        publish_statement(s, q2, today=dt.date(2025, 7, 2))
        assert triggers.statement_due(s, today=dt.date(2025, 7, 10)) == 0     # Q2 is published
    assert _all(app, world.committee) == [(committee_admin(world), "statement_due", 0, "2025-Q1")]
    for other in (world.a, world.b, world.bureau):
        assert _all(app, other) == []


def test_the_statement_check_is_a_periodic_job_for_committees(app, world):
    from red_property.core.schedule import PERIODIC, enqueue_for_tenants
    from red_property.tenants.models import TenantKind

    assert PERIODIC["notifications.statement_due"].kinds == (TenantKind.COMMITTEE,)
    with app.app_context():
        assert enqueue_for_tenants(db.session, ["notifications.statement_due"]) == 1
        assert enqueue_for_tenants(db.session, ["notifications.send_mail"]) == 0   # no MAIL_URL: not fanned out
    run_worker(app)
    assert [row[1] for row in _all(app, world.committee)] == ["statement_due"]


# --- the page, the API, marking read ------------------------------------------------------------


def test_the_page_lists_opens_and_marks_read(app, client, web, world):
    demand_id = _routed(app, world, "a staff")
    other_id = _routed(app, world, "a staff")
    web.login("a-staff@test.cn")
    home = client.get("/company-a/").get_data(as_text=True)
    assert 'class="count">2<' in home
    page = client.get("/company-a/notifications").get_data(as_text=True)
    assert f"诉求 #{demand_id} 已分派给您" in page and page.count('class="unread"') == 2
    (n1, n2) = [row for row in _notification_ids(app, world.a)]
    opened = client.get(f"/company-a/notifications/{n1}")
    assert opened.status_code == 302 and opened.headers["Location"].endswith(f"/company-a/demands/{demand_id}")
    assert 'class="count">1<' in client.get("/company-a/notifications").get_data(as_text=True)
    token = csrf_token(page)
    assert client.post(f"/company-a/notifications/{n2}/read", data={"csrf_token": token}).status_code == 302
    after = client.get("/company-a/notifications").get_data(as_text=True)
    assert 'class="count"' not in after and 'class="unread"' not in after and f"#{other_id}" in after
    assert "没有通知" in client.get("/company-a/notifications?unread=1").get_data(as_text=True)


def _notification_ids(app, tenant) -> list[int]:
    with app.app_context(), tenant_scope(db.session, tenant) as s:
        return list(s.scalars(select(Notification.id).order_by(Notification.id)))


def test_another_users_or_tenants_notification_is_a_404(app, client, web, api, world):
    _routed(app, world, "a staff")
    (mine,) = _notification_ids(app, world.a)
    web.login("a-admin@test.cn")   # same company, another user
    assert client.get(f"/company-a/notifications/{mine}").status_code == 404
    token = csrf_token(client.get("/company-a/notifications").get_data(as_text=True))
    assert client.post(f"/company-a/notifications/{mine}/read", data={"csrf_token": token}).status_code == 404
    other = api.token("b-admin@test.cn")
    assert api.post(f"/api/v1/notifications/{mine}/read", other).status_code == 404
    assert api.get("/api/v1/notifications", other).get_json()["total"] == 0
    assert _all(app, world.a)[0][0] == world.users["a"][Role.STAFF]


def test_the_api_lists_filters_and_marks_all_read(app, api, world):
    _routed(app, world, "a staff")
    _routed(app, world, "a staff")
    staff = api.token("a-staff@test.cn")
    listed = api.get("/api/v1/notifications?unread=true", staff).get_json()
    assert listed["total"] == 2 and all(item["read_at"] is None for item in listed["items"])
    one = listed["items"][0]["id"]
    read = api.post(f"/api/v1/notifications/{one}/read", staff).get_json()
    assert read["read_at"] is not None
    assert api.get("/api/v1/notifications?unread=false", staff).get_json()["total"] == 1
    assert api.post("/api/v1/notifications/read-all", staff).get_json() == {"marked": 1}
    assert api.get("/api/v1/notifications?unread=true", staff).get_json()["total"] == 0
    bad = api.get("/api/v1/notifications?per_page=0", staff)
    assert bad.status_code == 422 and "per_page" in bad.get_json()["errors"]["query"]


def test_the_english_switch_renders_stored_notifications(app, api, client, world):
    demand_id = _routed(app, world, "a staff")
    staff = api.token("a-staff@test.cn")
    client.set_cookie("lang", "en")
    (item,) = api.get("/api/v1/notifications", staff).get_json()["items"]
    assert item["title"] == f"Demand #{demand_id} has been assigned to you"


# --- email -------------------------------------------------------------------------------------


def _text(envelope) -> tuple[str, str]:
    message = email.message_from_bytes(envelope.content)
    subject = str(email.header.make_header(email.header.decode_header(message["Subject"])))
    return subject, message.get_payload(decode=True).decode(message.get_content_charset())


def test_with_smtp_an_assignment_is_mailed_by_a_job_once(app, world, smtp_server):
    controller, handler = smtp_server
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{controller.port}", MAIL_FROM="noreply@wuye.test",
                      BASE_URL="https://wuye.example.cn")
    demand_id = _routed(app, world, "a staff")
    run_worker(app)
    (envelope,) = handler.messages
    assert envelope.rcpt_tos == ["a-staff@test.cn"]
    subject, body = _text(envelope)
    assert subject == f"诉求 #{demand_id} 已分派给您"
    assert f"https://wuye.example.cn/company-a/demands/{demand_id}" in body
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.scalar(select(Notification.emailed_at)) is not None
        enqueue(s, "notifications.send_mail")   # the sweep: nothing left to send
    run_worker(app)
    assert len(handler.messages) == 1


def test_with_smtp_the_bureaus_notifications_go_out_with_the_companys_sweep(app, world, published, smtp_server):
    from red_property.core.schedule import enqueue_for_tenants

    controller, handler = smtp_server
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{controller.port}", MAIL_FROM="noreply@wuye.test")
    with app.app_context():
        assert enqueue_for_tenants(db.session, ["notifications.send_mail"]) == 4   # every tenant in the world
    run_worker(app)
    assert sorted(e.rcpt_tos[0] for e in handler.messages) == ["a-admin@test.cn", "b-admin@test.cn"]
    assert all("2026 信用评价已发布" == _text(e)[0] for e in handler.messages)


def test_with_smtp_the_overdue_job_mails_what_it_notified(app, world, smtp_server):
    controller, handler = smtp_server
    app.config.update(MAIL_URL=f"smtp://127.0.0.1:{controller.port}", MAIL_FROM="noreply@wuye.test")
    demand_id = _overdue(app, world)
    run_worker(app)
    handler.messages.clear()   # the assignment's own mail
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        enqueue(s, "demands.flag_overdue")
    run_worker(app)
    assert sorted(e.rcpt_tos[0] for e in handler.messages) == ["a-admin@test.cn", "a-staff@test.cn"]
    assert {_text(e)[0] for e in handler.messages} == {f"诉求 #{demand_id} 已超期"}


def test_without_smtp_nothing_is_queued_for_mail(app, world):
    _routed(app, world, "a staff")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        from red_property.core.jobs import JobRecord

        assert s.scalars(select(JobRecord.name)).all() == []


# --- PostgreSQL: the wall ---------------------------------------------------------------------


@pytest.mark.postgres
def test_the_app_role_cannot_write_another_tenants_notification_nor_read_one(app, world, published):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.execute(text("SELECT count(*) FROM notification")).scalar() == 1
        with pytest.raises(Exception, match="row-level security"):
            s.execute(text("INSERT INTO notification (tenant_id, user_id, kind, subject_id, occasion, params, "
                           "created_at) VALUES (:b, :u, 'x', 1, '', '{}', now())"),
                      {"b": world.b, "u": world.users["b"][Role.ADMIN]})
        s.rollback()
        with pytest.raises(Exception, match="housing bureau"):   # a company cannot use the bureau's function
            s.execute(text("SELECT notification_from_bureau('rating_published', :r, now())"),
                      {"r": published[0]})
        s.rollback()
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert s.execute(text("SELECT count(*) FROM notification")).scalar() == 0
        # the function says what the bureau's rows say, once: asking again makes none
        assert s.execute(text("SELECT notification_from_bureau('rating_published', :r, now())"),
                         {"r": published[0]}).scalar() == 0
        assert s.execute(text("SELECT current_setting('app.current_tenant')")).scalar() == str(world.bureau)
