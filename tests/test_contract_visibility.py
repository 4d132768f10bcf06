"""A company sees a community from its contract's first day, by the product's clock (the users'
day, not UTC's), in the ORM filter and in row-level security alike; an ended contract still
lets the old company read the community (its history), never write it."""
import datetime as dt

import pytest
import time_machine
from sqlalchemy import select, text

from red_property.communities.models import Community, ManagementContract
from red_property.core.tenancy import bureau_cross_tenant_read, tenant_scope
from red_property.extensions import db
from tests.factories import make_community, make_contract

START = dt.date(2027, 3, 1)
# 2027-02-28 17:30 UTC is 2027-03-01 01:30 in Beijing: the contract has started there, not yet in UTC
BEIJING_FIRST_DAY = dt.datetime(2027, 2, 28, 17, 30, tzinfo=dt.timezone.utc)
DAY_BEFORE = dt.datetime(2027, 2, 28, 10, 0, tzinfo=dt.timezone.utc)  # 18:00 in Beijing, still the 28th


@pytest.fixture
def upcoming(app, world):
    """A new community that company A takes over on START (no earlier contract)."""
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        community = make_community(s, "新接小区")
        make_contract(s, community, world.a, START)
        s.commit()
        return community


def visible_ids(app, tenant_id) -> set[int]:
    with app.app_context(), tenant_scope(db.session, tenant_id) as s:
        return set(s.scalars(select(Community.id)))


@pytest.mark.parametrize("moment, seen", [(DAY_BEFORE, False), (BEIJING_FIRST_DAY, True)])
def test_a_company_sees_a_community_from_its_contract_start(app, world, upcoming, moment, seen):
    with time_machine.travel(moment, tick=False):
        assert (upcoming in visible_ids(app, world.a)) is seen
        with app.app_context(), tenant_scope(db.session, world.a) as s:
            assert (s.get(Community, upcoming) is not None) is seen
            # the contract itself concerns the company from the day it is recorded
            assert s.scalar(select(ManagementContract.starts_on)
                            .where(ManagementContract.community_id == upcoming)) == START
        assert upcoming not in visible_ids(app, world.b)
        assert upcoming in visible_ids(app, world.bureau)


def test_the_cached_filter_reads_the_clock_at_every_query(app, world, upcoming):
    """The tenant filter's SQL is cached per model: the day must be a parameter, not baked in."""
    with time_machine.travel(DAY_BEFORE, tick=False):
        assert upcoming not in visible_ids(app, world.a)
    with time_machine.travel(BEIJING_FIRST_DAY, tick=False):
        assert upcoming in visible_ids(app, world.a)
    with time_machine.travel(DAY_BEFORE, tick=False):
        assert upcoming not in visible_ids(app, world.a)


def test_after_a_handover_the_old_company_reads_the_community_and_keeps_its_records(app, world):
    """community_moved: A until 2024-12-31, B since 2025 (tests.factories.make_world)."""
    assert {world.community_moved, world.community_a} <= visible_ids(app, world.a)
    assert world.community_moved in visible_ids(app, world.b)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.get(Community, world.community_moved).name = "改名"
        with pytest.raises(Exception):  # the register is the bureau's: read-only to the old company
            s.commit()


def test_a_narrowed_bureau_read_counts_started_contracts_only(app, world, upcoming):
    with time_machine.travel(DAY_BEFORE, tick=False), app.app_context(), \
            tenant_scope(db.session, world.bureau) as s, \
            bureau_cross_tenant_read(s, reason="test", only=[world.a]) as reader:
        ids = set(reader.scalars(select(Community.id)))
    assert world.community_a in ids and upcoming not in ids


@pytest.mark.postgres
@pytest.mark.parametrize("moment, seen", [(DAY_BEFORE, False), (BEIJING_FIRST_DAY, True)])
def test_row_level_security_uses_the_apps_day(app, world, upcoming, moment, seen):
    """Raw SQL skips the ORM filter: only the policy decides, on the day core.clock says."""
    with time_machine.travel(moment, tick=False), app.app_context(), tenant_scope(db.session, world.a) as s:
        ids = set(s.scalars(text("SELECT id FROM community")))
        assert (upcoming in ids) is seen
        assert world.community_moved in ids  # an ended contract: history stays readable
        assert s.execute(text("UPDATE community SET name = 'x' WHERE id = :c"),
                         {"c": world.community_moved}).rowcount == 0
        s.rollback()
        # PostgreSQL's own date is UTC's: the policy must not read it
        assert s.scalar(text("SELECT app_current_day()")) == moment.astimezone(
            dt.timezone(dt.timedelta(hours=8))).date()


@pytest.mark.postgres
def test_without_the_day_setting_no_contract_counts(app, world):
    """Raw SQL that sets the tenant but not the day fails closed (NULL day): committee rows only."""
    from sqlalchemy import create_engine

    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("SELECT set_config('app.current_tenant', :t, true)"), {"t": str(world.a)})
            assert conn.execute(text("SELECT count(*) FROM community")).scalar() == 0
    finally:
        engine.dispose()
