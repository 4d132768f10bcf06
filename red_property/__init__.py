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

    from red_property.core import errors, formatting, i18n, input_edge, json_body, routing, schemas, security, sqlite, urls
    from red_property.accounts import throttle
    from red_property.extensions import api, babel, csrf, db, limiter, login_manager, migrate

    # First: hostile input is refused before any extension (the rate limiter's keys) reads it.
    json_body.init_app(app)
    input_edge.init_app(app)
    db.init_app(app)
    sqlite.configure(app, db)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent.parent / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    errors.keep_retry_after(app)  # before the limiter, as the throttle's
    throttle.init_app(app)  # before the limiter: its after-request hook must run after the limiter's
    limiter.init_app(app)
    routing.init_app(app, api)
    api.init_app(app)
    schemas.document_decimal_text(api)
    security.init_app(app)

    from red_property import domains
    from red_property.accounts import edge

    edge.init_app(app)
    domains.register(app, api, csrf)
    errors.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    urls.init_app(app)

    from red_property.cli import register_commands

    register_commands(app)
    return app
