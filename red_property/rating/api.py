"""Rating API: ``/api/v1/rating``.  The bureau runs ratings; a company reads its published results."""
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from sqlalchemy import select

from red_property.core.errors import InputError
from red_property.core.schemas import CreatedOut, page_of, page_schema
from red_property.core.visibility import visible_or_404
from red_property.extensions import db
from red_property.rating import records
from red_property.rating.appeals import appeals_of_run, decide_appeal, file_appeal
from red_property.core.tenancy import current_tenant_id
from red_property.rating.model import ModelError, parse_model
from red_property.rating.models import Appeal, ModelVersion, RatingRun
from red_property.rating.presenters import result_rows
from red_property.rating.runs import RunError, correct_run, discard_run, publish_run, rerun, start_run, sync_run_status
from red_property.rating.schemas import (AppealIn, AppealOut, CorrectionIn, DecisionIn, DecisionOut, EventIn, InspectionIn, ModelPreviewIn,
                                         ModelPreviewOut, ModelVersionDetail, ModelVersionIn, ModelVersionOut, OpinionIn, RecordCorrectionIn, RecordOut,
                                         RecordVoidIn, ResultOut, RunIn,
                                         RunListArgs, RunOut)
from red_property.rating.preview import check_preview_token, preview_model, preview_token
from red_property.rating.versions import latest_version, parsed, save_version
from red_property.tenants.access import for_kinds
from red_property.tenants.models import TenantKind

blp = Blueprint("Rating", __name__, url_prefix="/api/v1/rating",
                description="信用评价: the bureau's model, inputs and runs; companies read their published results")
BUREAU, COMPANY = TenantKind.BUREAU, TenantKind.COMPANY
BUREAU_ONLY = [for_kinds(BUREAU)]
BUREAU_AND_COMPANIES = [for_kinds(BUREAU, COMPANY)]
RunPage = page_schema(RunOut, "RatingRunPage")


def _run(run_id: int) -> RatingRun:
    run = db.session.get(RatingRun, run_id)
    if run is None:
        abort(404, message="评价不存在 (rating run not found)")
    return run


@blp.route("/models")
class Models(MethodView):
    decorators = BUREAU_ONLY

    @blp.response(200, ModelVersionOut(many=True))
    def get(self):
        """List the versions of the bureau's rating model."""
        return db.session.scalars(select(ModelVersion).order_by(ModelVersion.version.desc())).all()

    @blp.arguments(ModelVersionIn)
    @blp.response(201, ModelVersionDetail)
    def post(self, data):
        """Save a previewed text as the next model version.

        As on the model editor page, only a text whose grade changes were
        previewed is saved: send the `preview_digest` that
        `POST /api/v1/rating/models/preview` returned for this very `source`.
        Refused (422): an invalid model, with each problem and its line, on
        `source`; a missing digest, or one of another text or of a version
        that has since been superseded, on `preview_digest`.
        """
        source = _source(data)
        _parse(source)
        version = latest_version(db.session)
        check_preview_token(current_app.config["SECRET_KEY"], current_tenant_id(db.session),
                            version.version if version else 0, source, data["preview_digest"])
        return save_version(db.session, source, data["note"])


def _source(data) -> str:
    return data["source"].replace("\r\n", "\n")   # as the editor page keeps it


def _parse(source: str):
    try:
        return parse_model(source)
    except ModelError as exc:
        abort(422, errors={"json": {"source": [str(issue) for issue in exc.issues]}})


@blp.route("/models/preview")
class ModelPreview(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(ModelPreviewIn)
    @blp.response(200, ModelPreviewOut)
    def post(self, data):
        """Preview an edited model: which companies' grades would change.

        The latest run's companies are graded under the model in force and
        under `source`, on the same inputs (the companies' records are read
        through the audited cross-tenant path, as a run reads them).  Nothing
        is saved; the answer's `preview_digest` lets `POST /api/v1/rating/models`
        save this very text while no other version is saved in between.
        An invalid model is refused (422) with each problem and its line.
        """
        source = _source(data)
        edited = _parse(source)
        version = latest_version(db.session)
        base, current = (version.version, parsed(version)) if version else (0, edited)
        token = preview_token(current_app.config["SECRET_KEY"], current_tenant_id(db.session), base, source)
        preview = preview_model(db.session, current, edited)
        run = preview.run
        return {"base_version": base, "preview_digest": token, "run_id": run.id if run else None,
                "as_of": run.as_of if run else None, "companies": preview.companies,
                "changes": [vars(c) for c in preview.changes],
                "counts": [{"grade": g, "before": was, "after": will} for g, was, will in preview.counts]}


@blp.route("/models/<int:version_id>")
class ModelResource(MethodView):
    decorators = BUREAU_ONLY

    @blp.response(200, ModelVersionDetail)
    def get(self, version_id):
        """One model version with its source."""
        version = db.session.get(ModelVersion, version_id)
        if version is None:
            abort(404, message="模型版本不存在 (model version not found)")
        return version


@blp.route("/events")
class Events(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(EventIn)
    @blp.response(201, CreatedOut)
    def post(self, data):
        """Record an award, model site, penalty, upheld complaint or failed inspection."""
        return records.add_event(db.session, data)


@blp.route("/inspections")
class Inspections(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(InspectionIn)
    @blp.response(201, CreatedOut)
    def post(self, data):
        """Record an inspection of a company's service in a community (score 0-100)."""
        return records.add_inspection(db.session, data)


@blp.route("/opinions")
class Opinions(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(OpinionIn)
    @blp.response(201, CreatedOut)
    def post(self, data):
        """Record a community party branch's opinion of its company for a year."""
        return records.add_opinion(db.session, data)


def _record_kind(kind: str, input_id: int) -> str:
    """The kind, once the caller's own record of it is found (else 404)."""
    try:
        records.get_record(db.session, kind, input_id)
    except InputError:
        abort(404, message="记录不存在 (record not found)")
    return kind


@blp.route("/records/<kind>/<int:input_id>/correction")
class RecordCorrection(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(RecordCorrectionIn)
    @blp.response(200, RecordOut)
    def post(self, data, kind, input_id):
        """Correct one of the bureau's records (inspection, opinion, event) with a reason; the audit log keeps
        the previous values.  Fields the kind does not have are refused."""
        kind = _record_kind(kind, input_id)
        reason = data.pop("reason")
        extra = sorted(set(data) - set(records.EDITABLE[kind]))
        if extra:
            abort(422, errors={"json": {extra[0]: ["该类记录没有这个字段"]}})
        return records.correct_record(db.session, kind, input_id, data, reason)


@blp.route("/records/<kind>/<int:input_id>/void")
class RecordVoid(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(RecordVoidIn)
    @blp.response(200, RecordOut)
    def post(self, data, kind, input_id):
        """Void one of the bureau's records with a reason: it stays listed and no longer counts in ratings."""
        return records.void_record(db.session, _record_kind(kind, input_id), input_id, data["reason"])


@blp.route("/runs")
class Runs(MethodView):
    decorators = BUREAU_AND_COMPANIES

    @blp.arguments(RunListArgs, location="query")
    @blp.response(200, RunPage)
    def get(self, args):
        """Rating runs: all of them for the bureau, the published ones for a company."""
        return page_of(db.session, select(RatingRun), args, RatingRun.id.desc())

    @for_kinds(BUREAU)  # listing is for both; starting a run is the bureau's (checked before parsing)
    @blp.arguments(RunIn)
    @blp.response(202, RunOut)
    def post(self, data):
        """Start a rating run of every company for a period; poll its job for progress."""
        try:
            return start_run(db.session, period=data["period"], as_of=data["as_of"])
        except RunError as exc:
            abort(409, message=str(exc))


@blp.route("/runs/<int:run_id>")
class RunResource(MethodView):
    decorators = BUREAU_AND_COMPANIES

    @blp.response(200, RunOut)
    def get(self, run_id):
        """One rating run (a draft whose job died is shown failed)."""
        return sync_run_status(db.session, _run(run_id))

    @for_kinds(BUREAU)
    @blp.response(204)
    def delete(self, run_id):
        """Discard an unpublished run and its results (audited); a published run, or one still being
        computed, is refused with 409."""
        try:
            discard_run(db.session, _run(run_id))
        except RunError as exc:
            abort(409, message=str(exc))


@blp.route("/runs/<int:run_id>/rerun")
class Rerun(MethodView):
    decorators = BUREAU_ONLY

    @blp.response(202, RunOut)
    def post(self, run_id):
        """Run a failed draft again; poll its new job for progress."""
        try:
            return rerun(db.session, _run(run_id))
        except RunError as exc:
            abort(409, message=str(exc))


@blp.route("/runs/<int:run_id>/publish")
class Publish(MethodView):
    decorators = BUREAU_ONLY

    @blp.response(200, RunOut)
    def post(self, run_id):
        """Publish a finished run; it never changes afterwards."""
        try:
            return publish_run(db.session, _run(run_id))
        except RunError as exc:
            abort(409, message=str(exc))


@blp.route("/runs/<int:run_id>/corrections")
class Corrections(MethodView):
    decorators = BUREAU_ONLY

    @blp.arguments(CorrectionIn)
    @blp.response(202, RunOut)
    def post(self, data, run_id):
        """Correct a published run: a new run with a reason; both stay visible."""
        try:
            return correct_run(db.session, _run(run_id), data["reason"])
        except RunError as exc:
            abort(409, message=str(exc))


@blp.route("/runs/<int:run_id>/results")
class Results(MethodView):
    decorators = BUREAU_AND_COMPANIES

    @blp.response(200, ResultOut(many=True))
    def get(self, run_id):
        """Scores, grades, ranks and breakdowns: every company for the bureau, its own for a company."""
        return result_rows(db.session, _run(run_id))


@blp.route("/runs/<int:run_id>/appeals")
class RunAppeals(MethodView):
    decorators = [visible_or_404(RatingRun, "run_id")] + BUREAU_AND_COMPANIES

    @blp.response(200, AppealOut(many=True))
    def get(self, run_id):
        """Appeals on a run: all of them for the bureau, its own for a company."""
        return [{**_appeal_fields(a), "decision": d} for a, d in appeals_of_run(db.session, _run(run_id))]

    @for_kinds(COMPANY)  # before the body is parsed: the bureau reads appeals, never files one
    @blp.arguments(AppealIn)
    @blp.response(201, AppealOut)
    def post(self, data, run_id):
        """A company appeals one indicator of its published result, within the window."""
        appeal = file_appeal(db.session, _run(run_id), **data)
        return {**_appeal_fields(appeal), "decision": None}


@blp.route("/appeals/<int:appeal_id>/decision")
class AppealDecisionResource(MethodView):
    decorators = [visible_or_404(Appeal, "appeal_id")] + BUREAU_ONLY

    @blp.arguments(DecisionIn)
    @blp.response(201, DecisionOut)
    def post(self, data, appeal_id):
        """Uphold (starts a correction run) or reject an appeal, with a reason."""
        appeal = db.session.get(Appeal, appeal_id)
        if appeal is None:
            abort(404, message="申诉不存在 (appeal not found)")
        return decide_appeal(db.session, appeal, **data)


def _appeal_fields(appeal: Appeal) -> dict:
    return {k: getattr(appeal, k) for k in ("id", "run_id", "tenant_id", "indicator_id", "explanation",
                                             "attachment_name", "filed_at")}
