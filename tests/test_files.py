"""Uploaded files: checked by their bytes, kept per tenant, served only to their tenant."""
import pytest

from red_property.core.errors import InputError
from red_property.core.files import StoredFile, store_file
from red_property.core.tenancy import tenant_scope
from red_property.extensions import db
from tests.conftest import csrf_token
from tests.factories import PASSWORD

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _store(app, tenant_id, data=PNG, name="现场照片.png"):
    with app.app_context(), tenant_scope(db.session, tenant_id) as s:
        row = store_file(s, purpose="evidence", filename=name, data=data)
        s.commit()
        return row.id


def test_a_file_is_served_to_its_tenant_only(app, client, web, api, world):
    file_id = _store(app, world.b)
    web.login("b-admin@test.cn")
    with client.get(f"/company-b/files/{file_id}") as response:
        assert response.status_code == 200 and response.data == PNG and response.mimetype == "image/png"
    # a browser session of company B does not change whom a token login finds
    token_b, token_a = api.token("b-admin@test.cn"), api.token("a-admin@test.cn")
    with api.get(f"/api/v1/files/{file_id}", token_b) as response:
        assert response.data == PNG
    assert api.get(f"/api/v1/files/{file_id}", token_a).status_code == 404
    other = app.test_client()
    token = csrf_token(other.get("/login").get_data(as_text=True))
    other.post("/login", data={"email": "a-admin@test.cn", "password": PASSWORD, "csrf_token": token})
    assert other.get(f"/company-a/files/{file_id}").status_code == 404


@pytest.mark.parametrize("data, message", [(b"", "空"), (b"GIF89a....", "PDF、PNG 或 JPEG"),
                                           (PNG + b"\0" * (10 * 1024 * 1024), "10 MB")])
def test_bad_files_are_refused_on_their_field_and_nothing_is_kept(app, world, data, message):
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        with pytest.raises(InputError, match=message) as caught:
            store_file(s, purpose="evidence", filename="x", data=data, field="photo")
        assert caught.value.field == "photo"
        s.rollback()
        assert s.query(StoredFile).count() == 0


def test_the_original_name_is_kept_without_its_path(app, world):
    file_id = _store(app, world.a, name="C:\\Users\\张三\\..\\合同.png")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        assert s.get(StoredFile, file_id).name == "合同.png"


@pytest.mark.parametrize("uploaded_as, kept_as", [
    ("合同\u202egnp.exe", "合同gnp.exe.png"),            # RTL override hid the real suffix
    ("a\r\nX-Injected: 1.png", "a X-Injected_ 1.png"),  # would end the download header
    ("..\\..\\etc/passwd", "passwd.png"),
    ("照片\u200b\x00\x1b[31m.png", "照片[31m.png"),
    ("page.html", "page.html.png"),                    # the suffix always matches the bytes
    ("..", "stored.png"),
    ("长" * 300 + ".png", "长" * 196 + ".png"),
])
def test_uploaded_names_are_cleaned(uploaded_as, kept_as):
    from red_property.core.files import original_name

    assert original_name(uploaded_as, "stored", "image/png") == kept_as


def test_a_download_names_the_file_in_rfc5987_form_whatever_it_was_called(app, client, web, api, world):
    from red_property.core.files import StoredFile

    file_id = _store(app, world.a, name="现场照片.png")
    with app.app_context(), tenant_scope(db.session, world.a) as s:
        s.get(StoredFile, file_id).name = '旧"名\r\n字.png'  # a row stored before names were cleaned
        s.commit()
    web.login("a-admin@test.cn")
    with client.get(f"/company-a/files/{file_id}") as response:
        assert response.status_code == 200
        disposition = response.headers["Content-Disposition"]
    assert disposition == ("inline; filename=\"download.png\"; "
                           "filename*=UTF-8''%E6%97%A7_%E5%90%8D%20%E5%AD%97.png")
    with api.get(f"/api/v1/files/{file_id}", api.token("a-admin@test.cn")) as response:
        assert response.headers["Content-Disposition"].startswith('attachment; filename="download.png"; ')


def test_content_disposition_never_carries_a_parameter_or_header_of_the_name():
    from red_property.core.files import content_disposition

    value = content_disposition('x"; filename="evil.exe\r\nSet-Cookie: a=b', attachment=False)
    assert "\r" not in value and "\n" not in value
    assert value.count('"') == 2 and value.count(";") == 2
    assert content_disposition("2026年第1期.xlsx") == ("attachment; filename=\"2026_1.xlsx\"; "
                                                    "filename*=UTF-8''2026%E5%B9%B4%E7%AC%AC1%E6%9C%9F.xlsx")
