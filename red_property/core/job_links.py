"""What a job made, as links on its page: a rating job links to its run, a billing job to its bills, an import
to the list it filled.  Each domain says so for its own jobs (``links_for``), so core needs none of them.

The download button is the other half: only a job whose result names a file (``result["file"]``) has one.
"""
from __future__ import annotations

from typing import Callable

from red_property.core.jobs import DONE, JobRecord

Links = list[tuple[str, str]]   # (what the user reads, URL)
_LINKS: dict[str, Callable[[JobRecord], Links]] = {}


def links_for(name: str):
    """Register ``fn(record) -> [(label, url), ...]``: what job ``name`` made (looked up when its page is shown)."""

    def register(fn: Callable[[JobRecord], Links]) -> Callable[[JobRecord], Links]:
        _LINKS[name] = fn
        return fn

    return register


def made_by(record: JobRecord) -> Links:
    """The links a job's page shows (none for a job kind that makes nothing to look at)."""
    fn = _LINKS.get(record.name)
    return fn(record) if fn is not None else []


def has_download(record: JobRecord) -> bool:
    """Whether the job wrote a file to download: finished, and its result names the file."""
    return record.status == DONE and bool((record.result or {}).get("file"))


def import_done(record: JobRecord) -> bool:
    """A sheet import that finished and wrote its rows (one refused for bad rows wrote none)."""
    result = record.result or {}
    return record.status == DONE and not result.get("errors") and "created" in result
