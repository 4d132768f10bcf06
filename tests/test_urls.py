"""Requested redirect targets (``?next=``) stay on this site, on login and on the language switch."""
import pytest

from red_property.core.urls import local_path
from tests.conftest import csrf_token

OFF_SITE = ["//evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "/\t/evil.example",
            "/\n/evil.example", "/\x00/x", "/ /evil.example", "https://evil.example", "javascript:alert(1)",
            "java\tscript:alert(1)", "evil.example", "/" + "a" * 3000, "", None]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_or_odd_targets_are_refused(target):
    assert local_path(target) is None


@pytest.mark.parametrize("target", ["/", "/company-a/", "/company-a/demands?status=open#top", "/a/b:c"])
def test_paths_on_this_site_are_kept(target):
    assert local_path(target) == target


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "/\\/evil.example"])
def test_language_switch_goes_home_instead(client, target):
    location = client.get("/lang/en", query_string={"next": target}).headers["Location"]
    assert location == "/"


@pytest.mark.parametrize("target", ["/\\evil.example", "/\t/evil.example", "https:evil.example"])
def test_login_goes_home_instead(client, world, target):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", query_string={"next": target},
                           data={"email": "a-admin@test.cn", "password": "correct horse battery",
                                 "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/company-a/"


def test_login_follows_a_local_next(client, world):
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", query_string={"next": "/company-a/communities"},
                           data={"email": "a-admin@test.cn", "password": "correct horse battery",
                                 "csrf_token": token})
    assert response.headers["Location"] == "/company-a/communities"
