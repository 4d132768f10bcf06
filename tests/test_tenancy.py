"""The ORM wall: queries are filtered, rows stamped, cross-tenant writes refused."""
import pytest
from sqlalchemy import func, select, update

from red_property.communities.models import Community, Household, ManagementContract
from red_property.core.audit import AuditEntry
from red_property.core.tenancy import (CrossTenantWrite, TenantNotSet, activate_tenant,
                                       bureau_cross_tenant_read, tenant_scope)
from red_property.extensions import db


def names(session):
    return set(session.scalars(select(Community.name)))


def test_each_tenant_reads_what_it_may(app, world):
    with app.app_context():
        with tenant_scope(db.session, world.a) as s:
            assert names(s) == {"甲一小区", "甲二小区", "易主小区"}
            assert s.scalar(select(func.count(Household.id))) == 3
        with tenant_scope(db.session, world.b) as s:
            assert names(s) == {"乙一小区", "丙小区", "易主小区"}
            assert s.scalar(select(func.count(Household.id))) == 2
        with tenant_scope(db.session, world.committee) as s:
            assert names(s) == {"丙小区"}
            assert s.scalar(select(func.count(Household.id))) == 0
        with tenant_scope(db.session, world.bureau) as s:
            assert len(names(s)) == 6
            assert s.scalar(select(func.count(Household.id))) == 0  # companies' records, not the bureau's


def test_contracts_of_other_companies_stay_hidden(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        companies = set(s.scalars(select(ManagementContract.company_tenant_id)))
        assert companies == {world.a}


def test_get_by_id_of_another_tenant_is_none(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.get(Household, world.households_b[0]) is None
        assert s.get(Community, world.community_b) is None
        assert s.get(Household, world.households_a[0]) is not None


def test_no_tenant_fails_closed(app, world):
    with app.app_context():
        db.session.close()
        with pytest.raises(TenantNotSet):
            db.session.scalars(select(Household)).all()
        with pytest.raises(TenantNotSet):
            db.session.get(Community, world.community_a)


def test_new_rows_are_stamped_and_foreign_stamps_refused(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        household = s.get(Household, world.households_a[0])
        clone = Household(community_id=household.community_id, building_id=household.building_id, unit="9",
                          room="901", floor_area=household.floor_area, owner_name="新业主")
        s.add(clone)
        s.commit()
        assert clone.tenant_id == world.a
        s.add(Household(tenant_id=world.b, community_id=household.community_id,
                        building_id=household.building_id, unit="9", room="902",
                        floor_area=household.floor_area, owner_name="越权"))
        with pytest.raises(CrossTenantWrite):
            s.flush()
        s.rollback()


def test_readable_but_not_owned_rows_cannot_be_changed(app, world):
    """A company reads the bureau's register entry for its community; it may not edit it."""
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        community = s.get(Community, world.community_a)
        community.name = "改名"
        with pytest.raises(CrossTenantWrite):
            s.commit()
        s.rollback()
        result = s.execute(update(Community).values(name="批量改名").execution_options(synchronize_session=False))
        s.commit()
        assert result.rowcount == 0
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        assert "改名" not in names(s) and "批量改名" not in names(s)


def test_bulk_update_touches_only_own_rows(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        result = s.execute(update(Household).values(owner_name="同名").execution_options(synchronize_session=False))
        s.commit()
        assert result.rowcount == 3
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert "同名" not in set(s.scalars(select(Household.owner_name)))


def test_switching_tenant_inside_a_session_is_refused(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(CrossTenantWrite):
            activate_tenant(s, world.b)


def test_alternating_tenants_never_reuse_a_cached_filter(app, world):
    """with_loader_criteria caches its lambda: the bound tenant must still change."""
    with app.app_context():
        for _ in range(3):
            for tenant, expected in ((world.a, 3), (world.b, 2)):
                with tenant_scope(db.session, tenant) as s:
                    assert s.scalar(select(func.count(Household.id))) == expected


def test_writes_are_audited_with_before_and_after(app, world):
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        household = s.get(Household, world.households_a[0])
        household.owner_name = "李四"
        s.commit()
        entry = s.scalars(select(AuditEntry).where(AuditEntry.entity == "household",
                                                   AuditEntry.action == "update")).one()
        assert entry.before == {"owner_name": "业主0"}
        assert entry.after == {"owner_name": "李四"}
        assert entry.actor_id is not None and entry.tenant_id == world.a


def test_bureau_cross_tenant_read_is_read_only_and_audited(app, world):
    bureau_admin = next(iter(world.users["bureau"].values()))
    with app.app_context(), tenant_scope(db.session, world.bureau, bureau_admin) as s:
        with bureau_cross_tenant_read(s, reason="annual rating") as r:
            assert r.scalar(select(func.count(Household.id))) == 5
            household = r.get(Household, world.households_b[0])
            household.owner_name = "篡改"
            with pytest.raises(CrossTenantWrite):
                r.flush()
        s.rollback()
        assert s.scalar(select(func.count(Household.id))) == 0  # back in the bureau's own scope
        events = s.scalars(select(AuditEntry).where(AuditEntry.action == "cross_tenant_read")).all()
        assert [e.after["reason"] for e in events] == ["annual rating"]
        assert events[0].actor_id == bureau_admin
    with app.app_context(), tenant_scope(db.session, world.b) as s:
        assert "篡改" not in set(s.scalars(select(Household.owner_name)))


def test_only_the_bureau_may_read_across_tenants(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(CrossTenantWrite):
            with bureau_cross_tenant_read(s, reason="curious"):
                pass


def test_the_bureau_can_narrow_its_read_to_one_company_and_the_audit_says_so(app, world):
    from red_property.communities.models import Community, Household
    from red_property.core.audit import AuditEntry
    from red_property.core.tenancy import bureau_cross_tenant_read

    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        with bureau_cross_tenant_read(s, reason="一家企业", only=[world.a]) as reader:
            assert {h.tenant_id for h in reader.scalars(select(Household))} == {world.a}
            # the register's rows about company A (its communities and contracts), not the others'
            assert {c.id for c in reader.scalars(select(Community))} == {
                world.community_a, world.community_a2, world.community_moved}
            assert {c.company_tenant_id for c in reader.scalars(select(ManagementContract))} == {world.a}
        with bureau_cross_tenant_read(s, reason="全部") as reader:
            assert {h.tenant_id for h in reader.scalars(select(Household))} == {world.a, world.b}
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "cross_tenant_read")
                          .order_by(AuditEntry.id)).all()
        assert [e.after for e in audit] == [{"reason": "一家企业", "only": [world.a]}, {"reason": "全部"}]
