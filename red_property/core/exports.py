"""Where job output files live: one folder per tenant under ``EXPORT_DIR``."""
from __future__ import annotations

from pathlib import Path

from flask import current_app, send_from_directory


def tenant_dir(tenant_id: int) -> Path:
    path = Path(current_app.config["EXPORT_DIR"]) / str(int(tenant_id))
    path.mkdir(parents=True, exist_ok=True)
    return path


def export_path(tenant_id: int, name: str) -> Path:
    return tenant_dir(tenant_id) / Path(name).name


def send_export(tenant_id: int, name: str):
    """Send a tenant's file; ``send_from_directory`` refuses paths outside the folder."""
    return send_from_directory(tenant_dir(tenant_id), name, as_attachment=True)
