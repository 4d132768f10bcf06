"""Fresh planner statistics after bulk writes (issue 14): the app role may have its tables
analyzed through one SECURITY DEFINER function, and the bulk writers ask for it."""
import pytest
from sqlalchemy import create_engine, select, text

from red_property.communities.models import Household
from red_property.core.statistics import refresh_statistics
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from red_property.fees.models import Bill
from tests.conftest import run_worker
from tests.factories_fees import billed
from tests.test_household_import import GOOD, csv_file, upload

pytestmark = pytest.mark.postgres


def known_rows(app, table: str) -> float:
    """What the planner believes the table holds (-1: never analyzed)."""
    engine = create_engine(app.config["MIGRATE_DATABASE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t "
                                 "AND relnamespace = 'public'::regnamespace"), {"t": table}).scalar_one()
    engine.dispose()
    return rows


def forget_statistics(app, table: str) -> None:
    """Make ``table`` look never analyzed, as a table just filled from empty does."""
    engine = create_engine(app.config["MIGRATE_DATABASE_URL"], isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("UPDATE pg_class SET reltuples = -1 WHERE relname = :t "
                          "AND relnamespace = 'public'::regnamespace"), {"t": table})
    engine.dispose()
    assert known_rows(app, table) == -1


def test_the_app_role_analyzes_public_tables_and_nothing_else(app, world):
    forget_statistics(app, "household")
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])   # the app role, no tenant set
    with engine.begin() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "red_property_app"
        analyzed = conn.execute(text("SELECT refresh_planner_statistics(ARRAY['household', 'pg_class', "
                                     "'household; DROP TABLE fee_bill', 'information_schema.tables'])")).scalar()
    engine.dispose()
    assert analyzed == 1
    assert known_rows(app, "household") >= 0


def test_only_a_table_grown_past_autovacuums_threshold_is_analyzed_again(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert refresh_statistics(s, Household, Bill) == ["fee_bill", "household"]
        households = known_rows(app, "household")
        assert refresh_statistics(s, Household, written=0) == []
        assert refresh_statistics(s, Household, written=int(50 + households * 0.1)) == []
        assert refresh_statistics(s, Household, written=int(51 + households * 0.1)) == ["household"]
    forget_statistics(app, "household")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert refresh_statistics(s, Household, written=1) == ["household"]   # never analyzed: any write


def test_a_household_import_leaves_the_planner_knowing_its_rows(api, app, world):
    forget_statistics(app, "household")
    response = upload(api, api.token("a-staff@test.cn"), world.community_a, csv_file(GOOD))
    assert response.status_code == 200, response.get_json()
    run_worker(app)
    assert known_rows(app, "household") >= 3


def test_a_billing_run_leaves_the_planner_knowing_its_bills(app, world):
    forget_statistics(app, "fee_bill")
    with app.app_context(), tenant_scope(db.session, world.a, world.users["a"][next(iter(world.users["a"]))]) as s:
        billed(s, world.community_a)
    run_worker(app)
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        bills = len(s.scalars(select(Bill.id)).all())
    assert bills > 0 and known_rows(app, "fee_bill") >= bills


def test_the_demo_city_is_analyzed_once_built(demo_app):
    for table in ("household", "fee_bill", "fee_payment", "demand", "audit_entry"):
        assert known_rows(demo_app, table) > 0, table
