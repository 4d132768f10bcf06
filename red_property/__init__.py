"""red-property: 红色物业, party-building-led management of residential communities."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from red_property.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Application factory: build config, bind extensions, register domains."""
    instance = os.environ.get("RED_PROPERTY_INSTANCE") or str(Path.cwd() / "instance")
    app = Flask(__name__, instance_path=instance, instance_relative_config=False)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(load_config(app.instance_path, config))
    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from red_property.core import errors, i18n, routing, security, sqlite
    from red_property.extensions import api, babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    sqlite.configure(app, db)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)
    routing.init_app(app, api)
    api.init_app(app)
    security.init_app(app)

    from red_property.accounts import edge
    from red_property.accounts.api import blp as auth_api
    from red_property.accounts.users_api import blp as users_api
    from red_property.accounts.views import bp as accounts_views
    from red_property.appointments.api import blp as appointments_api
    from red_property.appointments.views import bp as appointments_views
    from red_property.communities import household_upload as _imports  # noqa: F401  (registers jobs)
    from red_property.communities import jobs as _community_jobs  # noqa: F401  (registers jobs)
    from red_property.demands import jobs as _demand_jobs  # noqa: F401  (registers jobs, periodic jobs)
    from red_property.rating import runs as _rating_runs  # noqa: F401  (registers jobs, guards)
    from red_property.finance import statements as _statements  # noqa: F401  (registers guards)
    from red_property.votes import services as _votes  # noqa: F401  (registers guards)
    from red_property.finance.api import blp as finance_api
    from red_property.finance.distribution_api import blp as distribution_api
    from red_property.finance.statement_api import blp as statement_api
    from red_property.votes.api import blp as votes_api
    from red_property.finance.distribution_views import bp as finance_distribution_views
    from red_property.finance.ledger_views import bp as finance_ledger_views
    from red_property.finance.statement_views import bp as finance_statement_views
    from red_property.finance.views import bp as finance_views
    from red_property.votes.views import bp as votes_views
    from red_property.fees import billing as _fee_billing, guards as _fee_guards  # noqa: F401  (jobs, guards)
    from red_property.communities.api import blp as communities_api
    from red_property.communities.views import bp as communities_views
    from red_property.compliance.api import blp as compliance_api
    from red_property.compliance.views import bp as compliance_views
    from red_property.demands.api import blp as demands_api
    from red_property.demands.overview import bp as demand_overview
    from red_property.demands.views import bp as demand_views
    from red_property.party.api import blp as party_api
    from red_property.public.profile_views import bp as profile_views
    from red_property.public.views import bp as public_views
    from red_property.party.views import bp as party_views
    from red_property.meetings.api import blp as meetings_api
    from red_property.meetings.views import bp as meetings_views
    from red_property.activities.api import blp as activities_api
    from red_property.activities.views import bp as activities_views
    from red_property.rating.api import blp as rating_api
    from red_property.rating.input_views import bp as rating_input_views
    from red_property.rating.views import bp as rating_views
    from red_property.fees.api import blp as fees_api
    from red_property.fees.views import bp as fees_views
    from red_property.core.files_api import blp as files_api
    from red_property.core.health import bp as health_bp
    from red_property.core.jobs_api import blp as jobs_api
    from red_property.core.views import bp as core_views

    edge.init_app(app)
    for blueprint in (auth_api, users_api, activities_api, appointments_api, communities_api, compliance_api,
                      demands_api, distribution_api, fees_api, files_api, finance_api, jobs_api, meetings_api,
                      party_api, rating_api, statement_api, votes_api):
        csrf.exempt(blueprint)  # bearer tokens, not cookies: nothing for CSRF to forge
        api.register_blueprint(blueprint)
    for blueprint in (health_bp, accounts_views, activities_views, appointments_views, core_views, communities_views,
                      compliance_views, demand_views, demand_overview, fees_views, finance_views, finance_ledger_views,
                      finance_statement_views, finance_distribution_views, meetings_views, party_views, profile_views,
                      public_views, rating_views, rating_input_views, votes_views):
        app.register_blueprint(blueprint)
    errors.init_app(app)
    i18n.init_app(app)

    from red_property.cli import register_commands

    register_commands(app)
    return app
