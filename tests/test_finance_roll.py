"""The owners' roll: CSV/XLSX import with every bad row named and nothing written, adding and removing owners."""
import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from red_property.core.errors import InputError
from red_property.finance.models import Owner
from red_property.finance.roll import add_owner, remove_owner, roll_order
from tests.conftest import csrf_token
from tests.test_household_import import csv_file, xlsx_file
from tests.factories_finance import EMAIL, committee_scope

HEADER = "楼栋,单元,室,业主姓名,建筑面积"
GOOD = "\n".join([HEADER, "1栋,1,101,王伟,88.50", "1栋,1,102,李娜,92", "2栋,2,1201,张敏,120.25"])


def upload(api, token, file):
    return api.post("/api/v1/finance/owners/import", token, data={"file": file}, content_type="multipart/form-data")


def owners(app, world) -> int:
    with committee_scope(app, world) as s:
        return s.scalar(select(func.count(Owner.id)))


def test_csv_and_xlsx_import_and_a_second_import_updates(api, app, world):
    token = api.token(EMAIL)
    first = upload(api, token, csv_file(GOOD))
    assert first.status_code == 200 and first.get_json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0}
    again = upload(api, token, csv_file(GOOD.replace("李娜", "李娜娜").replace("120.25", "121")))
    assert again.get_json() == {"rows": 3, "created": 0, "updated": 2, "unchanged": 1}
    sheet = upload(api, token, xlsx_file([HEADER.split(","), ["3栋", 1, 301, "赵雪梅", 75.5]]))
    assert sheet.get_json()["created"] == 1
    gbk = upload(api, token, csv_file(HEADER + "\n9栋,1,101,孙建华,60", "gb18030"))
    assert gbk.status_code == 200 and owners(app, world) == 5


@pytest.mark.parametrize("line, column, words", [
    ("5栋,1,101,王伟,八十", "建筑面积", "不是数字"),
    ("5栋,1,101,王伟,0", "建筑面积", "大于 0"),
    ("5栋,1,101,王伟,10001", "建筑面积", "不超过"),
    ("5栋,1,101,王伟,88.555", "建筑面积", "两位小数"),
    ("5栋,1,,王伟,88", "室", "不能为空"),
    ("5栋,,101,王伟,88", "单元", "不能为空"),
    (",1,101,王伟,88", "楼栋", "不能为空"),
    ("5栋,1,101,,88", "业主姓名", "不能为空"),
    ("5栋,1,101,王伟,", "建筑面积", "不能为空"),
    ("5栋,1,101," + "长" * 51 + ",88", "业主姓名", "不能超过"),
    ("5栋,1,12345678901,王伟,88", "室", "不能超过"),
    ("5栋,1,100,重复,88", "室", "与第 2 行重复"),
])
def test_each_bad_row_is_named_and_nothing_is_written(api, app, world, line, column, words):
    token = api.token(EMAIL)
    response = upload(api, token, csv_file("\n".join([HEADER, "5栋,1,100,好人,80", line])))
    assert response.status_code == 422
    error = response.get_json()["errors"]["rows"][0]
    assert (error["row"], error["column"]) == (3, column) and words in error["message"]
    assert owners(app, world) == 0  # the good row 2 was not written either


def test_every_bad_row_is_listed_and_header_problems_come_first(api, world):
    token = api.token(EMAIL)
    many = upload(api, token, csv_file("\n".join([HEADER, "1栋,1,101,甲,x", "1栋,1,102,,80", "1栋,1,103,丙,-1"])))
    assert [(e["row"], e["column"]) for e in many.get_json()["errors"]["rows"]] == [
        (2, "建筑面积"), (3, "业主姓名"), (4, "建筑面积")]
    header = upload(api, token, csv_file("楼栋,单元,室,姓名,建筑面积,楼栋\n1栋,1,1,x,1"))
    assert {(e["row"], e["column"]) for e in header.get_json()["errors"]["rows"]} == {
        (1, "姓名"), (1, "楼栋"), (1, "业主姓名")}
    for bad in (csv_file(""), (io.BytesIO(b"\x00\x01" * 50), "x.bin"), (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx")):
        response = upload(api, token, bad)
        assert response.status_code == 422 and response.get_json()["errors"]["rows"][0]["column"] == "文件"
    assert api.post("/api/v1/finance/owners/import", token, data={}, content_type="multipart/form-data"
                    ).status_code == 422


def test_the_roll_page_lists_bad_rows_and_imports_good_files(client, web, app, world):
    web.login(EMAIL)
    page = "/committee-x/finance/owners"
    token = csrf_token(client.get(page).get_data(as_text=True))
    bad = client.post(page + "/import", data={"file": csv_file(HEADER + "\n1栋,1,101,甲,abc"), "csrf_token": token},
                      content_type="multipart/form-data")
    assert bad.status_code == 422
    body = bad.get_data(as_text=True)
    assert "未导入任何数据" in body and "不是数字" in body and owners(app, world) == 0
    missing = client.post(page + "/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert missing.status_code == 400 and 'data-field="file"' in missing.get_data(as_text=True)
    ok = client.post(page + "/import", data={"file": csv_file(GOOD), "csrf_token": token},
                     content_type="multipart/form-data")
    assert ok.status_code == 302 and "导入完成" in client.get(page).get_data(as_text=True)


def test_adding_and_removing_one_owner(app, world):
    with committee_scope(app, world) as s:
        owner = add_owner(s, building=" 1栋 ", unit="1", room="101", name="王伟", floor_area=Decimal("88.50"))
        assert owner.building == "1栋"
        for values, field in (({"room": "101"}, "room"), ({"name": " "}, "name"), ({"unit": "x" * 11}, "unit"),
                              ({"floor_area": Decimal("0")}, "floor_area"),
                              ({"floor_area": Decimal("1.005")}, "floor_area"),
                              ({"floor_area": Decimal("NaN")}, "floor_area")):
            with pytest.raises(InputError) as error:
                add_owner(s, **{"building": "1栋", "unit": "1", "room": "102", "name": "李娜",
                                "floor_area": Decimal("90"), **values})
            assert error.value.field == field
        remove_owner(s, owner)
        assert s.scalar(select(func.count(Owner.id))) == 0


def test_roll_order_is_natural():
    addresses = [("10栋", "1", "101"), ("2栋", "1", "1201"), ("2栋", "1", "301"), ("2栋", "2", "101")]
    ordered = sorted(addresses, key=lambda a: roll_order(*a, 0))
    assert ordered == [("2栋", "1", "301"), ("2栋", "1", "1201"), ("2栋", "2", "101"), ("10栋", "1", "101")]


def test_two_owners_added_for_one_unit_at_the_same_moment_get_a_field_error(app, world, monkeypatch):
    """The check before the insert can lose a race; the unique constraint then decides, on the room field."""
    with committee_scope(app, world) as s:
        add_owner(s, building="1栋", unit="1", room="101", name="王伟", floor_area=Decimal("88.50"))
        monkeypatch.setattr(s, "scalar", lambda *args, **kwargs: None)  # the other request's check ran first
        with pytest.raises(InputError) as error:
            add_owner(s, building="1栋", unit="1", room="101", name="李娜", floor_area=Decimal("90"))
        assert error.value.field == "room"
        monkeypatch.undo()
        assert s.scalar(select(func.count(Owner.id))) == 1


def test_an_import_racing_a_hand_entry_is_refused_whole(app, world, monkeypatch):
    from red_property.core.table_import import ImportRejected
    from red_property.finance import roll

    with committee_scope(app, world) as s:
        monkeypatch.setattr(s, "scalars", lambda *args, **kwargs: [])  # read the roll before the other insert
        add_owner(s, building="1栋", unit="1", room="101", name="王伟", floor_area=Decimal("88.50"))
        with pytest.raises(ImportRejected):
            roll.import_roll(s, "roll.csv", GOOD.encode())
        monkeypatch.undo()
        assert s.scalar(select(func.count(Owner.id))) == 1
