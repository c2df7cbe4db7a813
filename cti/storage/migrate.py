"""Bring a database's schema to the newest revision: `await upgrade(url)` at deploy or start.

Alembic's configuration is built here, from the installed package's own path, so an
installed wheel migrates without an alembic.ini or a checkout.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.storage.db import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# Any constant both CTI processes agree on; "A153" in ASCII.
_PG_LOCK_KEY = 0x41313533


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


async def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at `url` to `revision`, with a short-lived engine of its own."""
    engine = create_engine(url)
    try:
        await upgrade_engine(engine, revision)
    finally:
        await engine.dispose()


async def upgrade_engine(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate through an engine the composition root already holds; one transaction."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # Two CTI processes starting together must not both create the tables; the lock
        # ends with the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
