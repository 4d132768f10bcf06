"""URL converters.

Werkzeug's ``int`` accepts any number of digits; an id past 64 bits then
overflows the database driver (a 500).  Every ``<int:...>`` in this app is a
row id, so ``int`` is replaced by a converter bounded to 1 .. 2**63 - 1:
anything else does not match the route and answers 404.  Tenant pages use
``<slug:tenant_slug>`` so that browser requests such as /favicon.ico never reach
them.
"""
from werkzeug.routing import BaseConverter, IntegerConverter

MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class SlugConverter(BaseConverter):
    """A tenant slug as tenants/<slug>/tenant.toml allows it: never 'favicon.ico' or 'login'."""

    regex = r"[a-z0-9][a-z0-9-]{1,62}"


def _schema(converter) -> dict:
    return {"type": "integer", "format": "int64", "minimum": converter.min, "maximum": converter.max}


def init_app(app, api) -> None:
    """Call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["slug"] = SlugConverter
    api.register_converter(IdConverter, _schema)
