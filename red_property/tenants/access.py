"""Which kind of tenant a page or endpoint is for.

Views of one kind (e.g. the bureau's rating inputs) call ``require_kind``; any
other tenant gets a 404, as if the page did not exist.
"""
from flask import abort

from red_property.tenants.models import TenantKind


def current_kind() -> TenantKind | None:
    from red_property.accounts.edge import actor

    user = actor()
    return user.tenant.kind if user is not None else None


def require_kind(*kinds: TenantKind) -> TenantKind:
    kind = current_kind()
    if kind not in kinds:
        abort(404)
    return kind


def for_kinds(*kinds: TenantKind):
    """A view decorator: other kinds of tenant get a 404 before any input is parsed.

    Use it in a MethodView's ``decorators`` so that it wraps argument parsing.
    """
    from functools import wraps

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            require_kind(*kinds)
            return view(*args, **kwargs)

        return wrapper

    return decorate
