"""Walk every route x method: another tenant's slug or ids never answer with data.

A new route with a URL parameter this test does not know fails here until it
is added to ``FOREIGN`` below, so that no route can skip the cross-tenant check.
"""
import re

import pytest
from sqlalchemy import select

from red_property.core import clock
from red_property.core.jobs import enqueue
from red_property.meetings.models import AgendaItem
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.factories_fees import subscription_for

# Routes that are deliberately open to everyone.
PUBLIC = {"static", "core.favicon", "api-docs.openapi_json", "i18n.switch", "health.healthz", "accounts.login", "core.index",
          "Auth.Token", "invitations.accept",  # the invitation link is its own key: tests/test_invitations.py
          "public.index", "public.community",
          "public.send_demand", "public.demand_received", "public.demand_lookup",
          "public.statement", "public.statement_pdf_file", "public.verify"}  # tests/test_public*.py
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _foreign_values(world, b_records, draft_run=None):
    """For each URL parameter: a value that is not company A's to see (we are company A)."""
    return {**b_records, "tenant_slug": "company-b", "community_id": world.community_b, "code": "en",
            "user_id": world.users["b"][next(iter(world.users["b"]))],
            # the bureau's model version and an unpublished run
            "version_id": (draft_run or {}).get("version_id", 1), "run_id": (draft_run or {}).get("run_id", 1),
            "company_id": world.b, "target_id": world.b, "fmt": "csv", "appeal_id": 999_999, "metric": "party_coverage",
            "kind": "inspection", "input_id": 1}  # the bureau's first inspection: company A may not change it


@pytest.fixture
def draft_run(app, world):
    from red_property.rating.runs import start_run
    from tests.factories_rating import AS_OF, rating_inputs

    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau, world.users["bureau"][next(iter(world.users["bureau"]))]) as s:
            run = start_run(s, period="2026", as_of=AS_OF)
            return {"run_id": run.id, "version_id": run.model_version_id}


@pytest.fixture
def b_records(app, world):
    """Real rows of company B, by URL parameter name: each domain adds its own."""
    from red_property.core.files import store_file

    with app.app_context(), tenant_scope(db.session, world.b, world.users["b"][next(iter(world.users["b"]))]) as s:
        ids = {"job_id": enqueue(s, "communities.export_register").id}
        ids["file_id"] = store_file(s, purpose="evidence", filename="b.pdf", data=b"%PDF-1.4 b").id
        from red_property.demands.intake import create_demand

        ids["demand_id"] = create_demand(s, community_id=world.community_b, source="phone", category="repair",
                                         description="乙一小区 1 栋楼道灯不亮").id
        s.commit()
        from red_property.accounts.models import BrowserSession, User
        from red_property.accounts.sessions import start_session

        start_user = world.users["b"][next(iter(world.users["b"]))]
        start_session(s, s.get(User, start_user), address=None, user_agent=None)
        ids["session_id"] = s.scalar(select(BrowserSession.id))
        from red_property.notifications.models import Notification
        from red_property.notifications.services import notify

        notify(s, "demand_assigned", ids["demand_id"], users=[start_user], params={"number": ids["demand_id"]})
        ids["notification_id"] = s.scalar(select(Notification.id))
        ids.update(_party_records(s, world))
        ids.update(_b_meeting_records(s, world))
        ids.update(_fee_records(app, world, s))
    # a subscription invoice the platform issued to company B: B may read it, A may not
    ids["invoice_id"] = subscription_for(app, world.b)
    return {**ids, **committee_records(app, world)}


def committee_records(app, world) -> dict:
    """The owners' committee's rows (``world.committee``): a company never reaches them."""
    from tests.factories_finance import committee_records as make

    with app.app_context():
        return make(world)


def _party_records(s, world):
    """Company B's branch and a post of an owners' committee."""
    from red_property.appointments.models import Body, PostRole
    from tests.factories_party import branch, person, post

    organisation = branch(s, world.community_b, name="乙一小区党支部")
    # 丙小区 (B's) is the one whose register entry has the committee: posts of no other are recorded
    held = post(s, person(s, world.community_x, "乙主任"), Body.OWNERS_COMMITTEE, PostRole.CHAIR)
    return {"organisation_id": organisation.id, "post_id": held.id}


def _b_meeting_records(s, world) -> dict:
    """Company B's joint meeting, decision, activity and negative record."""
    from red_property.activities.services import record_activity, record_negative
    from red_property.meetings.services import log_meeting
    from tests.factories_meetings import activity, add_members, decision, item, meeting, member_part

    today = clock.today()
    meeting_b = log_meeting(s, meeting(world.community_b, today, items=[item(**decision(today))]), today=today)
    (member,) = add_members(s, world.community_b, ["乙党员"])
    return {"meeting_id": meeting_b.id,
            "item_id": s.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_b.id)),
            "activity_id": record_activity(s, activity(world.community_b, today, [member_part(member)]),
                                           today=today).id,
            "record_id": record_negative(s, {"member_id": member, "occurred_on": today, "description": "违规停车",
                                             "rectify_by": today}, today=today).id}


def _fee_records(app, world, s):
    """Company B's billing run, a bill and a payment (fees)."""
    from sqlalchemy import select

    from red_property.fees.models import Bill, PaymentMethod
    from red_property.fees.payments import PaymentData, record_payment
    from tests.conftest import run_worker
    from tests.factories_fees import TODAY, billed

    app.config["FEES_HELPER_IDLE_SECONDS"] = 0.2
    run = billed(s, world.community_b)
    run_worker(app)
    bill = s.scalars(select(Bill)).first()
    payment = record_payment(s, PaymentData(bill_id=bill.id, amount_fen=100, paid_on=TODAY,
                                            method=PaymentMethod.CASH), today=TODAY)
    return {"billing_run_id": run.id, "bill_id": bill.id, "payment_id": payment.id, "household_id": bill.household_id}


def _rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule, values):
    unknown = set(rule.arguments) - set(values)
    assert not unknown, f"{rule.rule}: add a foreign value for {unknown} to tests/test_url_map.py"
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


def test_every_route_refuses_another_tenants_objects(app, client, web, api, world, b_records, draft_run):
    foreign = _foreign_values(world, b_records, draft_run)
    token = api.token("a-admin@test.cn")
    web.login("a-admin@test.cn")
    checked = 0
    for rule, method in _rules(app):
        path = _url(rule, foreign)
        if path.startswith("/api/"):
            response = api.call(method, path, token, json={})
            # no id in the URL: any answer but a leak (404 for pages of another tenant kind)
            allowed = {404} if rule.arguments else {200, 201, 202, 204, 404, 409, 422}
        else:
            response = client.open(path, method=method, data={})
            allowed = {404} if "tenant_slug" in rule.arguments else {200, 302, 400}
        assert response.status_code in allowed, f"{method} {path} -> {response.status_code}"
        checked += 1
    assert checked >= 12


def test_own_slug_with_another_tenants_ids_is_404(app, client, web, world, b_records, draft_run):
    """The slug is ours, the id is company B's: the session cannot find it."""
    from tests.conftest import csrf_token

    foreign = {**_foreign_values(world, b_records, draft_run), "tenant_slug": "company-a"}
    web.login("a-admin@test.cn")
    token = csrf_token(client.get("/company-a/users").get_data(as_text=True))
    checked = 0
    for rule, method in _rules(app):
        if "tenant_slug" not in rule.arguments or not any(a.endswith("_id") for a in rule.arguments):
            continue
        path = _url(rule, foreign)
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 404, f"{method} {path} -> {response.status_code}"
        checked += 1
    assert checked >= 4


def test_every_route_needs_authentication(app, client, world, b_records):
    foreign = _foreign_values(world, b_records)
    for rule, method in _rules(app):
        path = _url(rule, foreign)
        response = client.open(path, method=method, json={} if path.startswith("/api/") else None)
        if path.startswith("/api/"):
            assert response.status_code == 401, f"{method} {path}"
        elif method in WRITE_METHODS:
            assert response.status_code in (302, 400), f"{method} {path}"  # login redirect or CSRF
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], f"{method} {path}"


def test_own_ids_through_own_slug_work(app, client, web, world):
    """The walk above is only meaningful if the same routes answer for the owner."""
    web.login("a-admin@test.cn")
    assert client.get(f"/company-a/communities/{world.community_a}").status_code == 200
    assert client.get("/company-a/communities").status_code == 200


def test_a_committee_never_reaches_a_companys_records(app, client, web, api, world, b_records, draft_run):
    """The walk above as the owners' committee (its own slug): every company or bureau id is 404 or 403."""
    from tests.conftest import csrf_token

    own = {"owner_id", "entry_id", "statement_id", "distribution_id", "vote_id"}  # committee_records are its own
    foreign = {**_foreign_values(world, b_records, draft_run), "tenant_slug": "committee-x"}
    token = api.token("committee-admin@test.cn")
    web.login("committee-admin@test.cn")
    form_token = csrf_token(client.get("/committee-x/").get_data(as_text=True))
    checked = 0
    for rule, method in _rules(app):
        if not any(a.endswith("_id") and a not in own for a in rule.arguments):
            continue
        path = _url(rule, foreign)
        if path.startswith("/api/"):
            response = api.call(method, path, token, json={})
        else:
            response = client.open(path, method=method, data={"csrf_token": form_token})
        assert response.status_code in (403, 404), f"{method} {path} -> {response.status_code}"
        checked += 1
    assert checked >= 50


def test_a_read_only_user_cannot_write_anywhere(app, client, web, api, world, b_records, draft_run):
    """Every write route, web and API, as company A's read-only user: 403 before any view runs."""
    from red_property.accounts.edge import OWN_ACCOUNT
    from tests.conftest import csrf_token

    values = {**_foreign_values(world, b_records, draft_run), "tenant_slug": "company-a"}
    token = api.token("a-readonly@test.cn")
    web.login("a-readonly@test.cn")
    form_token = csrf_token(client.get("/company-a/").get_data(as_text=True))
    checked = 0
    for rule, method in _rules(app):
        if method not in WRITE_METHODS or rule.endpoint in OWN_ACCOUNT:  # their own login and password
            continue
        path = _url(rule, values)
        if path.startswith("/api/"):
            response = api.call(method, path, token, json={})
        else:
            response = client.open(path, method=method, data={"csrf_token": form_token})
        assert response.status_code == 403, f"{method} {path} -> {response.status_code}"
        checked += 1
    assert checked >= 100
