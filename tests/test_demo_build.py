"""`red-property demo` builds the city whole or not at all, and says what it does."""
from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from red_property.demo import build as demo_build
from red_property.demo.build import DemoFiles


@pytest.fixture
def where(tmp_path):
    return DemoFiles(tmp_path / "red_property.sqlite", tmp_path / "files")


def _database(path, mark: int = 0) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE tenant (slug TEXT)")
        conn.execute(f"PRAGMA user_version = {mark}")
        conn.commit()


def test_a_failed_build_leaves_nothing_to_serve(where):
    def build(config):
        _database(config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
        (where.building_files / "7").mkdir(parents=True)
        raise KeyboardInterrupt    # Ctrl+C half-way

    with pytest.raises(KeyboardInterrupt):
        demo_build.build_sqlite(where, build)
    assert not any(p.exists() for p in (where.database, where.files, where.building_database, where.building_files))


def test_a_finished_build_is_marked_and_moved_into_place(where):
    seen = {}

    def build(config):
        seen.update(config)
        _database(config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))

    demo_build.build_sqlite(where, build)
    assert seen["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{where.building_database}"
    assert seen["FILE_DIR"] == str(where.building_files) and seen["SQLITE_UNDURABLE"]
    assert demo_build.is_complete(where.database) and where.files.is_dir()
    assert not where.building_database.exists()
    said = []
    assert demo_build.prepare(where, reset=False, say=said.append) is True and said == []


def test_leftovers_of_an_interrupted_build_are_discarded_and_said(where):
    _database(where.building_database)
    where.building_files.mkdir()
    said = []
    assert demo_build.prepare(where, reset=False, say=said.append) is False
    assert not where.building_database.exists() and not where.building_files.exists()
    assert "中断" in said[0] and "building again" in said[0]


def test_a_database_without_the_mark_is_set_aside_never_served(where):
    _database(where.database)            # an older version's build that stopped part-way
    where.files.mkdir()
    said = []
    assert demo_build.prepare(where, reset=False, say=said.append) is False
    assert not where.database.exists() and not where.files.exists()
    [aside] = where.database.parent.glob("red_property.sqlite.incomplete-*")
    assert aside.is_file() and "不是完整的演示数据库" in said[0]


def test_reset_removes_a_complete_demo(where):
    _database(where.database, demo_build.COMPLETE_MARK)
    assert demo_build.prepare(where, reset=True, say=print) is False and not where.database.exists()


def test_the_command_prints_the_logins_first_and_rebuilds_after_an_interruption(tmp_path, monkeypatch):
    """The CLI: URL and logins before anything is built; a build that stops leaves nothing; the next run builds."""
    from click.testing import CliRunner

    import red_property.demo.city as city
    from red_property.cli import cli

    monkeypatch.setenv("RED_PROPERTY_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)

    def stops_half_way(session, tenants_dir, progress, **kwargs):
        progress(1, "租户与登录")
        raise RuntimeError("disk full")

    monkeypatch.setattr(city, "build_demo_city", stops_half_way)
    first = CliRunner().invoke(cli, ["demo", "--no-serve"])
    assert isinstance(first.exception, RuntimeError)
    assert first.output.index("company1@demo.test") < first.output.index("[ 1/12] 租户与登录")
    assert "http://127.0.0.1:5000" in first.output.splitlines()[0]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("red_property.sqlite")] == []

    def small_city(session, tenants_dir, progress, **kwargs):
        from red_property.tenants.provisioning import apply_specs, load_specs

        for step in range(1, city.STEPS + 1):
            progress(step, "step")
        apply_specs(session, load_specs(tenants_dir))
        return city.DemoSummary(12, 0, 0, [])

    monkeypatch.setattr(city, "build_demo_city", small_city)
    second = CliRunner().invoke(cli, ["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "[12/12]" in second.output and demo_build.is_complete(tmp_path / "red_property.sqlite")
    third = CliRunner().invoke(cli, ["demo", "--no-serve"])
    assert third.exit_code == 0 and "演示城市已生成" in third.output and "[ 1/12]" not in third.output
