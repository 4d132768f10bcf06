"""The public path reads columns, not tables (issue 12 item 12): what the public page
needs and nothing more, so that an owners' committee, which reads contracts through
the public path, and a visitor never get contract numbers or other private columns."""
import pytest
from sqlalchemy import create_engine, select, text

from red_property.communities.models import Community, ManagementContract
from red_property.core.tenancy import public_read
from red_property.extensions import db

PUBLIC_ROLE = "red_property_public_reader"


def _models_with_public_columns():
    return {mapper.class_.__tablename__: mapper.class_ for mapper in db.Model.registry.mappers
            if getattr(mapper.class_, "__public_columns__", None) is not None}


def test_every_public_model_names_its_public_columns(app):
    from red_property.core.model import TenantScoped

    base = TenantScoped.public_criteria.__func__
    public = {m.class_ for m in db.Model.registry.mappers
              if issubclass(m.class_, TenantScoped) and m.class_.public_criteria.__func__ is not base}
    named = set(_models_with_public_columns().values())
    assert public <= named
    for cls in named:   # each names real columns, its key among them
        assert {"id"} <= set(cls.__public_columns__) <= set(cls.__table__.columns.keys())


def test_a_committee_sees_who_manages_its_community_but_no_contract_number(app, api, client, web, world):
    committee = api.token("committee-admin@test.cn")
    shown = api.get(f"/api/v1/communities/{world.community_x}", committee).get_json()
    assert [c["company"]["name"] for c in shown["contracts"]] == ["乙物业有限公司"]
    assert [c["contract_no"] for c in shown["contracts"]] == [None]
    listed = api.get("/api/v1/communities", committee).get_json()["items"]
    assert [c["contract_no"] for item in listed for c in item["contracts"]] == [None]
    web.login("committee-admin@test.cn")
    page = client.get(f"/committee-x/communities/{world.community_x}").get_data(as_text=True)
    assert "乙物业有限公司" in page and f"T-{world.community_x}-" not in page
    # The bureau, whose register it is, and the managing company still read the number.
    bureau = api.get(f"/api/v1/communities/{world.community_x}", api.token("bureau-admin@test.cn")).get_json()
    assert [c["contract_no"] for c in bureau["contracts"]] == [f"T-{world.community_x}-{world.b}-2019"]


def test_whole_rows_on_the_public_path_carry_only_public_columns(app, world):
    with app.app_context(), public_read() as s:
        row = s.get(ManagementContract, s.scalar(select(ManagementContract.id).limit(1)))
        assert row.starts_on is not None and row.known_contract_no is None
        with pytest.raises(Exception, match="raiseload|not available|lazy"):
            row.contract_no
        community = s.get(Community, world.community_x)
        assert community.name == "丙小区"
        with pytest.raises(Exception, match="raiseload|not available|lazy"):
            community.household_count


@pytest.mark.postgres
def test_the_public_role_is_granted_columns_and_never_whole_tables(app, world):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            tables = conn.execute(text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND has_table_privilege(:role, c.oid, 'SELECT')"),
                {"role": PUBLIC_ROLE}).scalars().all()
            assert tables == []        # a table-wide SELECT would publish every column added later
            granted: dict[str, set[str]] = {}
            for table, column in conn.execute(text(
                    "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' "
                    "AND a.attnum > 0 AND NOT a.attisdropped AND has_column_privilege(:role, c.oid, a.attnum, 'SELECT')"),
                    {"role": PUBLIC_ROLE}):
                granted.setdefault(table, set()).add(column)
            conn.rollback()
            # The grants are the models' __public_columns__, and the other way round.
            models = _models_with_public_columns()
            assert granted == {table: set(cls.__public_columns__) for table, cls in models.items()}
            with conn.begin():
                conn.execute(text(f"SET LOCAL ROLE {PUBLIC_ROLE}"))
                assert conn.execute(text("SELECT count(*) FROM management_contract")).scalar() == 6
                with pytest.raises(Exception, match="permission denied"):
                    conn.execute(text("SELECT contract_no FROM management_contract"))
            for table, column in (("tenant", "credit_code"), ("tenant", "kind"), ("company", "credit_code"),
                                  ("finance_statement", "created_by"), ("rating_run", "input_digest")):
                with conn.begin():
                    conn.execute(text(f"SET LOCAL ROLE {PUBLIC_ROLE}"))
                    with pytest.raises(Exception, match="permission denied"):
                        conn.execute(text(f"SELECT {column} FROM {table}"))
    finally:
        engine.dispose()
