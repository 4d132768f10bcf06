"""The tenant's home page, the audit log and job pages."""
import functools
import json

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from red_property.accounts.models import Role, User
from red_property.communities.models import Community
from red_property.communities.services import bureau_register_stats, register_stats
from red_property.core import clock
from red_property.core import home as home_tasks
from red_property.core.audit import AuditEntry
from red_property.core.confirm import irreversible
from red_property.core.audit_labels import ACTIONS, Code, changes
from red_property.core.exports import send_export
from red_property.core.files import StoredFile, send_stored_file
from red_property.core.job_links import has_download, made_by
from red_property.core.jobs import DONE, FAILED, QUEUED, RUNNING, JobRecord, enqueue, reconcile
from red_property.core.model import Base
from red_property.core.urls import query_int
from red_property.extensions import db
from red_property.tenants.models import TenantKind

bp = Blueprint("core", __name__)
bp.add_app_template_global(irreversible, "irreversible")

# What the user reads for a job's status and name; the raw values stay in the JSON for scripts.
JOB_STATUSES = {QUEUED: _l("排队中"), RUNNING: _l("进行中"), DONE: _l("已完成"), FAILED: _l("失败")}
JOB_NAMES = {"communities.export_register": _l("导出小区名册"), "communities.import_households": _l("导入住户"),
             "fees.bill_run": _l("生成账单"), "fees.render_invoices": _l("生成缴费通知单 PDF"), "fees.arrears_notices": _l("生成催缴通知书"),
             "rating.execute_run": _l("计算信用评价"), "demands.flag_overdue": _l("标记超期诉求"),
             "onboarding.import_register": _l("导入小区登记簿"), "onboarding.import_directory": _l("导入企业名录"),
             "onboarding.import_contracts": _l("导入物业服务合同"), "notifications.send_mail": _l("发送通知邮件"),
             "notifications.statement_due": _l("检查待发布的收支公示")}


@bp.app_template_filter("job_status")
def job_status_label(status: str) -> str:
    return str(JOB_STATUSES.get(status, status))


@bp.app_template_filter("job_name")
def job_name_label(name: str) -> str:
    return str(JOB_NAMES.get(name, name))


AUDIT_PAGE = 50
AUDIT_ACTIONS = {"create": _l("新增"), "update": _l("修改"), "delete": _l("删除"), "login": _l("登录"),
                 "publish": _l("发布"), "discard": _l("放弃"), "issue": _l("开票"), "import": _l("导入"), "record": _l("入账"),
                 "cast": _l("投票"), "cross_tenant_read": _l("跨租户查阅"),
                 "accept_invitation": _l("接受邀请"), "create_tenant": _l("开通账户"),
                 "invite_admin": _l("邀请首位管理员")}


@bp.app_template_filter("readable_json")
def readable_json(value) -> str:
    """JSON with Chinese left as it is (``tojson`` writes \\u4e66\\u8bb0); the template escapes it."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.home"))
    return redirect(url_for("accounts.login"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for this before reading the page's icon link."""
    return current_app.send_static_file("favicon.svg")


@bp.route("/<slug:tenant_slug>/")
@login_required
def home():
    """The tenant's home page."""
    jobs = db.session.scalars(select(JobRecord).where(JobRecord.created_by == current_user.id)
                              .order_by(JobRecord.id.desc()).limit(5)).all()
    demands, tasks, kind, today = None, [], current_user.tenant.kind, clock.today()
    if kind == TenantKind.COMMITTEE:
        from red_property.finance.roll import roll_totals

        owners, area = roll_totals(db.session)  # a committee keeps its owners' roll, not buildings
        stats = {"communities": db.session.scalar(select(func.count(Community.id))), "owners": owners,
                 "owner_area": area}
        tasks = home_tasks.committee_tasks(db.session, today)
    elif kind == TenantKind.BUREAU:
        stats = bureau_register_stats(db.session)
        tasks = home_tasks.bureau_tasks(db.session)
    else:
        stats = register_stats(db.session)
    if kind == TenantKind.COMPANY:
        from red_property.demands.queries import overdue_summary

        demands = overdue_summary(db.session, user_id=current_user.id)
        tasks = home_tasks.company_tasks(db.session, today, demands.overdue)
    return render_template("core/home.html", stats=stats, jobs=jobs, demands=demands, tasks=tasks)


@bp.route("/<slug:tenant_slug>/audit")
@login_required
def audit_log():
    """The tenant's audit log, newest first (admins only)."""
    if current_user.role != Role.ADMIN:
        abort(403)
    page = query_int("page", 1, maximum=1_000_000)
    total = db.session.scalar(select(func.count(AuditEntry.id)))
    rows = db.session.execute(
        select(AuditEntry, User.name).outerjoin(User, User.id == AuditEntry.actor_id)
        .order_by(AuditEntry.id.desc()).limit(AUDIT_PAGE).offset((page - 1) * AUDIT_PAGE)
    ).all()
    return render_template("core/audit.html", rows=rows, page=page, actions=ACTIONS, entities=entity_labels(),
                           changes=changes, is_code=lambda v: isinstance(v, Code),
                           pages=max(1, -(-total // AUDIT_PAGE)))


@functools.cache
def entity_labels() -> dict[str, str]:
    """What each table's rows are called (a model's lazy ``__label__``): the audit log's object column."""
    return {mapper.class_.__tablename__: mapper.class_.__label__ for mapper in Base.registry.mappers
            if hasattr(mapper.class_, "__label__")}


def _own_job(job_id: int) -> JobRecord:
    record = db.session.get(JobRecord, job_id)
    if record is None or (record.created_by != current_user.id and current_user.role != Role.ADMIN):
        abort(404)
    return reconcile(record)


@bp.route("/<slug:tenant_slug>/jobs/export-register", methods=["POST"])
@login_required
def start_register_export():
    record = enqueue(db.session, "communities.export_register")
    return redirect(url_for("core.job_page", job_id=record.id))


@bp.route("/<slug:tenant_slug>/jobs/<int:job_id>")
@login_required
def job_page(job_id: int):
    """A job's progress (it refreshes itself while the job runs), then what it made: links, or its file."""
    job = _own_job(job_id)
    return render_template("core/job.html", job=job, links=made_by(job), download=has_download(job))


@bp.route("/<slug:tenant_slug>/jobs/<int:job_id>.json")
@login_required
def job_status(job_id: int):
    """Polled by the job page to move its progress bar."""
    job = _own_job(job_id)
    return jsonify(id=job.id, status=job.status, status_label=job_status_label(job.status), progress=job.progress,
                   message=job.message)


@bp.route("/<slug:tenant_slug>/jobs/<int:job_id>/download")
@login_required
def job_download(job_id: int):
    job = _own_job(job_id)
    if not has_download(job):
        # No file (yet): back to the job's page, which says where its result is, never an error page.
        flash(_("这个任务没有可下载的文件，结果见本页。") if job.status in (DONE, FAILED)
              else _("任务尚未完成，完成后才能下载结果。"), "error")
        return redirect(url_for("core.job_page", job_id=job.id), 303)
    return send_export(job.tenant_id, job.result["file"])


@bp.route("/<slug:tenant_slug>/files/<int:file_id>")
@login_required
def stored_file(file_id: int):
    """An uploaded file of the tenant (evidence, receipt, ...), shown inline."""
    row = db.get_or_404(StoredFile, file_id)
    return send_stored_file(row)
