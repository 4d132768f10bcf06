"""Failed logins slow down the address that makes them, for the account it tries (issue 12, item 2).

Before, 20 wrong passwords for an account from anywhere locked it for an hour, the
owner's right password included: anyone could lock anyone out.  Now failures count per
(address, account) pair: the first ``LOGIN_FREE_FAILURES`` cost nothing, then each
failure makes that address wait twice as long before its next try on that account (1 s,
2 s, 4 s, … at most ``LOGIN_MAX_DELAY_SECONDS``), and a success clears the count.  The
owner, from their own address, is never slowed by what an attacker does elsewhere.  The
per-address limit (``RATELIMIT_LOGIN``, all attempts) stays in front of it.

The counts live where the rate limiter's do (``RATELIMIT_STORAGE_URI``: Redis in production,
so every worker shares them); account names are hashed, never stored.  While that storage
does not answer (Redis down), each process counts in its own memory, as the rate limiter
does (``RATELIMIT_IN_MEMORY_FALLBACK_ENABLED``): logins keep working, slowed per process.
"""
from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Callable

log = logging.getLogger(__name__)

# Failures are forgotten a day after the first of them (the storage's fixed window).
WINDOW_SECONDS = 24 * 3600


class FallbackStorage:
    """A ``limits`` storage that counts in memory while the shared one fails (Redis down)."""

    def __init__(self, shared, fallback):
        self.shared, self.fallback = shared, fallback

    def _call(self, name: str, *args):
        try:
            return getattr(self.shared, name)(*args)
        except Exception as exc:  # noqa: BLE001 - storage errors differ by backend (redis, valkey, ...)
            log.warning("login throttle storage failed (%s): counting in this process's memory", type(exc).__name__)
            return getattr(self.fallback, name)(*args)

    def incr(self, key: str, expiry: int) -> int:
        return self._call("incr", key, expiry)

    def get(self, key: str) -> int:
        return self._call("get", key)

    def get_expiry(self, key: str) -> float:
        return self._call("get_expiry", key)

    def clear(self, key: str) -> None:
        return self._call("clear", key)


def delay_after(failures: int, free: int, cap: int) -> int:
    """Seconds an address must wait after its ``failures``-th failure on an account."""
    if failures < free:
        return 0
    return min(cap, 2 ** min(failures - free, 32))


@dataclass
class LoginThrottle:
    storage: object                       # a ``limits`` storage: incr, get, get_expiry, clear
    free: int = 5
    cap: int = 15 * 60
    clock: Callable[[], float] = time.time

    @staticmethod
    def _keys(address: str, email: str) -> tuple[str, str]:
        account = hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
        pair = f"{address}/{account}"
        return f"login-failures/{pair}", f"login-wait/{pair}"

    def retry_after(self, address: str, email: str) -> int | None:
        """Whole seconds this address must still wait before trying this account, or None."""
        _, wait = self._keys(address, email)
        if self.storage.get(wait) <= 0:
            return None
        return max(1, math.ceil(self.storage.get_expiry(wait) - self.clock()))

    def failed(self, address: str, email: str) -> None:
        failures, wait = self._keys(address, email)
        count = self.storage.incr(failures, WINDOW_SECONDS)
        seconds = delay_after(count, self.free, self.cap)
        if seconds:
            self.storage.clear(wait)
            self.storage.incr(wait, seconds)

    def succeeded(self, address: str, email: str) -> None:
        for key in self._keys(address, email):
            self.storage.clear(key)


def login_throttle() -> LoginThrottle:
    """The app's throttle, on a storage of its own at the rate limiter's address: it holds even
    where rate limits are switched off (RATELIMIT_ENABLED), which leaves the limiter without one."""
    from flask import current_app
    from limits.storage import MemoryStorage, storage_from_string

    config = current_app.config
    extensions = current_app.extensions
    if "login_throttle_storage" not in extensions:
        shared = storage_from_string(config["RATELIMIT_STORAGE_URI"])
        extensions["login_throttle_storage"] = (shared if isinstance(shared, MemoryStorage)
                                                else FallbackStorage(shared, MemoryStorage()))
    return LoginThrottle(extensions["login_throttle_storage"], free=config["LOGIN_FREE_FAILURES"],
                         cap=config["LOGIN_MAX_DELAY_SECONDS"])


def authenticate_throttled(session, email: str, password: str):
    """``authenticate``, unless this address must wait for this account (429, ``Retry-After``).

    A waiting address gets no answer about the password, the right one included.
    """
    from flask import g, request
    from werkzeug.exceptions import TooManyRequests

    from red_property.accounts.services import authenticate

    throttle, address = login_throttle(), request.remote_addr or "-"
    wait = throttle.retry_after(address, email)
    if wait is not None:
        g.login_retry_after = wait
        raise TooManyRequests(f"登录失败次数过多，请 {wait} 秒后再试 (too many failed logins: retry in {wait} s)",
                              retry_after=wait)
    user = authenticate(session, email, password)
    (throttle.succeeded if user is not None else throttle.failed)(address, email)
    return user


def init_app(app) -> None:
    """Keep the back-off's ``Retry-After``: flask-limiter sets the header on every response of a
    limited route to the end of its per-address window (a minute), which would tell a client
    that waits one second to wait sixty.  Call before ``limiter.init_app``: Flask runs
    after-request hooks in reverse order, so this one runs after the limiter's."""
    from flask import g

    @app.after_request
    def _login_retry_after(response):
        wait = g.get("login_retry_after")
        if wait is not None and response.status_code == 429:
            response.headers["Retry-After"] = str(wait)
        return response
