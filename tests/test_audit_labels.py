"""Issue 13: the audit log shows fields and actions in words, times on the Beijing clock, and its
time and who columns do not wrap."""
import re

from sqlalchemy import select

from red_property.communities.models import Community
from red_property.core.audit import AuditEntry
from red_property.core.audit_labels import FIELDS, Code, changes, shown
from red_property.core.model import Base
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db


def test_every_column_the_log_can_show_has_words(app):   # app: every domain's models loaded
    columns = {c.key for mapper in Base.registry.mappers for c in mapper.column_attrs}
    assert columns - set(FIELDS) == set()


def test_stored_instants_read_in_beijing_time_and_other_values_as_they_are(app):
    with app.test_request_context("/"):
        assert shown("2026-12-01T17:30:00+00:00") == "2026-12-02 01:30:00"
        assert shown("2026-12-01") == "2026-12-01" and shown(True) == "是" and shown(None) == "—"
        assert shown({"share": 0.8127779853839043, "met": True}) == '{"met": true, "share": "81.3%"}'   # no raw ratio
        assert changes({"name": "旧名"}, {"name": "新名"}) == [("名称", "旧名", "新名")]
        assert changes({"status": "queued"}, {"status": "running"}) == [("状态", "排队中", "计算中")]
        assert isinstance(changes(None, {"kind": "residential"})[0][2], Code)   # a code without words: marked


def test_the_log_names_fields_in_words_in_both_languages(app, client, web, world):
    with app.app_context(), tenant_scope(db.session, world.bureau) as s:
        community = s.get(Community, world.community_a)
        community.name, community.household_count, community.district = "甲一新村", 321, "jinjiang"
        s.commit()
        at = s.scalar(select(AuditEntry.at).order_by(AuditEntry.id.desc()))
    web.login("bureau-admin@test.cn")
    page = client.get("/bureau/audit").get_data(as_text=True)
    before, after = page.split("甲一新村", 1)
    row = before.rsplit("<tr>", 1)[1] + after.split("</tr>", 1)[0]
    assert "<dt>名称</dt>" in row and "<dt>户数</dt>" in row and "household_count" not in page
    assert "<code>jinjiang</code>" in row
    assert '<td class="nowrap" data-label="时间">' in row and '<td class="nowrap" data-label="操作人">' in row
    from red_property.core import clock

    assert clock.local(at).strftime("%Y-%m-%d %H:%M:%S") in row
    assert re.search(r'<table class="audit stack">', page)
    english = client.get("/bureau/audit?lang=en").get_data(as_text=True)
    assert "<dt>Name</dt>" in english and "<dt>Households</dt>" in english and "Edit" in english
