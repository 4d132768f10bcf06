"""Password hashing with Argon2id.

Production uses argon2-cffi's defaults (RFC 9106 low-memory profile: 64 MiB,
3 passes).  ``PASSWORD_HASH_FAST`` (tests only) selects cheap parameters; the
algorithm and code path stay the same, and verification always reads the
parameters from the stored hash.
"""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

_strong = PasswordHasher()
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
# Verified against when the email is unknown, so that both paths cost the same.
_DUMMY = _strong.hash("red-property-timing-equaliser")

MIN_PASSWORD = 12
# The stored "hash" of an invited user who has not chosen a password yet: no
# password verifies against it (it is not an Argon2 hash), so nobody can log in
# as them until they accept their invitation.
NO_PASSWORD = "!invited"


def _hasher() -> PasswordHasher:
    if has_app_context() and current_app.config.get("PASSWORD_HASH_FAST"):
        return _fast
    return _strong


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _strong.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def check_new_password(new: str, *, field: str = "new_password") -> None:
    """The rules every new password meets (a change, or accepting an invitation)."""
    from red_property.core.errors import InputError

    if len(new) < MIN_PASSWORD:
        raise InputError(field, f"新密码至少 {MIN_PASSWORD} 个字符 (at least {MIN_PASSWORD} characters)")
    if len(new) > 200:
        raise InputError(field, "新密码不能超过 200 个字符 (at most 200 characters)")
