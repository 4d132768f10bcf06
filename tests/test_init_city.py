"""`red-property init` on an empty database gives a bureau that can run and publish its first
rating with no demo data: a rating model must be there (the default one, until the bureau edits it)."""
import datetime as dt

from sqlalchemy import select

from red_property.core import clock
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.onboarding.contracts import record_contract
from red_property.onboarding.directory import create_company_tenant, credit_code_check, register_company
from red_property.onboarding.register import create_community
from red_property.rating.models import ModelVersion, RatingResult, RatingRun
from red_property.rating.runs import publish_run, start_run
from red_property.tenants.models import Tenant, TenantKind
from tests.conftest import run_worker

CODE = "9151010000000000" + "7"
CODE += credit_code_check(CODE)


def test_init_then_the_first_rating_runs_and_is_published(app, runner):
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).limit(1)) is None  # an empty database
    result = runner.invoke(args=["init", "--bureau", "锦城市住房和城乡建设局", "--admin", "chief@jc.gov.cn"])
    assert result.exit_code == 0, result.output
    assert "rating model" in result.output
    with app.app_context():
        bureau = db.session.scalar(select(Tenant.id).where(Tenant.kind == TenantKind.BUREAU))
        db.session.remove()
        with tenant_scope(db.session, bureau) as s:
            assert [v.version for v in s.scalars(select(ModelVersion))] == [1]
            community = create_community(s, {"name": "锦苑小区", "address": "锦城市锦江区春熙路 1 号", "district": "锦江区",
                                             "street": "春熙路街道", "neighbourhood": "春熙东社区",
                                             "household_count": "120", "floor_area": "10800.5"})
            company = register_company(s, {"credit_code": CODE, "name": "锦城物业服务有限公司",
                                           "legal_representative": "王五", "contact_name": "赵六",
                                           "contact_phone": "028-88886666"})
            company_tenant, _ = create_company_tenant(s, company, admin_email="admin@jcwy.cn", admin_name="赵六")
            record_contract(s, community, {"company_credit_code": CODE, "contract_no": "JC-2025-001",
                                           "starts_on": "2025-01-01", "selection": "tender"})
            as_of = clock.today() - dt.timedelta(days=1)
            run = start_run(s, period=str(as_of.year), as_of=as_of)
            run_id = run.id
        run_worker(app)
        with tenant_scope(db.session, bureau) as s:
            run = s.get(RatingRun, run_id)
            assert run.status == "ready", run.status
            publish_run(s, run)
            assert s.get(RatingRun, run_id).published_at is not None
            rated = s.scalars(select(RatingResult.company_tenant_id).where(RatingResult.run_id == run_id)).all()
            assert rated == [company_tenant]
