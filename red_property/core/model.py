"""Declarative base and the mixins every model is built from.

Keys are designed for a later move to PostgreSQL sharded by tenant (Citus):
every tenant-owned table carries ``tenant_id``, has ``UNIQUE (tenant_id, id)``,
and its foreign keys to other rows of the same tenant are composite
``(tenant_id, parent_id) -> parent (tenant_id, id)``, which is also what makes a
row unable to point at another tenant's parent.  See docs/architecture.md.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, MetaData, TypeDecorator, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry

from red_property.core import clock

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# BIGINT on PostgreSQL, INTEGER on SQLite so that it stays the rowid alias.
BigId = BigInteger().with_variant(Integer, "sqlite")


class UTCDateTime(TypeDecorator):
    """A timestamp that is always timezone-aware UTC in Python.

    PostgreSQL keeps the zone (timestamptz); SQLite drops it, so values read
    back naive are marked UTC here, once, instead of in every caller.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use red_property.core.clock.now()")
        # SQLite keeps the wall time and drops the offset: store every instant as UTC
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING),
                        type_annotation_map={datetime: UTCDateTime()})


class IdMixin:
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)


class TenantScoped(IdMixin):
    """A row owned by one tenant.

    Reads are filtered and new rows are stamped by ``core.tenancy``; on
    PostgreSQL row-level security enforces the same rule below the ORM.
    ``visible_to`` may widen what a tenant can *read* (never what it can write);
    ``public_criteria`` says what anyone may read without logging in.
    """

    __tenant_scoped__ = True

    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenant.id"), index=True, nullable=False)

    @declared_attr.directive
    def __table_args__(cls):  # noqa: N805
        return (UniqueConstraint("tenant_id", "id"),) + tuple(getattr(cls, "__extra_table_args__", ()))

    @classmethod
    def visible_to(cls, tenant_id: int):
        """SQL criterion for rows tenant ``tenant_id`` may read."""
        return cls.tenant_id == tenant_id

    @classmethod
    def visible_on(cls, tenant_id: int, today):
        """``visible_to`` for a model whose rule depends on the day (``today`` from ``core.clock``).

        The tenancy filter calls this one; a model whose visibility starts or ends
        on a date overrides it, the others keep ``visible_to``.
        """
        return cls.visible_to(tenant_id)

    @classmethod
    def narrowed_on(cls, tenant_ids: tuple[int, ...], today):
        """``narrowed_to`` on a given day; see ``visible_on``."""
        return cls.narrowed_to(tenant_ids)

    @classmethod
    def narrowed_to(cls, tenant_ids: tuple[int, ...]):
        """SQL criterion for the rows that concern these tenants (a narrowed cross-tenant read).

        A model owned by one tenant but *about* another (a contract in the
        bureau's register names its company) says so by overriding this.
        """
        return cls.tenant_id.in_(tenant_ids)

    @classmethod
    def public_criteria(cls):
        """SQL criterion for rows anyone may read without logging in (``tenancy.public_read``).

        Nothing by default; a model that publishes overrides it, and a
        migration gives the public role the same rule (``rls.public_table``).
        The columns it publishes are ``__public_columns__`` (granted column by
        column to the public role, ``rls.public_columns``).
        """
        return false()
