"""Corrections of the bureau's inputs and appeals that change something.

The bureau corrects (audited) or voids its records, voided ones stop counting; dates out of range are
refused with the field at fault; upholding an appeal makes a correction and the correction run says
what changed; rejecting changes nothing; a company sees only its own appeals.
"""
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from red_property.core import clock
from red_property.core.audit import AuditEntry
from red_property.core.errors import InputError
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.rating import records
from red_property.rating.appeals import appeal_inbox, decide_appeal, file_appeal, pending_appeals_count
from red_property.rating.changes import correction_changes
from red_property.rating.inputs import gather_inputs, record_overrides
from red_property.rating.models import Appeal, Inspection, RatingEvent, RatingResult, RatingRun
from tests.conftest import csrf_token, run_worker
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs

EXPLANATION = "六月检查时本小区正在改造电梯，得分应予复核。"


@pytest.fixture
def published(api, app, world):
    with app.app_context():
        rating_inputs(world)
    bureau = api.token("bureau-admin@test.cn")
    run_id = api.post("/api/v1/rating/runs", bureau, json={"period": "2026", "as_of": AS_OF.isoformat()}).get_json()["id"]
    run_worker(app)
    assert api.post(f"/api/v1/rating/runs/{run_id}/publish", bureau).status_code == 200
    return run_id


def _inspection(world, community) -> int:
    with tenant_scope(db.session, world.bureau) as s:
        return s.scalars(select(Inspection.id).where(Inspection.community_id == community)).one()


def _values(session, company):
    inputs = {c.company_id: c for c in gather_inputs(session, AS_OF)}[company]
    return {v.community_id: v.values["inspection_score"] for v in inputs.communities}, inputs.events


def test_a_correction_keeps_the_previous_values_in_the_audit_log(app, world):
    with app.app_context():
        rating_inputs(world)
        inspection = _inspection(world, world.community_a)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            records.correct_record(s, "inspection", inspection, {"score": Decimal("88.5")}, "录入时看错了一行")
            entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "rating_inspection",
                                                       AuditEntry.entity_id == inspection,
                                                       AuditEntry.action == "update")).one()
            assert entry.before["score"] == "92.00" and entry.after["score"] == "88.5"
            assert entry.after["correction_reason"] == "录入时看错了一行"
            with pytest.raises(InputError) as refused:
                records.correct_record(s, "inspection", inspection, {"score": Decimal("88.5")}, "再改一次")
            assert refused.value.field == "record_id"  # nothing changed: nothing to record
            with pytest.raises(InputError) as no_reason:
                records.correct_record(s, "inspection", inspection, {"score": Decimal("70")}, " ")
            assert no_reason.value.field == "reason"


def test_a_voided_record_no_longer_counts_but_stays_listed(app, world, client, web):
    with app.app_context():
        rating_inputs(world)
        inspection = _inspection(world, world.community_a)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            before, events = _values(s, world.a)
            assert before[world.community_a] == 92 and [e.kind for e in events] == ["model_site_city"]
            award = s.scalars(select(RatingEvent.id).where(RatingEvent.company_tenant_id == world.a)).one()
            records.void_record(s, "inspection", inspection, "重复录入")
            records.void_record(s, "event", award, "文件已撤销")
            after, events = _values(s, world.a)
            assert after[world.community_a] is None and events == ()
            with pytest.raises(InputError):
                records.void_record(s, "inspection", inspection, "再次作废")
    web.login("bureau-admin@test.cn")
    page = client.get("/bureau/rating/inputs").get_data(as_text=True)
    row = re.search(rf'<tr data-record="inspection-{inspection}" class="voided">.*?</tr>', page, re.S)
    assert row and "<s>" in row.group(0) and "重复录入" in row.group(0)


def test_the_web_correction_and_void_forms(app, world, client, web):
    with app.app_context():
        rating_inputs(world)
        inspection = _inspection(world, world.community_a)
    web.login("bureau-admin@test.cn")
    url = f"/bureau/rating/inputs/inspection/{inspection}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    bad = client.post(url + "?action=correct", data={"csrf_token": token, "c-inspected_on": "1900-01-01",
                                                     "c-score": "90", "c-reason": "日期录错"})
    assert bad.status_code == 422
    assert re.search(r'data-field="c-inspected_on">[^<]*不能早于 2000-01-01', bad.get_data(as_text=True))
    no_reason = client.post(url + "?action=void", data={"csrf_token": token, "v-void_reason": ""})
    assert no_reason.status_code == 400 and 'data-field="v-void_reason"' in no_reason.get_data(as_text=True)
    fixed = client.post(url + "?action=correct", data={"csrf_token": token, "c-inspected_on": "2026-06-02",
                                                       "c-score": "90", "c-note": "", "c-reason": "日期录错"})
    assert fixed.status_code == 302
    assert client.post(url + "?action=void", data={"csrf_token": token, "v-void_reason": "重复"}).status_code == 302
    assert "已作废" in client.get(url).get_data(as_text=True)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        row = s.get(Inspection, inspection)
        assert (row.inspected_on, row.score, row.void_reason) == (dt.date(2026, 6, 2), 90, "重复")


@pytest.mark.parametrize("path, body, field", [
    ("inspections", {"inspected_on": "1900-01-01", "score": "80"}, "inspected_on"),
    ("inspections", {"inspected_on": "tomorrow", "score": "80"}, "inspected_on"),
    ("events", {"occurred_on": "1999-12-31", "kind": "award", "reference": "x"}, "occurred_on"),
    ("events", {"occurred_on": "2026-01-01", "rectified_on": "tomorrow", "kind": "penalty", "reference": "x"},
     "rectified_on"),
    ("opinions", {"year": "next", "score": "80"}, "year"),
])
def test_dates_out_of_range_are_refused_with_the_field(api, app, world, path, body, field):
    with app.app_context():
        rating_inputs(world)
    def on(day: dt.date, year: int) -> dict:
        return {k: (day.isoformat() if v == "tomorrow" else year if v == "next" else v) for k, v in body.items()
                } | {"company_tenant_id": world.a, "community_id": world.community_a}

    bureau, today = api.token("bureau-admin@test.cn"), clock.today()
    response = api.post(f"/api/v1/rating/{path}", bureau, json=on(today + dt.timedelta(days=1), today.year + 1))
    assert response.status_code == 422 and field in response.get_json()["errors"]["json"], response.get_json()
    if "1900" not in str(body) and "1999" not in str(body):  # today (Beijing) itself is fine
        assert api.post(f"/api/v1/rating/{path}", bureau, json=on(today, today.year - 1)).status_code == 201


def test_the_web_form_refuses_an_inspection_of_1900(app, world, client, web):
    with app.app_context():
        rating_inputs(world)
    web.login("bureau-admin@test.cn")
    token = csrf_token(client.get("/bureau/rating/inputs").get_data(as_text=True))
    response = client.post("/bureau/rating/inputs?form=inspection", data={
        "csrf_token": token, "inspection-company_tenant_id": world.a, "inspection-community_id": world.community_a,
        "inspection-inspected_on": "1900-01-01", "inspection-score": "80"})
    assert response.status_code == 422
    assert 'data-field="inspection-inspected_on"' in response.get_data(as_text=True)


def test_the_api_corrects_and_voids_the_bureaus_records_only(api, app, world):
    with app.app_context():
        rating_inputs(world)
        inspection = _inspection(world, world.community_a)
    bureau, company = api.token("bureau-admin@test.cn"), api.token("a-admin@test.cn")
    url = f"/api/v1/rating/records/inspection/{inspection}"
    assert api.post(url + "/void", company, json={"reason": "我们不同意"}).status_code in (403, 404)
    wrong = api.post(url + "/correction", bureau, json={"reason": "改年度", "year": 2025})
    assert wrong.status_code == 422 and "year" in wrong.get_json()["errors"]["json"]
    early = api.post(url + "/correction", bureau, json={"reason": "改日期", "inspected_on": "1900-01-01"})
    assert early.status_code == 422 and "inspected_on" in early.get_json()["errors"]["json"]
    fixed = api.post(url + "/correction", bureau, json={"reason": "复核", "score": "85"})
    assert fixed.status_code == 200 and fixed.get_json()["correction_reason"] == "复核"
    voided = api.post(url + "/void", bureau, json={"reason": "重复录入"})
    assert voided.status_code == 200 and voided.get_json()["void_reason"] == "重复录入"
    assert api.post("/api/v1/rating/records/inspection/999999/void", bureau, json={"reason": "无此记录"}).status_code == 404


def _file(world, run_id, indicator="inspections"):
    with tenant_scope(db.session, world.a) as s:
        return file_appeal(s, s.get(RatingRun, run_id), indicator_id=indicator, explanation=EXPLANATION).id


def _score(session, run_id, company):
    return session.scalars(select(RatingResult).where(RatingResult.run_id == run_id,
                                                      RatingResult.company_tenant_id == company)).one()


def test_upholding_corrects_the_record_and_the_correction_run_shows_the_change(app, world, published):
    run_id = published
    with app.app_context():
        appeal_id = _file(world, run_id)
        inspection = _inspection(world, world.community_a)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            assert pending_appeals_count(s) == 1
            appeal = s.get(Appeal, appeal_id)
            with pytest.raises(InputError) as missing:
                decide_appeal(s, appeal, upheld=True, reason="检查分录错")
            assert missing.value.field == "correction"
            s.rollback()
            decision = decide_appeal(s, s.get(Appeal, appeal_id), upheld=True, reason="检查分录错",
                                     correction={"kind": "correct", "record_kind": "inspection",
                                                 "record_id": inspection, "new_value": "100"})
            correction_id = decision.correction_run_id
        run_worker(app)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            assert pending_appeals_count(s) == 0
            old, new = _score(s, run_id, world.a), _score(s, correction_id, world.a)
            assert new.score > old.score  # 92 -> 100 in one of A's two communities
            changes = correction_changes(s, s.get(RatingRun, correction_id))
            a = next(c for c in changes if c.company_tenant_id == world.a)
            assert a.delta == new.score - old.score and (a.grade_before, a.grade_after) == (old.grade, new.grade)
            line = next(x for x in a.lines if x.name == "主管部门检查")
            assert (Decimal(line.before), Decimal(line.after)) == (Decimal(86), Decimal(90))
            assert world.b not in {c.company_tenant_id for c in changes}  # B's inputs did not change
            assert s.get(Inspection, inspection).score == 100


def test_excluding_a_company_record_and_a_correction_that_changes_nothing(app, world, client, web, published):
    run_id = published
    with app.app_context():
        appeal_id = _file(world, run_id, "party_coverage")
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            result = _score(s, run_id, world.a)
            coverage = next(i for i in result.breakdown["indicators"] if i["id"] == "party_coverage")
            community, value = coverage["communities"][0]
            with pytest.raises(InputError) as foreign:
                decide_appeal(s, s.get(Appeal, appeal_id), upheld=True, reason="核实",
                              correction={"kind": "exclude", "community_id": world.community_b})
            assert foreign.value.field == "community_id"
            s.rollback()
            assert value is not None, coverage
            same = Decimal(value)
            decision = decide_appeal(s, s.get(Appeal, appeal_id), upheld=True, reason="核实后数值无误",
                                     correction={"kind": "replace", "community_id": community, "new_value": same})
            correction_id = decision.correction_run_id
        run_worker(app)
    web.login("bureau-admin@test.cn")
    page = client.get(f"/bureau/rating/runs/{correction_id}").get_data(as_text=True)
    # replaced with the value it had: the page says plainly that nothing changed
    assert "本次更正没有改变任何企业的得分、等级或指标。" in page


def test_rejecting_changes_nothing(app, world, published):
    run_id = published
    with app.app_context():
        appeal_id = _file(world, run_id)
        inspection = _inspection(world, world.community_a)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            runs = s.scalar(select(db.func.count(RatingRun.id)))
            decision = decide_appeal(s, s.get(Appeal, appeal_id), upheld=False, reason="检查记录无误",
                                     correction={"kind": "void", "record_kind": "inspection", "record_id": inspection})
            assert decision.correction_run_id is None and decision.correction is None
            assert s.scalar(select(db.func.count(RatingRun.id))) == runs
            assert s.get(Inspection, inspection).voided_at is None
            with pytest.raises(InputError, match="已处理"):
                decide_appeal(s, s.get(Appeal, appeal_id), upheld=True, reason="改主意")


def test_a_company_sees_only_its_own_appeals(app, world, api, client, web, published):
    run_id = published
    with app.app_context():
        _file(world, run_id)
        with tenant_scope(db.session, world.b) as s:
            assert s.scalars(select(Appeal)).all() == []
        with tenant_scope(db.session, world.bureau) as s:
            assert [company for *_rest, company in appeal_inbox(s, "pending")] == ["甲物业有限公司"]
            assert appeal_inbox(s, "upheld") == []
    assert api.get(f"/api/v1/rating/runs/{run_id}/appeals", api.token("b-admin@test.cn")).get_json() == []
    web.login("b-admin@test.cn")
    assert client.get("/company-b/rating/appeals").status_code in (403, 404)
    assert client.get(f"/company-b/rating/runs/{run_id}/companies/{world.a}").status_code == 404


def test_the_company_files_from_its_page_and_a_refused_file_keeps_the_text(app, world, client, web, published):
    run_id = published
    web.login("a-admin@test.cn")
    home = client.get("/company-a/rating").get_data(as_text=True)
    assert f"/company-a/rating/runs/{run_id}/companies/{world.a}#appeal" in home
    url = f"/company-a/rating/runs/{run_id}/appeals"
    token = csrf_token(client.get(f"/company-a/rating/runs/{run_id}/companies/{world.a}").get_data(as_text=True))
    short = client.post(url, data={"csrf_token": token, "indicator_id": "inspections", "explanation": "太短"})
    assert short.status_code == 400 and 'data-field="explanation"' in short.get_data(as_text=True)
    refused = client.post(url, data={"csrf_token": token, "indicator_id": "inspections", "explanation": EXPLANATION,
                                     "attachment": (io.BytesIO(b"MZ\x90\x00 not a document"), "x.exe")},
                          content_type="multipart/form-data")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'data-field="attachment"' in page and EXPLANATION in page
    filed = client.post(url, data={"csrf_token": token, "indicator_id": "inspections", "explanation": EXPLANATION})
    assert filed.status_code == 302


def test_deciding_on_the_web_asks_for_confirmation(app, world, client, web, published):
    run_id = published
    with app.app_context():
        appeal_id = _file(world, run_id)
        inspection = _inspection(world, world.community_a)
    web.login("bureau-admin@test.cn")
    home = client.get("/bureau/").get_data(as_text=True)   # a task on the home page, opening the inbox
    assert re.search(r'data-task="appeals"><a href="/bureau/rating/appeals\?status=pending"><b class="count">1</b>', home)
    url = f"/bureau/rating/appeals/{appeal_id}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    form = {"csrf_token": token, "outcome": "uphold", "reason": "检查分录错"}
    unchosen = client.post(url, data=form)
    assert unchosen.status_code == 400 and 'data-field="correction"' in unchosen.get_data(as_text=True)
    form |= {"correction": f"correct:inspection:{inspection}", "new_value": "100"}
    confirm = client.post(url, data=form)
    assert confirm.status_code == 200 and "不可撤销" in confirm.get_data(as_text=True)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert s.get(Inspection, inspection).score == 92  # nothing decided before the confirmation
    done = client.post(url, data=form | {"confirm": "yes"})
    assert done.status_code == 302
    run_worker(app)
    correction = client.get(done.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="changes"' in correction and "甲物业有限公司" in correction
    assert "0 件申诉待处理" not in client.get("/bureau/").get_data(as_text=True)


def test_an_excluded_company_record_is_left_out_of_the_correction_run(app, world, published):
    run_id = published
    with app.app_context():
        appeal_id = _file(world, run_id, "party_coverage")
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            coverage = next(i for i in _score(s, run_id, world.a).breakdown["indicators"] if i["id"] == "party_coverage")
            community, value = coverage["communities"][0]
            assert value is not None
            decision = decide_appeal(s, s.get(Appeal, appeal_id), upheld=True, reason="该小区党组织记录重复",
                                     correction={"kind": "exclude", "community_id": community})
            correction_id = decision.correction_run_id
        run_worker(app)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            after = next(i for i in _score(s, correction_id, world.a).breakdown["indicators"]
                         if i["id"] == "party_coverage")
            assert dict(map(tuple, after["communities"]))[community] is None
            assert (decision.metric, decision.as_of) == ("party_coverage", AS_OF)
            # the override belongs to the appealed rating's date, not to every rating
            assert record_overrides(s, AS_OF)[(world.a, community)] == [("party_coverage", None)]
            assert record_overrides(s, AS_OF - dt.timedelta(days=1)) == {}


def test_each_kind_of_record_has_its_correction_page(app, world, client, web):
    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau) as s:
            ids = {"inspection": s.scalars(select(Inspection.id)).first(),
                   "event": s.scalars(select(RatingEvent.id)).first(),
                   "opinion": s.scalars(select(records.BranchOpinion.id)).first()}
    web.login("bureau-admin@test.cn")
    for kind, record_id in ids.items():
        assert client.get(f"/bureau/rating/inputs/{kind}/{record_id}").status_code == 200
    url = f"/bureau/rating/inputs/opinion/{ids['opinion']}"
    token = csrf_token(client.get(url).get_data(as_text=True))
    future = client.post(url + "?action=correct", data={"csrf_token": token, "c-year": clock.today().year + 1,
                                                        "c-score": "80", "c-comment": "", "c-reason": "年度录错"})
    assert future.status_code == 422 and 'data-field="c-year"' in future.get_data(as_text=True)
    url = f"/bureau/rating/inputs/event/{ids['event']}"
    late = client.post(url + "?action=correct", data={
        "csrf_token": token, "c-occurred_on": "2026-03-01", "c-rectified_on": "2026-02-01", "c-authority": "city",
        "c-reference": "锦建〔2026〕12号", "c-note": "", "c-reason": "整改日期"})
    assert late.status_code == 422 and 'data-field="c-rectified_on"' in late.get_data(as_text=True)
    assert client.get("/bureau/rating/inputs/nonsense/1").status_code == 404
    assert client.get("/bureau/rating/inputs/event/999999").status_code == 404
