"""The home page as a task list: what each kind of tenant has to do now.

Each task is a count and a link to the list where it is acted on; the count is
what that list holds (a test reads both).  The queries run in the caller's
tenant scope, so a company only ever sees its own work.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from red_property.core.formatting import money


@dataclass(frozen=True)
class Task:
    key: str            # stable, for tests and the page's data attribute
    label: str
    count: int
    url: str
    detail: str = ""

    @property
    def open(self) -> bool:
        return self.count > 0


def bureau_tasks(session: Session) -> list[Task]:
    """Appeals to decide, runs to publish, companies whose latest rating lacks data."""
    from red_property.rating.appeals import pending_appeals
    from red_property.rating.models import RatingResult, RatingRun
    from red_property.rating.presenters import UNPUBLISHED, has_missing, latest_results_run

    tasks = [Task("appeals", _("待处理的评价申诉"), len(pending_appeals(session)),
                  url_for("rating_appeals.inbox", status="pending")),
             Task("unpublished_runs", _("已算完、待发布的评价"),
                  session.scalar(select(func.count(RatingRun.id)).where(*UNPUBLISHED)) or 0,
                  url_for("rating.index", show="unpublished"))]
    run = latest_results_run(session)
    if run is not None:
        missing = sum(has_missing({"breakdown": b}) for b in
                      session.scalars(select(RatingResult.breakdown).where(RatingResult.run_id == run.id)))
        tasks.append(Task("missing_data", _("缺少数据的企业"), missing, url_for("rating.run", run_id=run.id, missing="1"),
                          _("最近一次评价（%(period)s，截至 %(day)s）", period=run.period, day=run.as_of)))
    return tasks


def company_tasks(session: Session, today: dt.date, overdue_demands: int) -> list[Task]:
    """Overdue demands (``demands.queries.overdue_summary``, which the page shows too), communities owing
    this month's joint meeting, arrears, appeals waiting for an answer."""
    from red_property.fees.reports import arrears_summary
    from red_property.meetings.calendar import missing_this_month
    from red_property.rating.appeals import pending_appeals

    meetings = session.scalar(select(func.count()).select_from(missing_this_month(session, today).subquery())) or 0
    arrears = arrears_summary(session, today)
    return [
        Task("overdue_demands", _("超期未办结的居民诉求"), overdue_demands,
             url_for("demands.index", status="open", overdue="1")),
        Task("missing_meetings", _("本月尚未召开联席会议的小区"), meetings, url_for("meetings.calendar", missing="1")),
        Task("arrears", _("欠费账单"), arrears.bills, url_for("fees.bills", status="overdue"),
             _("%(households)s 户，共 %(amount)s", households=arrears.households, amount=money(arrears.fen))
             if arrears.bills else ""),
        Task("open_appeals", _("等待主管部门答复的申诉"), len(pending_appeals(session)),
             url_for("rating.index", _anchor="appeals")),
    ]


def committee_tasks(session: Session, today: dt.date) -> list[Task]:
    """Statements owed to the owners and votes under way."""
    from red_property.finance.statements import statements_due
    from red_property.votes.models import Vote, VoteStatus

    due = statements_due(session, today)
    return [
        Task("statements_due", _("待公示的收支报告"), len(due), url_for("finance_statements.index"), "、".join(due)),
        Task("open_votes", _("表决中的事项"),
             session.scalar(select(func.count(Vote.id)).where(Vote.status == VoteStatus.OPEN)) or 0,
             url_for("votes.index", status="open")),
    ]
