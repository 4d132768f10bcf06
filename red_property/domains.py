"""Every domain's blueprints, and the modules that register jobs, periodic jobs
and flush guards: the one list a new domain is added to."""
from __future__ import annotations

from importlib import import_module

# JSON API modules (each has ``blp``, a flask-smorest Blueprint under /api/v1).
API = (
    "accounts.api", "accounts.users_api", "activities.api", "appointments.api", "communities.api",
    "compliance.api", "core.files_api", "core.jobs_api", "demands.api", "fees.api", "finance.api",
    "finance.distribution_api", "finance.statement_api", "meetings.api", "notifications.api", "onboarding.api",
    "onboarding.directory_api",
    "onboarding.register_api", "onboarding.contracts_api", "onboarding.committees_api", "party.api", "rating.api",
    "tenants.api", "votes.api",
)
# HTML page modules (each has ``bp``, a Flask Blueprint).
PAGES = (
    "core.health", "core.views", "accounts.views", "accounts.session_views", "activities.views", "appointments.views",
    "communities.views", "compliance.views", "demands.views", "demands.overview", "fees.views", "finance.views",
    "finance.ledger_views", "finance.statement_views", "finance.distribution_views", "meetings.views",
    "notifications.views",
    "onboarding.invitation_views", "onboarding.directory_views", "onboarding.register_views",
    "onboarding.contract_views", "onboarding.committee_views", "onboarding.service_notice", "party.views",
    "public.profile_views", "public.views", "rating.views", "rating.input_views", "rating.appeal_views", "tenants.views", "votes.views",
)
# Modules imported for what they register: background jobs, periodic jobs, guards on published records.
REGISTERS = (
    "communities.household_upload", "communities.jobs", "demands.jobs", "fees.billing", "fees.guards",
    "finance.statements", "notifications.jobs", "onboarding.register", "rating.runs", "votes.services",
)


def _module(name: str):
    return import_module(f"red_property.{name}")


def register(app, api, csrf) -> None:
    for name in REGISTERS:
        _module(name)
    for name in API:
        blueprint = _module(name).blp
        csrf.exempt(blueprint)  # bearer tokens, not cookies: nothing for CSRF to forge
        api.register_blueprint(blueprint)
    for name in PAGES:
        app.register_blueprint(_module(name).bp)
