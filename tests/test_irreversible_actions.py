"""Actions that cannot be undone ask first, and the server refuses them unconfirmed (issue 13); a rating run's
period label is checked against its cut-off date; an unpublished run can be discarded."""
import datetime as dt

import pytest
from sqlalchemy import select

from red_property.core.audit import AuditEntry
from red_property.core.errors import InputError
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.finance.models import Statement
from red_property.rating.models import RatingResult, RatingRun
from red_property.rating.runs import RunError, discard_run, period_bounds, publish_run, start_run
from red_property.votes.models import Vote, VoteStatus
from tests.conftest import csrf_token, run_worker
from tests.factories_finance import EMAIL, book_year, committee_scope, make_roll
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs


def _start(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating").get_data(as_text=True))
    response = client.post("/bureau/rating", data={"period": "2026", "as_of": AS_OF.isoformat(), "csrf_token": token})
    assert response.status_code == 302
    run_worker(app)
    run_page = response.headers["Location"]
    return run_page, int(run_page.rstrip("/").split("/")[-1]), token


def _run(app, world, run_id):
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        run = s.get(RatingRun, run_id)
        return None if run is None else (run.status, run.published_at)


def test_publishing_a_run_without_the_confirmation_is_refused_and_asks(app, client, web, world):
    run_page, run_id, token = _start(app, client, web, world)
    page = client.get(run_page).get_data(as_text=True)
    assert "发布后所有物业企业和公众都能看到" in page and 'name="confirm" value="yes"' in page  # the dialog says it
    refused = client.post(run_page + "/publish", data={"csrf_token": token, "note": "附带的字段"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "请确认：发布评价结果" in text and "不能撤回" in text and "确认发布" in text
    assert '<input type="hidden" name="note" value="附带的字段">' in text  # the rest of the form goes along
    assert _run(app, world, run_id) == ("ready", None)
    wrong = client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "1"})
    assert wrong.status_code == 400 and _run(app, world, run_id)[1] is None
    done = client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302
    status, published_at = _run(app, world, run_id)
    assert status == "published" and published_at is not None


def test_the_api_publishes_without_a_confirmation_field(api, app, world):
    with app.app_context():
        rating_inputs(world)
    token = api.token("bureau-admin@test.cn")
    run_id = api.post("/api/v1/rating/runs", token, json={"period": "2026", "as_of": AS_OF.isoformat()}).get_json()["id"]
    run_worker(app)
    assert api.post(f"/api/v1/rating/runs/{run_id}/publish", token).status_code == 200


def test_an_unpublished_run_is_discarded_with_its_results_and_audited(app, client, web, world):
    run_page, run_id, token = _start(app, client, web, world)
    refused = client.post(run_page + "/discard", data={"csrf_token": token})
    assert refused.status_code == 400 and "不能恢复" in refused.get_data(as_text=True)
    assert _run(app, world, run_id) is not None
    done = client.post(run_page + "/discard", data={"csrf_token": token, "confirm": "yes"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/bureau/rating")
    assert "已放弃" in client.get("/bureau/rating").get_data(as_text=True)
    assert _run(app, world, run_id) is None
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert s.scalar(select(RatingResult.id).where(RatingResult.run_id == run_id)) is None
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "discard")).one()
        assert (entry.entity, entry.entity_id, entry.after["period"]) == ("rating_run", run_id, "2026")
    assert client.get(run_page).status_code == 404


def test_a_published_run_cannot_be_discarded(app, client, web, world):
    run_page, run_id, token = _start(app, client, web, world)
    client.post(run_page + "/publish", data={"csrf_token": token, "confirm": "yes"})
    assert "放弃这次评价" not in client.get(run_page).get_data(as_text=True)
    refused = client.post(run_page + "/discard", data={"csrf_token": token, "confirm": "yes"}, follow_redirects=True)
    assert "已发布的评价不能放弃" in refused.get_data(as_text=True)
    assert _run(app, world, run_id)[0] == "published"
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        with pytest.raises(RunError):
            discard_run(s, s.get(RatingRun, run_id))


def test_a_company_cannot_discard_the_bureaus_run(app, client, web, world):
    run_page, run_id, token = _start(app, client, web, world)
    client.post("/logout", data={"csrf_token": token})
    web.login("a-admin@test.cn")
    token = csrf_token(client.get("/company-a/rating").get_data(as_text=True))
    assert client.post(f"/company-a/rating/runs/{run_id}/discard",
                       data={"csrf_token": token, "confirm": "yes"}).status_code == 404
    assert _run(app, world, run_id) is not None


@pytest.mark.parametrize("period, first, last", [
    ("2026", dt.date(2026, 1, 1), dt.date(2026, 12, 31)), ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)), ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    ("2026-H1", dt.date(2026, 1, 1), dt.date(2026, 6, 30)), ("2026-H2", dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
])
def test_period_labels_name_their_days(period, first, last):
    assert period_bounds(period) == (first, last)


@pytest.mark.parametrize("period", ["9999", "9999-Q4", "0000", "1999-H2", "2026-Q5", "2026年11月", ""])
def test_labels_out_of_range_or_shape_are_refused_on_the_period(period):
    with pytest.raises(InputError) as refused:
        period_bounds(period)
    assert refused.value.field == "period"


@pytest.mark.parametrize("period, as_of", [("2025", "2026-10-31"), ("2026-Q3", "2026-10-31"),
                                           ("2026-Q4", "2026-09-30"), ("2026-H1", "2026-07-01"),
                                           ("2026-H2", "2026-06-30")])
def test_a_label_that_does_not_contain_the_cut_off_is_refused_on_the_period(api, app, world, period, as_of):
    with app.app_context():
        rating_inputs(world)
    token = api.token("bureau-admin@test.cn")
    response = api.post("/api/v1/rating/runs", token, json={"period": period, "as_of": as_of})
    assert response.status_code == 422
    assert "不在评价期间" in response.get_json()["errors"]["json"]["period"][0]
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert s.scalar(select(RatingRun.id)) is None  # nothing half-written
        with pytest.raises(InputError) as refused:
            start_run(s, period=period, as_of=dt.date.fromisoformat(as_of))
        assert refused.value.field == "period"


def test_the_run_form_shows_the_label_error_beside_the_period(app, client, web, world):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating").get_data(as_text=True))
    response = client.post("/bureau/rating", data={"period": "2026-Q3", "as_of": "2026-10-31", "csrf_token": token})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "截止日期 2026-10-31 不在评价期间 2026-Q3（2026-07-01 至 2026-09-30）内" in text


def test_a_correction_keeps_the_period_of_the_run_it_corrects(app, world):
    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026-Q4", as_of=AS_OF).id
        run_worker(app)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run = publish_run(s, s.get(RatingRun, run_id))
            assert start_run(s, period=run.period, as_of=run.as_of, reason="复核", supersedes=run).period == "2026-Q4"


@pytest.fixture
def committee(client, web):
    web.login(EMAIL)
    return csrf_token(client.get("/committee-x/finance").get_data(as_text=True))


def test_publishing_a_statement_without_the_confirmation_is_refused(app, client, world, committee):
    with committee_scope(app, world) as s:
        book_year(s)
    made = client.post("/committee-x/finance/statements", data={"new-kind": "quarter", "new-year": "2025",
                                                                "new-quarter": "1", "csrf_token": committee})
    url = made.headers["Location"]
    assert "发布后全体业主和公众都能看到这份公示" in client.get(url).get_data(as_text=True)
    refused = client.post(url + "/publish", data={"csrf_token": committee})
    assert refused.status_code == 400 and "请确认：发布收支公示" in refused.get_data(as_text=True)
    with committee_scope(app, world) as s:
        assert s.scalars(select(Statement)).one().published_at is None
    assert client.post(url + "/publish", data={"csrf_token": committee, "confirm": "yes"}).status_code == 302
    with committee_scope(app, world) as s:
        assert s.scalars(select(Statement)).one().published_at is not None


def test_closing_a_vote_without_the_confirmation_is_refused(app, client, world, committee):
    with committee_scope(app, world) as s:
        make_roll(s, ["80.00", "90.00"])
    made = client.post("/committee-x/votes", data={"new-title": "更换电梯", "new-kind": "public_income",
                                                   "csrf_token": committee})
    url = made.headers["Location"]
    assert client.post(url + "/open", data={"csrf_token": committee}).status_code == 302
    assert "不能重新开启" in client.get(url).get_data(as_text=True)
    refused = client.post(url + "/close", data={"csrf_token": committee})
    assert refused.status_code == 400 and "请确认：结束表决" in refused.get_data(as_text=True)
    with committee_scope(app, world) as s:
        assert s.scalars(select(Vote)).one().status == VoteStatus.OPEN
    assert client.post(url + "/close", data={"csrf_token": committee, "confirm": "yes"}).status_code == 302
    with committee_scope(app, world) as s:
        assert s.scalars(select(Vote)).one().status == VoteStatus.CLOSED


def test_the_api_discards_a_draft_but_not_a_published_run(api, app, world):
    with app.app_context():
        rating_inputs(world)
    token = api.token("bureau-admin@test.cn")
    draft = api.post("/api/v1/rating/runs", token, json={"period": "2026", "as_of": AS_OF.isoformat()}).get_json()["id"]
    published = api.post("/api/v1/rating/runs", token, json={"period": "2026", "as_of": AS_OF.isoformat()}).get_json()["id"]
    run_worker(app)
    assert api.post(f"/api/v1/rating/runs/{published}/publish", token).status_code == 200
    company = api.token("a-admin@test.cn")
    assert api.call("DELETE", f"/api/v1/rating/runs/{published}", company).status_code == 404
    refused = api.call("DELETE", f"/api/v1/rating/runs/{published}", token)
    assert refused.status_code == 409 and "已发布的评价不能放弃" in refused.get_json()["message"]
    assert api.call("DELETE", f"/api/v1/rating/runs/{draft}", token).status_code == 204
    assert api.get(f"/api/v1/rating/runs/{draft}", token).status_code == 404
    assert api.get(f"/api/v1/rating/runs/{published}", token).status_code == 200
