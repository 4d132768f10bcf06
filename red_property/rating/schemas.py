"""JSON shapes of the rating API."""
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from red_property.core.schemas import PageArgs, id_field

def _score_range(value) -> None:
    if not 0 <= value <= 100:
        raise ValidationError("分数应在 0 到 100 之间")


def score_field() -> fields.Decimal:
    # A plain validator, not validate.Range: apispec would document a Decimal bound as a string.
    return fields.Decimal(required=True, places=2, validate=_score_range, metadata={"minimum": 0, "maximum": 100})

PERIOD = validate.Regexp(r"^\d{4}(-(Q[1-4]|H[12]))?$", error="期间格式应为 2026、2026-Q3 或 2026-H1")


class ModelVersionOut(Schema):
    id = fields.Integer()
    version = fields.Integer()
    name = fields.String()
    note = fields.String()
    created_at = fields.DateTime()


class ModelVersionDetail(ModelVersionOut):
    source = fields.String()


class ModelPreviewIn(Schema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=200_000),
                           metadata={"description": "The edited model (TOML), as it will be saved."})


class ModelVersionIn(ModelPreviewIn):
    note = fields.String(load_default="", validate=validate.Length(max=500))
    # needed, but checked after ``source`` (so a broken model is told its lines first): a missing one is a 422 here
    preview_digest = fields.String(load_default="", validate=validate.Length(max=64), metadata={
        "description": "Needed: the `preview_digest` that `POST /api/v1/rating/models/preview` returned for this "
                       "very `source` on the version in force.  A save without it, or after the text or the "
                       "version changed, is refused (422 on this field)."})


class GradeChangeOut(Schema):
    company_id = fields.Integer()
    company_name = fields.String()
    before = fields.String(metadata={"description": "The grade under the model in force."})
    after = fields.String(metadata={"description": "The grade under the edited model."})
    score_before = fields.Decimal(as_string=True, allow_none=True)
    score_after = fields.Decimal(as_string=True, allow_none=True)


class GradeCountOut(Schema):
    grade = fields.String()
    before = fields.Integer()
    after = fields.Integer()


class ModelPreviewOut(Schema):
    base_version = fields.Integer(metadata={"description": "The version in force the preview compared with (0: none)."})
    preview_digest = fields.String(metadata={"description": "Send it with the same `source` to save it."})
    run_id = fields.Integer(allow_none=True, metadata={"description": "The latest run whose companies and date "
                                                                       "were used; null when there is no run yet."})
    as_of = fields.Date(allow_none=True)
    companies = fields.Integer()
    changes = fields.List(fields.Nested(GradeChangeOut), metadata={"description": "Companies whose grade changes."})
    counts = fields.List(fields.Nested(GradeCountOut), metadata={"description": "Companies per grade, before and after."})


class EventIn(Schema):
    company_tenant_id = id_field(required=True)
    community_id = id_field(allow_none=True, load_default=None)
    kind = fields.String(required=True, validate=validate.Length(min=1, max=40))
    occurred_on = fields.Date(required=True)
    rectified_on = fields.Date(allow_none=True, load_default=None)
    authority = fields.String(load_default="city", validate=validate.OneOf(["street", "district", "city"]))
    reference = fields.String(required=True, validate=validate.Length(min=1, max=100))
    note = fields.String(load_default="", validate=validate.Length(max=500))

    @validates_schema
    def _dates(self, data, **kwargs):
        if data.get("rectified_on") and data["rectified_on"] < data["occurred_on"]:
            raise ValidationError("整改日期不能早于发生日期", field_name="rectified_on")


class InspectionIn(Schema):
    company_tenant_id = id_field(required=True)
    community_id = id_field(required=True)
    inspected_on = fields.Date(required=True)
    score = score_field()
    note = fields.String(load_default="", validate=validate.Length(max=500))


class OpinionIn(Schema):
    company_tenant_id = id_field(required=True)
    community_id = id_field(required=True)
    year = fields.Integer(required=True, strict=True, validate=validate.Range(min=2000, max=2100))
    score = score_field()
    comment = fields.String(load_default="", validate=validate.Length(max=500))


class RunIn(Schema):
    period = fields.String(required=True, validate=PERIOD)
    as_of = fields.Date(required=True)


class CorrectionIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class RunOut(Schema):
    id = fields.Integer()
    period = fields.String()
    as_of = fields.Date()
    status = fields.String()
    model_version_id = fields.Integer()
    reason = fields.String(allow_none=True)
    supersedes_id = fields.Integer(allow_none=True)
    job_id = fields.Integer(allow_none=True)
    input_digest = fields.String(allow_none=True)
    rated_companies = fields.Integer(allow_none=True)
    published_at = fields.DateTime(allow_none=True)


class ResultOut(Schema):
    company_tenant_id = fields.Integer()
    company_name = fields.String()
    score = fields.Decimal(as_string=True, allow_none=True, metadata={"type": "string", "format": "decimal"})
    grade = fields.String()
    rank = fields.Integer(allow_none=True)
    breakdown = fields.Dict()


class RunListArgs(PageArgs):
    pass


class AppealIn(Schema):
    indicator_id = fields.String(required=True, validate=validate.Length(min=1, max=41))
    explanation = fields.String(required=True, validate=validate.Length(min=10, max=5000))


class AppealCorrectionIn(Schema):
    """What upholding corrects: one of the bureau's records, or the company's record in one community."""
    kind = fields.String(required=True, validate=validate.OneOf(["void", "correct", "exclude", "replace"]))
    record_kind = fields.String(validate=validate.OneOf(["inspection", "opinion", "event"]))
    record_id = id_field()
    community_id = id_field()
    new_value = fields.Decimal(places=4, allow_none=True, load_default=None, allow_nan=False,
                               metadata={"minimum": 0, "maximum": 100000})


class DecisionIn(Schema):
    upheld = fields.Boolean(required=True, truthy={True}, falsy={False})
    reason = fields.String(required=True, validate=validate.Length(min=2, max=1000))
    correction = fields.Nested(AppealCorrectionIn, allow_none=True, load_default=None,
                               metadata={"description": "required when upheld"})


class DecisionOut(Schema):
    upheld = fields.Boolean()
    reason = fields.String()
    correction = fields.String(allow_none=True)
    record_kind = fields.String(allow_none=True)
    record_id = fields.Integer(allow_none=True)
    metric = fields.String(allow_none=True)
    community_id = fields.Integer(allow_none=True)
    new_value = fields.Decimal(allow_none=True, as_string=True)
    correction_run_id = fields.Integer(allow_none=True)
    decided_at = fields.DateTime()


class RecordVoidIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))


class RecordCorrectionIn(Schema):
    """The values to change (any of them, as the record's kind has them) and why."""
    reason = fields.String(required=True, validate=validate.Length(min=2, max=500))
    inspected_on = fields.Date()
    occurred_on = fields.Date()
    rectified_on = fields.Date(allow_none=True)
    year = fields.Integer(strict=True, validate=validate.Range(min=2000, max=2100))
    score = fields.Decimal(places=2, validate=_score_range, metadata={"minimum": 0, "maximum": 100})
    authority = fields.String(validate=validate.OneOf(["street", "district", "city"]))
    reference = fields.String(validate=validate.Length(min=1, max=100))
    note = fields.String(validate=validate.Length(max=500))
    comment = fields.String(validate=validate.Length(max=500))


class RecordOut(Schema):
    id = fields.Integer()
    correction_reason = fields.String(allow_none=True)
    voided_at = fields.DateTime(allow_none=True)
    void_reason = fields.String(allow_none=True)


class AppealOut(Schema):
    id = fields.Integer()
    run_id = fields.Integer()
    company_tenant_id = fields.Integer(attribute="tenant_id")
    indicator_id = fields.String()
    explanation = fields.String()
    attachment_name = fields.String(allow_none=True)
    filed_at = fields.DateTime()
    decision = fields.Nested(DecisionOut, allow_none=True)
