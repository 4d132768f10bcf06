"""Role checks shared by the web UI and the API."""
from functools import wraps

from flask import abort

from red_property.accounts.models import Role


def require_admin(view):
    """Only the tenant's admins (403 for staff and read-only users)."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from red_property.accounts.edge import actor

        user = actor()
        if user is None or user.role != Role.ADMIN:
            abort(403, description="Tenant admins only.")
        return view(*args, **kwargs)

    return wrapper
