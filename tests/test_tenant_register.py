"""The tenant register is written by the operator only (issue 12, item 8): the app's
database role reads it and cannot change it (``update tenant set kind='bureau'`` was UPDATE 1)."""
import ast
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from red_property.tenants.provisioning import apply_specs, load_specs
from red_property.extensions import db

PACKAGE = Path(__file__).resolve().parent.parent / "red_property"
WRITES = {"insert", "update", "delete"}


def test_only_the_register_module_writes_tenants():
    """Creating a ``Tenant`` object or an insert/update/delete of ``Tenant`` anywhere else would
    go through the app's role, which PostgreSQL now refuses: keep them in one place."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        if path == PACKAGE / "tenants" / "register.py":
            continue
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            first = node.args[0] if node.args else None
            if name == "Tenant" or (name in WRITES and isinstance(first, ast.Name) and first.id == "Tenant"):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, found


@pytest.mark.postgres
def test_the_app_role_reads_the_register_and_cannot_write_it(app, world):
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])  # the app's role, no ORM
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM tenant")).scalar() == 4
        for statement in ("UPDATE tenant SET kind = 'bureau' WHERE slug = 'company-a'",
                          "INSERT INTO tenant (kind, slug, name, created_at, updated_at) "
                          "VALUES ('bureau', 'evil', 'x', now(), now())",
                          "DELETE FROM tenant WHERE slug = 'company-b'", "TRUNCATE tenant CASCADE"):
            with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
                conn.execute(text(statement))
    finally:
        engine.dispose()


def test_provisioning_writes_the_register_as_the_operator(app, tmp_path):
    """``tenants apply`` creates and renames tenants through the owner's connection (on PostgreSQL
    the app's role would be refused) and still creates admins in the tenant's scope."""
    folder = tmp_path / "tenants" / "new-co"
    folder.mkdir(parents=True)
    spec = ('kind = "company"\nslug = "new-co"\nname = "{}"\n'
            '[[admins]]\nemail = "admin@new-co.test"\nname = "管理员"\ninitial_password = "a long enough password"\n')
    (folder / "tenant.toml").write_text(spec.format("新物业有限公司"), "utf-8")
    with app.app_context():
        assert apply_specs(db.session, load_specs(tmp_path / "tenants")).created == ["new-co"]
        (folder / "tenant.toml").write_text(spec.format("新物业服务有限公司"), "utf-8")
        assert apply_specs(db.session, load_specs(tmp_path / "tenants")).updated == ["new-co"]
        name = db.session.execute(text("SELECT name FROM tenant WHERE slug = 'new-co'")).scalar()
        db.session.remove()
    assert name == "新物业服务有限公司"
