"""Tenants from declarative files: idempotent, validated before anything is written."""
import pytest
from sqlalchemy import func, select

from red_property.accounts.services import authenticate
from red_property.core.owner import owner_session
from red_property.extensions import db
from red_property.tenants.models import Tenant
from red_property.tenants.provisioning import SpecError, apply_specs, load_specs

SPEC = """kind = "company"
slug = "{slug}"
name = "{name}"

[[admins]]
email = "{email}"
name = "管理员"
initial_password = "a long initial password"
"""


def write(root, slug, name="新物业有限公司", email=None, text=None):
    folder = root / slug
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tenant.toml").write_text(text or SPEC.format(slug=slug, name=name, email=email or f"{slug}@x.cn"),
                                        encoding="utf-8")


def tenant_count():
    return db.session.scalar(select(func.count(Tenant.id)))


def test_apply_is_idempotent_and_updates_names(app, tmp_path):
    write(tmp_path, "co-new")
    with app.app_context():
        with owner_session() as owner:  # as the CLI runs it: renaming is the schema owner's
            first = apply_specs(owner, load_specs(tmp_path))
            again = apply_specs(owner, load_specs(tmp_path))
            assert (first.created, again.created, again.unchanged) == (["co-new"], [], ["co-new"])
            write(tmp_path, "co-new", name="改名物业有限公司")
            assert apply_specs(owner, load_specs(tmp_path)).updated == ["co-new"]
        assert db.session.scalar(select(Tenant.name).where(Tenant.slug == "co-new")) == "改名物业有限公司"
        assert authenticate(db.session, "co-new@x.cn", "a long initial password") is not None


@pytest.mark.parametrize("text, fragment", [
    ('kind = "palace"\nslug = "bad"\nname = "坏"\n[[admins]]\nemail = "a@b.cn"\nname = "x"\n', "kind"),
    ('kind = "company"\nslug = "bad"\nname = "坏的"\n', "admins"),
    ('kind = "company"\nslug = "bad"\nname = "坏的"\n[[admins]]\nemail = "nope"\nname = "x"\n', "email"),
    ('kind = company', "TOML"),
])
def test_a_bad_file_names_itself_and_writes_nothing(app, tmp_path, text, fragment):
    write(tmp_path, "aaa-good")
    write(tmp_path, "bad", text=text)
    with app.app_context():
        before = tenant_count()
        with pytest.raises(SpecError) as excinfo:
            with owner_session() as owner:
                apply_specs(owner, load_specs(tmp_path))
        assert "bad/tenant.toml" in str(excinfo.value) and fragment in str(excinfo.value)
        assert tenant_count() == before


def test_an_admin_of_another_tenant_is_refused(app, tmp_path, world):
    write(tmp_path, "co-grab", email="b-admin@test.cn")
    with app.app_context():
        with pytest.raises(SpecError, match="already a user of tenant 'company-b'"), owner_session() as owner:
            apply_specs(owner, load_specs(tmp_path))
        assert db.session.scalar(select(Tenant.id).where(Tenant.slug == "co-grab")) is None


def test_cli_applies_the_repository_tenants(runner, app):
    result = runner.invoke(args=["tenants", "apply"])
    assert result.exit_code == 0, result.output
    assert "created: 12" in result.output   # the bureau, six companies, four committees, the platform
    assert "created: 0" in runner.invoke(args=["tenants", "apply"]).output
