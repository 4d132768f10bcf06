"""Schemas shared by every API: strict paging arguments, the page envelope, prepared lists."""
import datetime as dt
from decimal import Decimal

from flask import Response, jsonify
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from red_property.core.routing import MAX_ID


class PageArgs(Schema):
    # Query strings arrive as text, and int("1.5") / int("2e-42") fail, so plain
    # Integer is exact here.  JSON bodies use strict=True (a float would be truncated).
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


def id_field(**kwargs) -> fields.Integer:
    """A row id in a JSON body: an exact integer the database can hold (a bigger one was a 500)."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)


# How a Decimal dumped as a string is documented (apispec would otherwise call it a number).
DECIMAL_TEXT = {"type": "string", "format": "decimal"}


def document_decimal_text(api) -> None:
    """Every ``Decimal(as_string=True)`` is documented as ``DECIMAL_TEXT``, named or not
    (``FeeBillOut.floor_area`` forgot the metadata and was documented as a number).
    Call after ``api.init_app`` and before any blueprint is registered."""

    def decimal_text(converter, field, **kwargs) -> dict:
        return dict(DECIMAL_TEXT) if isinstance(field, fields.Decimal) and field.as_string else {}

    api.ma_plugin.converter.add_attribute_function(decimal_text)


def one_of(enum_cls) -> validate.OneOf:
    """Accept the values of an enum (``native_enum=False`` columns store them as text)."""
    return validate.OneOf([m.value for m in enum_cls])


def attributes(obj, schema: type[Schema]) -> dict:
    """An object's values for a schema's fields, not yet dumped: a response that adds keys to them."""
    return {name: getattr(obj, field.attribute or name) for name, field in schema().fields.items()
            if hasattr(obj, field.attribute or name)}


class CreatedOut(Schema):
    """What a create endpoint answers when the new row's id is all a client needs."""

    id = fields.Integer()


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A ``{"items": [...], "page", "per_page", "total"}`` envelope around ``item_schema``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema)),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


def envelope(args: dict, items, total: int) -> dict:
    """The ``page_schema`` envelope of one page asked for with ``PageArgs``."""
    return {"items": items, "page": args["page"], "per_page": args["per_page"], "total": total}


def counted_page(session, stmt, page: int, per_page: int) -> tuple[list[tuple], int]:
    """The rows of one page of ``stmt`` (ordered, neither distinct nor limited) and how many
    rows all pages hold: one query on a page with rows.

    The total rides on every row (``count(*) OVER ()`` is computed before LIMIT), so the
    filters, and the tenant's row-level security, run once instead of twice; only a page
    past the end asks again with a count."""
    rows = session.execute(stmt.add_columns(func.count().over()).limit(per_page)
                           .offset((page - 1) * per_page)).all()
    if rows:
        return [tuple(row)[:-1] for row in rows], rows[0][-1]
    if page == 1:
        return [], 0
    return [], session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def page_of(session, stmt, args: dict, *order) -> dict:
    """One page of ``stmt`` in ``order`` with its total, as ``envelope``: one query (``counted_page``)."""
    rows, total = counted_page(session, stmt.order_by(*order), args["page"], args["per_page"])
    return envelope(args, [row[0] for row in rows], total)


# JSON-ready values for lists answered without a field-by-field marshmallow dump (``prepared``):
# exactly what the documented schema's fields would write.
CENTS = Decimal("0.01")


def json_date(value: dt.date | dt.datetime | None) -> str | None:
    """A ``fields.Date``/``fields.DateTime``/``fields.AwareDateTime`` value: ISO 8601, or None."""
    return None if value is None else value.isoformat()


def json_decimal(value: Decimal | None) -> str | None:
    """A ``fields.Decimal(as_string=True, places=2)`` value: "12345.67", or None."""
    return None if value is None else format(Decimal(str(value)).quantize(CENTS), "f")


def prepared(payload: dict) -> Response:
    """A list already shaped as its documented schema dumps it (each such list has a test that compares
    its answer with the schema's dump of the same rows).  flask-smorest passes a response through
    without dumping it again: a page of 50 rows took marshmallow 2.7 ms, more than reading it."""
    return jsonify(payload)
