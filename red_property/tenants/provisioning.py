"""Provision tenants from declarative files: ``tenants/<slug>/tenant.toml``.

Applying is idempotent: a tenant is found by slug, its name and credit code are
brought up to date, missing admins are invited.  Existing passwords and roles
are never touched, and a tenant's kind never changes.  All files are validated
before anything is written; one bad file writes nothing.

New tenants and admins go through the same services as ``red-property init``
and the bureau's pages (``onboarding.provisioning.create_tenant``,
``onboarding.invitations.invite_user``): an admin gets an invitation link, not a
password, unless the file gives ``initial_password`` (the demo city does).
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from red_property.accounts.models import Role, User
from red_property.accounts.services import create_user
from red_property.core.errors import InputError
from red_property.core.tenancy import identity_lookup, tenant_scope
from red_property.onboarding.invitations import invite_user
from red_property.onboarding.provisioning import create_tenant
from red_property.tenants.changes import set_details
from red_property.tenants.models import Tenant, TenantKind

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,62}$", error="slug: lowercase letters, digits and '-'")


class AdminSpec(Schema):
    email = fields.Email(required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    # Used only when the account is created; never overwrites a password.
    initial_password = fields.String(validate=validate.Length(min=12, max=200))


class TenantSpec(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in TenantKind]))
    slug = fields.String(required=True, validate=SLUG)
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    credit_code = fields.String(validate=validate.Regexp(r"^[0-9A-Z]{18}$"))
    admins = fields.List(fields.Nested(AdminSpec), required=True, validate=validate.Length(min=1))


class SpecError(ValueError):
    """A tenant file is invalid; the message names the file and the field."""


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    invitations: list[tuple[str, str]] = field(default_factory=list)  # (email, invitation link), shown once


def load_specs(directory: Path) -> list[dict]:
    """Read and validate every ``*/tenant.toml`` below ``directory``."""
    specs, slugs = [], {}
    for path in sorted(Path(directory).glob("*/tenant.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
            spec = TenantSpec().load(raw)
        except tomllib.TOMLDecodeError as exc:
            raise SpecError(f"{path}: not valid TOML: {exc}") from exc
        except ValidationError as exc:
            raise SpecError(f"{path}: {exc.messages}") from exc
        if spec["slug"] in slugs:
            raise SpecError(f"{path}: slug {spec['slug']!r} already used by {slugs[spec['slug']]}")
        if spec["slug"] != path.parent.name:
            raise SpecError(f"{path}: slug {spec['slug']!r} must match its folder name")
        slugs[spec["slug"]] = path
        spec["source"] = str(path)
        specs.append(spec)
    return specs


def apply_specs(session: Session, specs: list[dict]) -> ApplyReport:
    """Create or update the tenants and their admins described by ``specs``.

    Creates bureaus and renames tenants, which on PostgreSQL only the schema
    owner may do: give it ``core.owner.owner_session()`` (the CLI does).
    """
    report = ApplyReport()
    _check_admin_emails(session, specs)
    for spec in specs:
        tenant = session.scalars(select(Tenant).where(Tenant.slug == spec["slug"])).first()
        if tenant is None:
            try:
                tenant = create_tenant(session, kind=TenantKind(spec["kind"]), slug=spec["slug"], name=spec["name"],
                                       credit_code=spec.get("credit_code"))
            except InputError as exc:
                session.rollback()
                raise SpecError(f"{spec['source']}: {exc.field}: {exc}") from exc
            report.created.append(spec["slug"])
        elif tenant.kind.value != spec["kind"]:
            session.rollback()
            raise SpecError(f"{spec['source']}: kind cannot change ({tenant.kind.value} -> {spec['kind']})")
        elif (tenant.name, tenant.credit_code) != (spec["name"], spec.get("credit_code")):
            set_details(session, tenant, name=spec["name"], credit_code=spec.get("credit_code"))
            report.updated.append(spec["slug"])
        else:
            report.unchanged.append(spec["slug"])
        session.commit()
        tenant_id = tenant.id
        with tenant_scope(session, tenant_id):
            existing = set(session.scalars(select(User.email)))
            for admin in spec["admins"]:
                email = admin["email"].lower()
                if email in existing:
                    continue
                if admin.get("initial_password"):
                    create_user(session, email=email, name=admin["name"], role=Role.ADMIN,
                                password=admin["initial_password"])
                    session.commit()
                else:
                    issued = invite_user(session, email=email, name=admin["name"], role=Role.ADMIN)
                    report.invitations.append((email, issued.url))
            session.commit()
            if tenant.kind == TenantKind.BUREAU:
                _sync_rating_model(session, Path(spec["source"]).parent)
    return report


def _sync_rating_model(session: Session, folder: Path) -> None:
    """A bureau's folder may hold its rating model: store it as a new version when it changed."""
    from red_property.rating.versions import sync_from_folder

    sync_from_folder(session, folder)


def _check_admin_emails(session: Session, specs: list[dict]) -> None:
    """Refuse before writing if an admin email belongs to a different tenant."""
    wanted = {a["email"].lower(): s for s in specs for a in s["admins"]}
    rows = []
    for email in wanted:  # one lookup per email: an identity lookup reads one key, never a list
        with identity_lookup(session, email):
            rows += session.execute(select(User.email, Tenant.slug).join(Tenant, Tenant.id == User.tenant_id)
                                    .where(User.email == email)).all()
    session.rollback()
    for email, slug in rows:
        if wanted[email]["slug"] != slug:
            raise SpecError(f"{wanted[email]['source']}: {email} is already a user of tenant {slug!r}")
