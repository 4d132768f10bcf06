"""Servers a test may take down: a PostgreSQL cluster and a redis-server of its own.

Outage tests stop, freeze (SIGSTOP) and restart these, never the shared servers the
rest of the suite uses.  Each starts on a free port in a temporary directory and is
removed afterwards.  PostgreSQL runs as the ``postgres`` system user when the tests
run as root (initdb refuses root).
"""
from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, up: bool, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if (s.connect_ex(("127.0.0.1", port)) == 0) == up:
                return
        time.sleep(0.05)
    raise RuntimeError(f"port {port} did not come {'up' if up else 'down'}")


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


class OwnPostgres:
    """A throwaway cluster: ``url(user, database)``, ``stop()``, ``start()``, ``freeze()``, ``thaw()``."""

    def __init__(self, root: Path):
        self.bin = _pg_bin()
        self.data = root / "pgdata"
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        root.mkdir(parents=True, exist_ok=True)
        if self.as_user:
            shutil.chown(root, "postgres")
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "log"), "-w", "-o",
                  f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        """As a crash or a restart looks to clients: every connection dropped at once."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        _wait_port(self.port, up=False)

    def _pids(self) -> list[int]:
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = [int(p) for p in subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True,
                                                    text=True).stdout.split()]
        return [postmaster, *children]

    def freeze(self) -> None:
        """As a hung server looks: connections stay open, nothing answers."""
        for pid in self._pids():
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self._pids():
            os.kill(pid, signal.SIGCONT)

    def url(self, user: str = "postgres", database: str = "postgres") -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"


@pytest.fixture(scope="module")
def own_postgres():
    """A migrated database in a cluster of the test module's own; yields (cluster, app config URLs)."""
    if _pg_bin() is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.skip("needs PostgreSQL's server binaries (initdb, pg_ctl)")
    from sqlalchemy import create_engine, text

    from tests.conftest import _migrate

    # Not under pytest's own temporary folder: that one is private to the user running the tests.
    root = Path(tempfile.mkdtemp(prefix="rp-own-pg-"))
    cluster = OwnPostgres(root)
    cluster.start()
    try:
        engine = create_engine(cluster.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("CREATE DATABASE faults"))
        engine.dispose()
        urls = {"SQLALCHEMY_DATABASE_URI": cluster.url("red_property_app", "faults"),
                "MIGRATE_DATABASE_URL": cluster.url("postgres", "faults")}
        _migrate(urls)
        yield cluster, urls
    finally:
        try:
            cluster.thaw()
        except Exception:  # noqa: BLE001 - not frozen, or already stopped
            pass
        subprocess.run([*cluster.as_user, str(cluster.bin / "pg_ctl"), "-D", str(cluster.data), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


class OwnRedis:
    """A redis-server keeping nothing on disk: ``url``, ``stop()``, ``start()``."""

    def __init__(self, root: Path):
        self.port, self.root, self.process = free_port(), root, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.root)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port, up=True)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None
        _wait_port(self.port, up=False)


@pytest.fixture
def own_redis(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()
