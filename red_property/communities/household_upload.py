"""One entry point for a household file from the API or the web page.

Checks the whole file first (nothing is written if any row is bad), then
imports small files at once and hands large ones to a job with progress.
"""
from __future__ import annotations

import secrets

from sqlalchemy.orm import Session

from red_property.communities.imports import check_rows, read_table
from red_property.communities.services import NotManaged, import_households, managed_now
from red_property.core import clock
from red_property.core.exports import tenant_dir
from red_property.core.jobs import JobContext, JobRecord, enqueue, job
from red_property.core.tenancy import current_tenant_id

INLINE_ROWS = 500
MAX_BYTES = 10 * 1024 * 1024


def upload_households(session: Session, community_id: int, filename: str, data: bytes) -> dict | JobRecord:
    """Returns the import report, or the job record for a large file.

    Raises ``ImportRejected`` (with every bad row) or ``NotManaged``.
    """
    from red_property.communities.imports import ImportRejected, RowError

    if len(data) > MAX_BYTES:
        raise ImportRejected([RowError(0, "文件", "文件不能超过 10 MB")])
    rows = check_rows(read_table(filename, data))
    today = clock.today()
    if not managed_now(session, community_id, today):
        raise NotManaged("只能为本企业当前在管的小区导入住户")
    if len(rows) <= INLINE_ROWS:
        return import_households(session, community_id, rows, on=today)
    stored = f"{secrets.token_hex(16)}.upload"
    folder = tenant_dir(current_tenant_id(session)) / "imports"
    folder.mkdir(exist_ok=True)
    (folder / stored).write_bytes(data)
    return enqueue(session, "communities.import_households", community_id=community_id, stored=stored,
                   filename=filename[:200])


@job("communities.import_households")
def import_households_job(ctx: JobContext, community_id: int, stored: str, filename: str) -> dict:
    """Import a checked household file; safe to run again (it updates, never duplicates)."""
    path = tenant_dir(ctx.tenant_id) / "imports" / stored
    ctx.progress(5, "读取文件")
    rows = check_rows(read_table(filename, path.read_bytes()))
    ctx.progress(50, f"{len(rows)} 行已校验，正在写入")
    report = import_households(ctx.session, community_id, rows, on=clock.today(),
                               progress=lambda percent: ctx.progress(percent, "正在写入"))
    path.unlink(missing_ok=True)
    return report
