"""Errors: JSON with the field at fault under /api, a Chinese page elsewhere.

flask-smorest registers one handler for every HTTPException; we replace it so
that the web UI gets HTML, and so that a 405 keeps its ``Allow`` header.
"""
from __future__ import annotations

import logging

from flask import Flask, current_app, g, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import DataError, IntegrityError
from werkzeug.exceptions import (Conflict, Forbidden, HTTPException, InternalServerError, NotFound,
                                 ServiceUnavailable, UnprocessableEntity)

from red_property.core.tenancy import CrossTenantWrite, TenantNotSet
from red_property.extensions import api

log = logging.getLogger(__name__)


class InputError(ValueError):
    """Bad input found by a service; ``field`` names the field at fault.

    Services raise it (web, API, jobs and CLI share them).  The API answers
    422 with ``{"errors": {"json": {field: [message]}}}`` without a try block
    in the view; a web view catches it to show the message beside the field.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def add_unique(session, row, field: str, message: str) -> None:
    """Add and flush ``row``; if that breaks a unique constraint (a duplicate, or a race
    lost to a concurrent request) raise ``InputError(field, message)`` and keep the rest
    of the transaction (a savepoint)."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise InputError(field, message) from exc


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _render(exc: HTTPException):
    if exc.code == 503 and getattr(exc, "retry_after", None):
        g.unavailable_retry_after = exc.retry_after  # kept against the rate limiter's header (keep_retry_after)
    if wants_json():
        if not getattr(exc, "data", None) and exc.description != type(exc).description:
            exc.data = {"message": exc.description}  # flask-smorest reads only ``data``: keep what abort() said
        response = current_app.make_response(api.handle_http_exception(exc))
        headers = dict(exc.get_headers())
        for name in ("Allow", "WWW-Authenticate", "Retry-After"):
            if name in headers:
                response.headers[name] = headers[name]
        return response
    return render_template("error.html", error=exc), exc.code


# Seconds a client is told to wait when the database or Redis is away (a restart takes about this long).
OUTAGE_RETRY_AFTER = 10


def outage(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what it was raised from) says the database or Redis is down or not answering,
    rather than that the request or the code is wrong."""
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeout

    from red_property.core.jobs import database_failed

    seen = 0
    while exc is not None and seen < 5:
        if database_failed(exc) or isinstance(exc, (RedisConnectionError, RedisTimeout)):
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def _unavailable(exc: BaseException):
    """503 with a plain message and ``Retry-After``: JSON under /api, a page elsewhere."""
    from red_property.extensions import db

    log.error("service unavailable on %s %s: %s", request.method, request.path, exc)
    g.outage = True  # the locale and the page ask nothing more of the database:
    g._login_user = current_app.login_manager.anonymous_user()  # Flask-Login's template context loads the user
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection went with the database
        log.debug("rollback after an outage failed", exc_info=True)
    error = ServiceUnavailable(_("服务暂时不可用（数据库或任务队列无法连接），请稍后重试。"),
                               retry_after=OUTAGE_RETRY_AFTER)
    if wants_json():
        return _render(error)
    g.unavailable_retry_after = OUTAGE_RETRY_AFTER
    return render_template("unavailable.html", error=error), 503, {"Retry-After": str(OUTAGE_RETRY_AFTER)}


def keep_retry_after(app: Flask) -> None:
    """A 503 keeps its own ``Retry-After``: flask-limiter sets the header on every response of a limited
    route (the login, the public form) to the end of its window.  Call before ``limiter.init_app``:
    Flask runs after-request hooks in reverse order, so this one runs after the limiter's."""

    @app.after_request
    def _keep(response):
        wait = g.get("unavailable_retry_after")
        if wait is not None and response.status_code == 503:
            response.headers["Retry-After"] = str(wait)
        return response


def error_detail(error: HTTPException) -> str | None:
    """What the code that raised ``error`` said of it, or None for werkzeug's own English sentence
    (the page then says only its Chinese line, never a page of mixed languages)."""
    description = getattr(error, "description", None)
    if not isinstance(description, str) or description == type(error).description:
        return None
    return description


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _render)
    app.add_template_global(error_detail)

    @app.errorhandler(InternalServerError)
    def _server_error(exc: InternalServerError):
        # Flask hands exceptions raised outside the view (after-request hooks) here as a 500
        # that keeps the original: a database that went away then is a 503 too.
        if outage(exc.original_exception):
            return _unavailable(exc.original_exception)
        return _render(exc)

    @app.errorhandler(InputError)
    def _input_error(exc: InputError):
        from red_property.extensions import db

        db.session.rollback()  # nothing half-written
        if wants_json():
            return {"code": 422, "status": "Unprocessable Entity",
                    "errors": {"json": {exc.field: [str(exc)]}}}, 422
        return render_template("error.html", error=UnprocessableEntity(str(exc))), 422

    @app.errorhandler(CrossTenantWrite)
    def _cross_tenant(exc):
        log.warning("cross-tenant write refused: %s", exc)
        return _render(Forbidden(_("这条记录属于其他单位，不能修改。")))

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError):
        # A unique constraint decided a race that a service's own check lost
        # (two requests saving the same thing at once).  Services that know the
        # field raise InputError; this is the net under the rest: 409, not 500.
        from red_property.extensions import db

        db.session.rollback()
        log.warning("integrity error on %s %s: %s", request.method, request.path, exc.orig)
        return _render(Conflict(_("与已有记录冲突（可能刚被他人同时保存），请刷新后重试。")))

    @app.errorhandler(DataError)
    def _out_of_range(exc: DataError):
        # PostgreSQL refused a value no schema checked (a number beyond its column, text
        # longer than a varchar): the client's input, so 422, not 500.  The field is unknown here.
        from red_property.extensions import db

        db.session.rollback()
        log.warning("data error on %s %s: %s", request.method, request.path, exc.orig)
        message = _("输入的值超出允许的范围或长度。")
        if wants_json():
            return {"code": 422, "status": "Unprocessable Entity", "errors": {"json": {"_schema": [message]}}}, 422
        return render_template("error.html", error=UnprocessableEntity(message)), 422

    @app.errorhandler(TenantNotSet)
    def _no_tenant(exc):
        log.error("tenant-owned data requested with no tenant: %s", exc)
        return _render(NotFound())

    @app.errorhandler(Exception)
    def _unexpected(exc):
        if isinstance(exc, HTTPException):
            return _render(exc)
        if outage(exc):
            return _unavailable(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(InternalServerError())
