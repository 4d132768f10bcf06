"""Versions of the bureau's rating model."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from red_property.core.tenancy import current_actor_id
from red_property.rating.model import RatingModel, parse_model
from red_property.rating.models import ModelVersion

MODEL_FILE = "rating-model.toml"
# The model a new bureau starts with (the demo city's, named as a default): without a model no
# rating can run, and a city started by ``red-property init`` has none of its own yet.
DEFAULT_MODEL = Path(__file__).with_name("default-model.toml")


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


def ensure_model(session: Session) -> ModelVersion | None:
    """Store the default model as the bureau's first version when it has none (commits).

    Returns the new version, or None when the bureau already has a model."""
    if latest_version(session) is not None:
        return None
    return save_version(session, DEFAULT_MODEL.read_text(encoding="utf-8"),
                        note="默认模型，由 red-property init 存入；本局可随时修改")


def parsed(version: ModelVersion) -> RatingModel:
    return parse_model(version.source)
