"""Configuration refuses to run production unsafely."""
import pytest

from red_property.config import ConfigError, database_url, load_config

GOOD = {"RED_PROPERTY_ENV": "production", "SECRET_KEY": "k" * 40,
        "DATABASE_URL": "postgresql://app@db/red", "REDIS_URL": "redis://localhost:6379/0"}


@pytest.mark.parametrize("change, message", [
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"SECRET_KEY": "short"}, "SECRET_KEY"),
    ({"SECRET_KEY": "dev-only-not-secret"}, "SECRET_KEY"),
    ({"DATABASE_URL": "sqlite:///x.db"}, "PostgreSQL"),
    ({"REDIS_URL": ""}, "REDIS_URL"),
])
def test_production_refuses_unsafe_settings(monkeypatch, tmp_path, change, message):
    for key, value in {**GOOD, **change}.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match=message):
        load_config(str(tmp_path))


def test_production_with_real_settings(monkeypatch, tmp_path):
    for key, value in GOOD.items():
        monkeypatch.setenv(key, value)
    cfg = load_config(str(tmp_path))
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["FORCE_HTTPS"]
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db/red"
    assert cfg["RATELIMIT_STORAGE_URI"] == "redis://localhost:6379/0"


def test_development_defaults_are_embedded(monkeypatch, tmp_path):
    for key in ("RED_PROPERTY_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    cfg = load_config(str(tmp_path))
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///") and cfg["REDIS_URL"] is None
    assert database_url("postgres://x@y/z") == "postgresql+psycopg://x@y/z"
