"""Locale: Simplified Chinese first, English on request.

Order: ``?lang=``, the ``lang`` cookie (set by the switch), the user's saved
choice, then Chinese.  We deliberately do not follow Accept-Language: the users
work in Chinese even on English-language browsers.

Times are stored in UTC and shown on the users' clock (``core.clock``): the
``local_time`` filter, or Babel's, which follows the same zone.
"""
import datetime as dt

from flask import Blueprint, current_app, g, has_request_context, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from red_property.core import clock
from red_property.core.formatting import local_datetime
from red_property.core.urls import local_path


def N_(message: str) -> str:
    """Mark a string constant for the catalog; translate it where it is shown with ``_()``."""
    return message


LOCALES = {"zh": "zh_Hans_CN", "zh_Hans_CN": "zh_Hans_CN", "en": "en"}

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    if not has_request_context():  # a job or a CLI command: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    # The API knows its user from the token, never from a browser's session cookie.
    # A page about an outage asks nothing of the database (g.outage, core/errors.py).
    saved = None if request.path.startswith("/api/") or g.get("outage") else getattr(current_user, "locale", None)
    for candidate in (request.args.get("lang"), request.cookies.get("lang"), saved):
        if candidate in LOCALES:
            return LOCALES[candidate]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return clock.local_zone().key


def local_time(value: dt.datetime | str | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A stored instant on the users' clock: ``core.formatting.local_datetime`` under its older filter name."""
    return local_datetime(value, pattern)


def local_zone_note() -> str:
    """Said next to a time where the reader may wonder whose clock it is."""
    zone = clock.local_zone().key
    return _("（北京时间）") if zone == clock.DEFAULT_ZONE else f"（{zone}）"


@bp.route("/lang/<code>")
def switch(code: str):
    """Remember the language in a cookie and go back where the user was."""
    response = redirect(local_path(request.args.get("next")) or url_for("core.index"))
    if code in LOCALES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
    # On the environment, not a context processor: macros imported without context see them too.
    app.add_template_filter(local_time, "local_time")
    app.add_template_global(local_zone_note, "local_zone_note")

    @app.context_processor
    def _locale():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale())}
