"""The runbook's backup and restore: a restored database belongs to the owner role, so the
next ``red-property db upgrade`` (run as that role) works on it (issue 12 item 19)."""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from red_property import create_app
from red_property.extensions import db
from tests.conftest import SERVER_URL, _one_migration_at_a_time, _pg_drop

pytestmark = pytest.mark.postgres
OPS = Path(__file__).resolve().parent.parent / "ops"


def _admin(sql: str) -> None:
    engine = create_engine(make_url(SERVER_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


def _migrate(url: str, revision: str) -> None:
    from flask_migrate import upgrade

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MIGRATE_DATABASE_URL": url, "TESTING": True})
    with _one_migration_at_a_time(), app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def _before_head() -> tuple[str, str]:
    """A head revision and the one before it (so that the restored copy has a migration to run)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(OPS.parent / "migrations"))
    script = ScriptDirectory.from_config(config)
    head = script.get_revisions("heads")[0]
    down = head.down_revision if isinstance(head.down_revision, str) else head.down_revision[0]
    return head.revision, down


def _rows(url) -> None:
    """A tenant and one of its rows in a table under FORCE ROW LEVEL SECURITY (as the superuser)."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            tenant = conn.execute(text(
                "INSERT INTO tenant (kind, slug, name, created_at, updated_at) "
                "VALUES ('bureau', 'bureau', '住建局', now(), now()) RETURNING id")).scalar()
            conn.execute(text(
                "INSERT INTO community (tenant_id, name, address, district, street, neighbourhood, household_count,"
                " floor_area, created_at, updated_at) VALUES (:t, '甲一小区', 'x', 'x', 'x', 'x', 1, 1, now(), now())"),
                {"t": tenant})
    finally:
        engine.dispose()


def _count_as_superuser(url, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()
    finally:
        engine.dispose()


@pytest.fixture
def owner_role():
    """A throwaway owner role (like red_property_owner: CREATEROLE for the first migration)."""
    role = f"rp_owner_{uuid.uuid4().hex[:8]}"
    _admin(f"CREATE ROLE {role} LOGIN CREATEROLE")
    databases: list[str] = []
    yield role, databases
    for name in databases:
        _pg_drop(name)
    _admin(f"DROP ROLE IF EXISTS {role}")


def test_a_restored_dump_belongs_to_the_owner_and_migrates(owner_role, tmp_path):
    role, databases = owner_role
    source, target = f"rp_src_{uuid.uuid4().hex[:8]}", f"rp_dst_{uuid.uuid4().hex[:8]}"
    databases += [source, target]
    _admin(f'CREATE DATABASE "{source}" OWNER {role}')
    server = make_url(SERVER_URL)
    as_owner = server.set(username=role, password=None)
    head, before = _before_head()
    _migrate(as_owner.set(database=source).render_as_string(hide_password=False), before)
    _rows(server.set(database=source))

    libpq = server.set(drivername="postgresql")   # the scripts' psql and pg_dump take libpq URLs
    env = {**os.environ, "BACKUP_DATABASE_URL": libpq.set(database=source).render_as_string(hide_password=False),
           "RESTORE_ADMIN_URL": libpq.set(database="postgres").render_as_string(hide_password=False),
           "RESTORE_OWNER": role}
    backup = subprocess.run(["bash", str(OPS / "backup.sh"), str(tmp_path)], env=env, capture_output=True, text=True)
    assert backup.returncode == 0, backup.stderr
    dump = backup.stdout.strip().splitlines()[-1]
    restore = subprocess.run(["bash", str(OPS / "restore.sh"), dump, target], env=env, capture_output=True, text=True)
    assert restore.returncode == 0, restore.stderr
    assert f"alembic: {before}" in restore.stdout

    engine = create_engine(as_owner.set(database=target))
    try:
        with engine.connect() as conn:
            foreign = conn.execute(text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'v') AND pg_get_userbyid(c.relowner) <> :role"),
                {"role": role}).scalars().all()
        assert foreign == []
    finally:
        engine.dispose()
    assert _count_as_superuser(server.set(database=target), "community") == 1   # the rows came back
    _migrate(as_owner.set(database=target).render_as_string(hide_password=False), "heads")  # the next upgrade
    engine = create_engine(as_owner.set(database=target))
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
            assert conn.execute(text("SELECT count(*) FROM tenant")).scalar() == 1
            # The grants and the row-level security came back with the tables.
            assert conn.execute(text("SELECT relforcerowsecurity FROM pg_class WHERE relname = 'household'")).scalar()
            assert conn.execute(text(
                "SELECT has_table_privilege('red_property_app', 'household', 'SELECT')")).scalar()
    finally:
        engine.dispose()
