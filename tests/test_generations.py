"""Generations (core.generations): which commits move a tenant on, and kept results computed once."""
import threading
import time

from sqlalchemy import select

from red_property.accounts.models import User
from red_property.communities.models import Community
from red_property.core import clock, generations
from red_property.core.bulk import write_rows
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.party.models import Level
from red_property.party.services import create_organisation


def _tokens(app, tenant):
    with app.app_context(), tenant_scope(db.session, tenant) as s:
        return generations._tokens(s, tenant)


def test_a_write_moves_its_tenant_on_and_bookkeeping_moves_nothing(app, world):
    before = _tokens(app, world.a)
    with app.app_context(), tenant_scope(db.session, world.a) as s:   # a login's bookkeeping
        user = s.scalars(select(User)).first()
        user.name = user.name + "·"
        s.commit()
    assert _tokens(app, world.a) == before
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.get(Community, world.community_a)   # read only
        s.commit()
    assert _tokens(app, world.a) == before
    with app.app_context(), tenant_scope(db.session, world.b) as s:   # another tenant's records
        create_organisation(s, name="乙党支部", level=Level.COMMUNITY, community_ids=[world.community_b],
                            founded_on=None, today=clock.today())
    assert _tokens(app, world.a) == before
    with app.app_context(), tenant_scope(db.session, world.a) as s:   # its own
        create_organisation(s, name="甲党支部", level=Level.COMMUNITY, community_ids=[world.community_a],
                            founded_on=None, today=clock.today())
    moved = _tokens(app, world.a)
    assert moved[1] != before[1] and moved[2] == before[2]
    before = moved
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:   # the register
        s.get(Community, world.community_a).name = "甲一花园"
        s.commit()
    after = _tokens(app, world.a)
    assert after[1] == before[1] and after[2] != before[2]   # the company's own unchanged, the register's moved


def test_a_bulk_write_to_the_register_moves_the_register_on(app, world):
    """core.bulk states its INSERT on the table, with no mapped class for the listener to name."""
    before = _tokens(app, world.a)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        write_rows(s, Community, [dict(tenant_id=world.bureau, name="批量花园", address="批量路 1 号", district="锦江区",
                                       street="春熙路街道", neighbourhood="红星社区", household_count=10, floor_area=950)])
        s.commit()
    after = _tokens(app, world.a)
    assert after[2] != before[2]


def test_a_rolled_back_write_moves_nothing(app, world):
    before = _tokens(app, world.bureau)
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        s.get(Community, world.community_a).name = "不作数"
        s.flush()
        s.rollback()
        s.commit()
    assert _tokens(app, world.bureau) == before


def test_threads_waiting_for_the_same_result_compute_it_once(app, world):
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.3)
        return object()

    def look(session):
        with app.app_context():   # each request thread has its own context
            results.append(generations.kept(session, "test.slow", (), slow))

    with app.app_context(), tenant_scope(db.session, world.a) as s:
        results = []
        threads = [threading.Thread(target=look, args=(s,)) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1
