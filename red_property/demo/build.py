"""The ``red-property demo`` database: built whole or not at all.

On the embedded default (SQLite) the city is built into ``<database>.building``
and ``<files>.building`` beside the real ones, with SQLite's fsync off (a crash
can only lose a file we throw away anyway), marked complete in the file's
header (``PRAGMA user_version``) and only then renamed into place.  A build that
fails or is interrupted leaves nothing a later run could mistake for a demo: the
next run says so and builds again; a database that exists but lacks the mark (a
build by an older version that stopped part-way) is set aside, never served.

On a server database (PostgreSQL) the build runs in place; an unfinished build
is recognised by the missing last step and refused with what to do.
"""
from __future__ import annotations

import shutil
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import select

# PRAGMA user_version of a complete demo database (any other value: not a complete demo).
COMPLETE_MARK = 0x5244454D  # "RDEM"


@dataclass(frozen=True)
class DemoFiles:
    """Where the demo lives (``database``, ``files``) and where it is built (``*.building``)."""
    database: Path
    files: Path

    @property
    def building_database(self) -> Path:
        return self.database.with_name(self.database.name + ".building")

    @property
    def building_files(self) -> Path:
        return self.files.with_name(self.files.name + ".building")


def sqlite_path(uri: str) -> Path | None:
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def is_complete(database: Path) -> bool:
    if not database.is_file():
        return False
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0] == COMPLETE_MARK


def prepare(where: DemoFiles, *, reset: bool, say: Callable[[str], None]) -> bool:
    """Clear what must not be served; True when a complete demo is already there."""
    if where.building_database.exists() or where.building_files.exists():
        say("上次生成演示数据时中断，未完成的部分已删除，重新生成。"
            " (An earlier demo build did not finish: discarded, building again.)")
        _remove(where.building_database, where.building_files)
    if reset:
        _remove(where.database, where.files)
        return False
    if is_complete(where.database):
        return True
    if where.database.exists():
        aside = where.database.with_name(where.database.name + f".incomplete-{int(time.time())}")
        where.database.rename(aside)
        say(f"{where.database} 不是完整的演示数据库（以前的生成中途停止），已移到 {aside.name}，重新生成。"
            f" (Not a complete demo database: moved aside, building again.)")
    _remove(where.files)   # files without their database are unreachable
    return False


def build_sqlite(where: DemoFiles, build: Callable[[dict], None]) -> None:
    """Run ``build(config overrides)`` against the ``.building`` paths, then mark and move them into place."""
    try:
        build({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{where.building_database}",
               "FILE_DIR": str(where.building_files), "SQLITE_UNDURABLE": True})
        with closing(sqlite3.connect(where.building_database)) as conn:
            conn.execute(f"PRAGMA user_version = {COMPLETE_MARK}")
        where.building_files.mkdir(parents=True, exist_ok=True)
        where.building_files.rename(where.files)
        where.building_database.rename(where.database)   # last: the database appears only when whole
    except BaseException:
        _remove(where.building_database, where.building_files)
        raise


def server_database_state(session) -> str:
    """'empty', 'complete' or 'incomplete' for a demo in a server database."""
    from red_property.core.tenancy import public_read
    from red_property.public.models import BranchProfile
    from red_property.tenants.models import Tenant

    if session.scalar(select(Tenant.id).where(Tenant.slug == "city-bureau")) is None:
        return "empty"
    with public_read() as public:   # published profiles are the build's last step
        done = public.scalar(select(BranchProfile.id).limit(1)) is not None
    return "complete" if done else "incomplete"


def _remove(*paths: Path) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
