"""How a request's transaction ends (core.transactions): one that only read commits, so that
PostgreSQL keeps its connection's prepared statements; anything that wrote, or may have, rolls back."""
import pytest
from sqlalchemy import select, text, update

from red_property.accounts.models import User
from red_property.communities.models import Community
from red_property.core.tenancy import activate_tenant, tenant_scope
from red_property.core.transactions import only_read
from red_property.extensions import db


def _names(app, world) -> list[str]:
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        return s.scalars(select(User.name).order_by(User.id)).all()


@pytest.mark.parametrize("how", ["changed", "flushed", "updated"])
def test_a_request_that_wrote_without_committing_leaves_the_database_as_it_was(app, world, how):
    @app.get("/_test/rename")
    def rename():
        activate_tenant(db.session, world.a)
        if how == "updated":
            db.session.execute(update(User).values(name="改名"))
        else:
            db.session.scalars(select(User)).first().name = "改名"
            if how == "flushed":
                db.session.flush()
        return "ok"

    before = _names(app, world)
    assert app.test_client().get("/_test/rename").status_code == 200
    assert _names(app, world) == before


def test_only_a_transaction_of_selects_counts_as_reading(app, world):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert not only_read(s)                        # no transaction yet
        s.scalars(select(Community)).all()
        assert only_read(s)
        s.execute(text("SELECT 1"))                    # text() may call a function that writes
        assert not only_read(s)
        s.rollback()
        s.scalars(select(User)).first().name = "改名"     # changed, not flushed
        assert not only_read(s)
        s.rollback()
        s.scalars(select(Community)).all()
        assert only_read(s)                            # a new transaction starts clean


@pytest.mark.postgres
def test_read_requests_keep_their_prepared_statements(app, world, api):
    token = api.token(next(iter(world.email["a"].values())))
    for _ in range(7):  # psycopg prepares a statement at its fifth execution on a connection
        assert api.get("/api/v1/communities", token).status_code == 200
    with app.app_context():  # the test client is one thread: the pool's one connection
        prepared = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
    assert any("FROM api_token" in statement for statement in prepared), prepared
