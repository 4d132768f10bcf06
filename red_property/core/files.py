"""Uploaded files (evidence photos, receipts, documents), stored per tenant.

A ``StoredFile`` row is tenant-owned like any record, so reading one goes
through the tenant filter and row-level security: a domain row points at a file
with a composite foreign key ``(tenant_id, file_id)``, and the one download
route serves a file only when the session can see its row.  The bytes live on
disk under ``FILE_DIR/<tenant id>/`` with a random name; the original name is
kept for the download.  The type is judged by the file's first bytes, never by
its name.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from red_property.core import clock
from red_property.core.errors import InputError
from red_property.core.model import Base, BigId, TenantScoped
from red_property.core.tenancy import current_actor_id, current_tenant_id

MAX_BYTES = 10 * 1024 * 1024
# first bytes -> (suffix, content type)
SIGNATURES = {
    b"%PDF": (".pdf", "application/pdf"),
    b"\x89PNG\r\n\x1a\n": (".png", "image/png"),
    b"\xff\xd8\xff": (".jpg", "image/jpeg"),
}
KINDS_TEXT = "PDF、PNG 或 JPEG"


class StoredFile(TenantScoped, Base):
    __tablename__ = "stored_file"
    __label__ = _l("文件")

    purpose: Mapped[str] = mapped_column(String(32))        # evidence, receipt, appeal, ...
    name: Mapped[str] = mapped_column(String(200))          # the uploader's file name
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(64))      # random name on disk
    uploaded_by: Mapped[int | None] = mapped_column(BigId)
    uploaded_at: Mapped[dt.datetime] = mapped_column(default=clock.now)


def tenant_folder(tenant_id: int) -> Path:
    path = Path(current_app.config["FILE_DIR"]) / str(int(tenant_id))
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_upload(data: bytes, field: str) -> tuple[str, str]:
    """(suffix, content type) of an acceptable upload; ``InputError`` on ``field`` for an
    empty, oversized or unknown file."""
    if not data:
        raise InputError(field, "文件是空的")
    if len(data) > MAX_BYTES:
        raise InputError(field, f"文件不能超过 {MAX_BYTES // (1024 * 1024)} MB")
    kind = next((k for magic, k in SIGNATURES.items() if data.startswith(magic)), None)
    if kind is None:
        raise InputError(field, f"文件只能是 {KINDS_TEXT}")
    return kind


NAME_LENGTH = 200
# Control, format (RTL/LTR overrides, zero-width), surrogate, private-use and
# unassigned characters: they hide a name's real extension ("合同\u202egnp.exe"
# shows as "合同exe.png") or break headers and pages.
_HIDDEN = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}
# Characters Windows refuses in a file name (a saved download would be renamed or fail).
_RESERVED = re.compile(r'[<>:"/\\|?*]')
# A suffix that agrees with the detected content type.
SUFFIXES = {"application/pdf": (".pdf",), "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg")}


def original_name(filename: str, fallback: str, content_type: str | None = None) -> str:
    """The uploader's file name, safe to show and to offer as a download name.

    Without any path it came with, hidden or control characters, or characters
    Windows refuses; at most ``NAME_LENGTH`` characters keeping the suffix; and,
    given the detected ``content_type``, ending in a suffix that matches it (a
    PNG named ``x.html`` is offered as ``x.html.png``).  ``fallback`` when
    nothing usable is left.
    """
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(" " if c.isspace() else c for c in name if unicodedata.category(c) not in _HIDDEN
                   or c in "\t\n\r")
    name = " ".join(_RESERVED.sub("_", name).split()).strip(" .")
    if not name:
        name = fallback
    suffixes = SUFFIXES.get(content_type or "", ())
    if suffixes and not name.lower().endswith(suffixes):
        name += suffixes[0]
    if len(name) > NAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        keep = f".{suffix}" if dot and stem and len(suffix) <= 10 else ""
        name = name[:NAME_LENGTH - len(keep)].rstrip(" .") + keep
    return name


def content_disposition(filename: str, *, attachment: bool = True) -> str:
    """A ``Content-Disposition`` value for any file name (RFC 6266 with RFC 5987 ``filename*``).

    The name is cleaned again (rows stored before the cleaning, names we made),
    ``filename*`` carries it in UTF-8 and ``filename`` an ASCII stand-in for old
    clients; nothing of the name can end the header or add a parameter.
    """
    name = original_name(filename, "download")
    stem, dot, suffix = name.rpartition(".") if "." in name else (name, "", "")

    def ascii_only(text: str) -> str:
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
        return re.sub(r"[^A-Za-z0-9.()+ -]+", "_", text).strip(" ._")

    ascii_name = (ascii_only(stem) or "download") + (f".{ascii_only(suffix)}" if ascii_only(suffix) else "")
    kind = "attachment" if attachment else "inline"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def store_file(session: Session, *, purpose: str, filename: str, data: bytes, field: str = "file") -> StoredFile:
    """Check and keep an upload for the session's tenant; flushes the row (the caller commits).

    Raises ``InputError`` on ``field`` for an empty, oversized or unknown file.
    """
    suffix, content_type = check_upload(data, field)
    stored_as = secrets.token_hex(16) + suffix
    # Written before the row: a rolled-back transaction leaves an unreferenced
    # file (harmless, never served), never a row without its bytes.
    (tenant_folder(current_tenant_id(session)) / stored_as).write_bytes(data)
    row = StoredFile(purpose=purpose, name=original_name(filename, stored_as, content_type),
                     content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                     stored_as=stored_as, uploaded_by=current_actor_id(session))
    session.add(row)
    session.flush()
    return row


def store_generated(session: Session, *, purpose: str, files: list[tuple[str, bytes]],
                    content_type: str = "application/pdf") -> list[int]:
    """Keep documents the app made itself (invoices, receipts): one bulk INSERT; returns the row ids in order.

    Uploads go through ``store_file`` (which judges the bytes); these are ours.
    """
    tenant_id, actor = current_tenant_id(session), current_actor_id(session)
    folder, now, rows = tenant_folder(tenant_id), clock.now(), []
    suffix = ".pdf" if content_type == "application/pdf" else ""
    for filename, data in files:
        stored_as = secrets.token_hex(16) + suffix
        (folder / stored_as).write_bytes(data)
        rows.append(dict(tenant_id=tenant_id, purpose=purpose, name=original_name(filename, stored_as, content_type),
                         content_type=content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest(),
                         stored_as=stored_as, uploaded_by=actor, uploaded_at=now))
    if not rows:
        return []
    return list(session.execute(insert(StoredFile).returning(StoredFile.id, sort_by_parameter_order=True),
                                rows).scalars())


def send_stored_file(row: StoredFile, *, as_attachment: bool = False):
    """The response for a file row the caller has already loaded through its scoped session."""
    return send_named_file(tenant_folder(row.tenant_id) / Path(row.stored_as).name, row.name,
                           mimetype=row.content_type, as_attachment=as_attachment)


def send_named_file(path: Path, name: str, *, mimetype: str | None = None, as_attachment: bool = False):
    """``send_file`` of a file on disk, offered under a user-supplied ``name`` (see ``content_disposition``)."""
    # send_file would put the name in the header itself, and a newline in it is a 500.
    response = send_file(path, mimetype=mimetype, download_name=path.name, as_attachment=as_attachment, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(name, attachment=as_attachment)
    return response
