"""Job status API: a user sees the jobs they started (and a tenant admin sees all of the tenant's)."""
from flask.views import MethodView
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields

from red_property.accounts.edge import actor
from red_property.core.exports import send_export
from red_property.core.jobs import DONE, JobRecord, enqueue, reconcile
from red_property.extensions import db

blp = Blueprint("Jobs", __name__, url_prefix="/api/v1/jobs", description="Background jobs")


class JobOut(Schema):
    id = fields.Integer()
    name = fields.String()
    status = fields.String()
    progress = fields.Integer()
    message = fields.String(allow_none=True)
    result = fields.Dict(allow_none=True)
    created_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)


def visible_job(job_id: int) -> JobRecord:
    """The job if the current user may see it, else 404."""
    record = db.session.get(JobRecord, job_id)
    user = actor()
    if record is None or (record.created_by != user.id and user.role.value != "admin"):
        abort(404, message="任务不存在 (job not found)")
    return reconcile(record)


@blp.route("/<int:job_id>")
class JobResource(MethodView):
    @blp.response(200, JobOut)
    def get(self, job_id):
        """Status and progress of a job."""
        return visible_job(job_id)


@blp.route("/<int:job_id>/download")
class JobDownload(MethodView):
    @blp.response(200, description="The file the job wrote")
    def get(self, job_id):
        """Download what a finished job produced."""
        record = visible_job(job_id)
        if record.status != DONE or not (record.result or {}).get("file"):
            abort(409, message="任务尚未完成 (job not finished)")
        return send_export(record.tenant_id, record.result["file"])


@blp.route("/exports/community-register")
class RegisterExport(MethodView):
    @blp.response(202, JobOut)
    def post(self):
        """Start a CSV export of the community register; poll the job for progress."""
        return enqueue(db.session, "communities.export_register")
