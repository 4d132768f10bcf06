"""JSON shapes of the community register."""
from marshmallow import Schema, fields, validate

from red_property.core.schemas import PageArgs


class CompanyRef(Schema):
    id = fields.Integer()
    name = fields.String()


class ContractOut(Schema):
    contract_no = fields.String(allow_none=True, metadata={
        "description": "null for an owners' committee: it reads contracts as the public does, without numbers"})
    starts_on = fields.Date()
    ends_on = fields.Date(allow_none=True)
    company = fields.Nested(CompanyRef)
    current = fields.Boolean()


class CommunityEntryOut(Schema):
    """A register entry as the bureau keeps it (what the register API answers)."""

    id = fields.Integer()
    name = fields.String()
    address = fields.String()
    district = fields.String()
    street = fields.String()
    neighbourhood = fields.String()
    household_count = fields.Integer()
    # A string so that no client rounds it through a float; "12345.67".
    floor_area = fields.Decimal(as_string=True, places=2, metadata={"type": "string", "format": "decimal"})
    year_built = fields.Integer(allow_none=True)
    retired_on = fields.Date(allow_none=True)


class CommunityOut(CommunityEntryOut):
    """A register entry with its management contracts (what every tenant reads)."""

    contracts = fields.List(fields.Nested(ContractOut))


class BuildingOut(Schema):
    id = fields.Integer()
    name = fields.String()
    kind = fields.String()
    floors = fields.Integer()
    households = fields.Integer()
    floor_area = fields.Float()


class CommunityDetailOut(CommunityOut):
    buildings = fields.List(fields.Nested(BuildingOut))


class CommunityListArgs(PageArgs):
    q = fields.String(validate=validate.Length(min=1, max=100))
    district = fields.String(validate=validate.Length(min=1, max=50))
    street = fields.String(validate=validate.Length(min=1, max=50))
    company_id = fields.Integer(validate=validate.Range(min=1, max=2**62),
                                metadata={"description": "the company (tenant id) that manages the community today"})
