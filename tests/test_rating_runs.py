"""Rating runs: results, visibility, publication, immutability, corrections."""
import datetime as dt

import pytest
from sqlalchemy import select

from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.rating.models import RatingResult, RatingRun
from red_property.rating.runs import (PublishedRunIsFinal, RunError, correct_run, publish_run, results_of,
                                      start_run)
from tests.conftest import run_worker
from tests.factories_rating import AS_OF, bureau_admin, rating_inputs


@pytest.fixture
def rated(app, world):
    """A finished draft run over the world's inputs; returns its id."""
    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    return run_id


def _results(app, tenant, run_id):
    with app.app_context(), tenant_scope(db.session, tenant) as s:
        run = s.get(RatingRun, run_id)
        return run, {r.company_tenant_id: (r.score, r.grade, r.rank, r.breakdown) for r in results_of(s, run)} if run else {}


def test_a_run_scores_every_managing_company_from_the_evidence(app, world, rated):
    run, results = _results(app, world.bureau, rated)
    assert run.status == "ready" and len(run.input_digest) == 64
    assert set(results) == {world.a, world.b}
    a_score, a_grade, a_rank, a_breakdown = results[world.a]
    assert a_rank == 1 and results[world.b][2] == 2
    inspections = next(i for i in a_breakdown["indicators"] if i["metric"] == "inspection_score")
    assert inspections["measured_in"] == 2 and not inspections["missing"]
    fees = next(i for i in a_breakdown["indicators"] if i["metric"] == "fee_collection_rate")
    assert fees["missing"] is True and fees["value"] is None  # reported as missing, never as zero
    assert [e["ref"] for e in a_breakdown["events"]] and a_breakdown["bonus"] == "3.00"
    assert results[world.b][3]["deductions"] == "8.00"  # a penalty counts until rectified


def test_same_inputs_same_result(app, world, rated):
    _, first = _results(app, world.bureau, rated)
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        again = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    run, second = _results(app, world.bureau, again)
    assert first == second
    assert run.input_digest == _results(app, world.bureau, rated)[0].input_digest


def test_companies_see_nothing_until_published_then_only_their_own(app, world, rated):
    assert _results(app, world.a, rated) == (None, {})
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        publish_run(s, s.get(RatingRun, rated))
    run, results = _results(app, world.a, rated)
    assert run is not None and set(results) == {world.a}
    assert set(_results(app, world.b, rated)[1]) == {world.b}
    assert _results(app, world.committee, rated)[1] == {}


def test_a_published_run_never_changes(app, world, rated):
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        run = s.get(RatingRun, rated)
        publish_run(s, run)
        with pytest.raises(RunError):
            publish_run(s, run)
        result = s.scalars(select(RatingResult).where(RatingResult.run_id == rated)).first()
        result.grade = "AAA"
        with pytest.raises(PublishedRunIsFinal):
            s.flush()
        s.rollback()
        run = s.get(RatingRun, rated)
        run.as_of = run.as_of.replace(year=2020)
        with pytest.raises(PublishedRunIsFinal):
            s.flush()
        s.rollback()
        s.delete(s.get(RatingRun, rated))
        with pytest.raises(PublishedRunIsFinal):
            s.flush()
        s.rollback()


def test_a_correction_is_a_new_run_and_both_stay_visible(app, world, rated):
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        run = s.get(RatingRun, rated)
        with pytest.raises(RunError):
            correct_run(s, run, "too early")  # drafts are recomputed, not corrected
        publish_run(s, run)
        with pytest.raises(RunError):
            correct_run(s, run, "")
        correction = correct_run(s, run, "检查得分录入错误").id
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        runs = {r.id: r for r in s.scalars(select(RatingRun))}
        assert runs[correction].supersedes_id == rated and runs[correction].reason == "检查得分录入错误"
        assert runs[rated].published_at is not None and runs[correction].status == "ready"


def test_no_model_no_run(app, world):
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        with pytest.raises(RunError, match="模型"):
            start_run(s, period="2026", as_of=AS_OF)


def test_rerating_one_company_matches_a_full_run(app, world, rated):
    from decimal import Decimal

    from red_property.rating.models import Inspection
    from red_property.rating.runs import rerate_company

    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        s.add(Inspection(company_tenant_id=world.b, community_id=world.community_b,
                         inspected_on=AS_OF, score=Decimal("100")))
        s.commit()
        rerated = rerate_company(s, s.get(RatingRun, rated), world.b).score
        partial = {r.company_tenant_id: (r.score, r.grade, r.rank) for r in results_of(s, s.get(RatingRun, rated))}
        full_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    _, full = _results(app, world.bureau, full_id)
    assert partial == {cid: values[:3] for cid, values in full.items()}
    assert rerated == full[world.b][0]


def test_a_company_reads_the_bureaus_records_about_itself_only(app, world):
    from red_property.rating.snapshot import input_snapshot

    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.a) as s:
            snap = input_snapshot(s, AS_OF)
            assert {name for _, name in snap.inspections} == {"甲一小区", "甲二小区"}
            assert [e.kind for e in snap.events] == ["model_site_city"]
        with tenant_scope(db.session, world.b) as s:
            assert [e.kind for e in input_snapshot(s, AS_OF).events] == ["penalty"]
        with tenant_scope(db.session, world.committee) as s:
            snap = input_snapshot(s, AS_OF)
            assert not (snap.inspections or snap.opinions or snap.events)


def test_party_coverage_comes_from_the_companys_own_records_through_the_audited_path(app, world):
    from red_property.core.audit import AuditEntry
    from red_property.party.models import Level
    from red_property.party.services import create_organisation

    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.a) as s:
            create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                today=clock.today())
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    _, results = _results(app, world.bureau, run_id)
    coverage = {cid: next(i for i in r[3]["indicators"] if i["metric"] == "party_coverage") for cid, r in results.items()}
    assert coverage[world.a]["value"] == "0.5000" and not coverage[world.a]["missing"]  # 1 of 2 equal communities
    assert coverage[world.b]["value"] == "0.0000" and not coverage[world.b]["missing"]  # records exist: a real 0
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        reads = s.scalars(select(AuditEntry).where(AuditEntry.action == "cross_tenant_read")).all()
        assert any(f"第 {run_id} 号" in e.after["reason"] for e in reads)


def test_re_rating_one_company_reads_only_its_records_and_gives_the_full_runs_result(app, world, rated):
    """The narrowed read must change the cost, never the answer."""
    from red_property.party.models import Level
    from red_property.party.services import create_organisation
    from red_property.rating.runs import rerate_company

    with app.app_context():
        with tenant_scope(db.session, world.a) as s:
            create_organisation(s, name="甲一小区党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                                today=clock.today())
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            run_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    _, before = _results(app, world.bureau, run_id)
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        rerate_company(s, s.get(RatingRun, run_id), world.a)
    _, after = _results(app, world.bureau, run_id)
    assert after == before


def test_a_blacklisted_company_stays_blacklisted_when_another_is_re_rated(app, world):
    """Regrading reads each company's blacklist flag from its own column: kept with the breakdown's."""
    from decimal import Decimal

    from red_property.rating.models import Inspection, RatingEvent
    from red_property.rating.runs import rerate_company
    from red_property.rating.versions import save_version
    from tests.factories_rating import SHIPPED

    with app.app_context():
        rating_inputs(world)
        with tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
            # every score above 4 is AAA, so that only the blacklist makes a C
            bands = {"85": "4", "75": "3", "60": "2", "45": "1"}
            text = SHIPPED.read_text("utf-8")
            for before, after in bands.items():
                text = text.replace(f"min = {before} }}", f"min = {after} }}")
            save_version(s, text)
            s.add(RatingEvent(company_tenant_id=world.a, kind="blacklist", occurred_on=dt.date(2026, 5, 1),
                              reference="锦建失信〔2026〕1号"))
            s.commit()
            run_id = start_run(s, period="2026", as_of=AS_OF).id
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin(world)) as s:
        flags = {r.company_tenant_id: (r.blacklisted, r.breakdown["blacklisted"], r.grade)
                 for r in results_of(s, s.get(RatingRun, run_id))}
        assert flags == {world.a: (True, True, "C"), world.b: (False, False, "AAA")}
        s.add(Inspection(company_tenant_id=world.b, community_id=world.community_b, inspected_on=AS_OF,
                         score=Decimal("100")))
        s.commit()
        rerate_company(s, s.get(RatingRun, run_id), world.b)
        after = {r.company_tenant_id: (r.blacklisted, r.grade, r.rank) for r in results_of(s, s.get(RatingRun, run_id))}
    assert after[world.a][:2] == (True, "C") and after[world.b][0] is False
