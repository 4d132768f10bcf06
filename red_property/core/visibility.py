"""Load the object a URL names before anything else happens.

With a request body, argument parsing would otherwise answer 422 for another
tenant's id before the view's own lookup answers 404; this decorator makes the
404 come first, from the tenant-scoped session like every other read.
"""
from functools import wraps

from flask import abort


def visible_or_404(model, url_arg: str):
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            from red_property.extensions import db

            if db.session.get(model, kwargs[url_arg]) is None:
                abort(404)
            return view(*args, **kwargs)

        return wrapper

    return decorate
