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
