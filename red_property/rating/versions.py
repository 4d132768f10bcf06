"""Versions of the bureau's rating model."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from red_property.core.tenancy import current_actor_id
from red_property.rating.model import RatingModel, parse_model
from red_property.rating.models import ModelVersion

MODEL_FILE = "rating-model.toml"


def latest_version(session: Session) -> ModelVersion | None:
    return session.scalars(select(ModelVersion).order_by(ModelVersion.version.desc()).limit(1)).first()


def save_version(session: Session, source: str, note: str = "") -> ModelVersion:
    """Validate ``source`` (raises ``ModelError`` with line numbers) and store it as the next version."""
    model = parse_model(source)
    number = (session.scalar(select(func.max(ModelVersion.version))) or 0) + 1
    version = ModelVersion(version=number, name=model.name, source=source, note=note,
                           created_by=current_actor_id(session))
    session.add(version)
    session.commit()
    return version


def sync_from_folder(session: Session, folder: Path) -> ModelVersion | None:
    """Store ``folder/rating-model.toml`` as a new version if it differs from the latest."""
    path = Path(folder) / MODEL_FILE
    if not path.exists():
        return None
    source = path.read_text(encoding="utf-8")
    latest = latest_version(session)
    if latest is not None and latest.source == source:
        return None
    return save_version(session, source, note=f"从 {path.name} 导入")


def parsed(version: ModelVersion) -> RatingModel:
    return parse_model(version.source)
