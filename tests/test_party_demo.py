"""The demo city's party records show what the pages are for: every gap the brief promises."""
import datetime as dt
from pathlib import Path

from sqlalchemy import func, select

from red_property.appointments.indicators import today_by_community
from red_property.core.files import StoredFile, tenant_folder
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.party.models import Level, PartyMember, PartyOrganisation
from red_property.party.rules import formation_for
from red_property.party.services import managed_communities
from red_property.tenants.models import Tenant, TenantKind

TENANTS = Path(__file__).resolve().parent.parent / "tenants"
TODAY = dt.date(2026, 11, 1)


def test_the_demo_has_the_shortfalls_the_party_pages_exist_to_show(demo_app):
    app = demo_app
    with app.app_context():
        db.session.close()
        db.session.info.clear()
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau"))
        with tenant_scope(db.session, bureau) as s:
            companies = s.scalars(select(Tenant.id).where(Tenant.kind == TenantKind.COMPANY)).all()
        codes, shares, joint_direct, files = set(), [], [], 0
        for company in companies:
            with tenant_scope(db.session, company) as s:
                communities = [c for c, _ in managed_communities(s, TODAY)]
                formations = formation_for(s, communities, TODAY)
                codes |= {finding.code for formation in formations.values() for finding in formation.findings}
                for formation in formations.values():
                    if any(b.level == Level.JOINT for b in formation.branches):
                        joint_direct.append(formation.direct_members)
                shares += [i.party_share for i in today_by_community(s, TODAY).values() if i.party_share is not None]
                stored = s.scalars(select(StoredFile)).all()
                files += len(stored)
                assert all((tenant_folder(company) / f.stored_as).exists() for f in stored)
                assert s.scalar(select(func.count(PartyMember.id)).where(PartyMember.building_head)) > 0
                assert s.scalar(select(func.count(PartyMember.id)).where(~PartyMember.directly_managed)) > 0
        assert min(joint_direct) < 3
        assert {"needs_joint_branch", "may_form_branch", "needs_party_group", "term_expired", "no_secretary",
                "missing_secretary_report", "site_evidence_missing", "site_incomplete",
                "missing_election_record"} <= codes
        assert any(share < 0.5 for share in shares) and any(share >= 0.5 for share in shares)
        assert files > 100
        with tenant_scope(db.session, companies[0]) as s:
            assert s.scalar(select(func.count(PartyOrganisation.id))) > 0
