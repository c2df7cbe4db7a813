"""Alembic's entry into the migrations.

`cti.storage.migrate` hands over an open connection in `config.attributes["connection"]`;
a developer's `alembic -c cti/storage/alembic.ini …` gives a URL instead
(`-x url=…` or CTI_DATABASE_URL), and `--sql` prints the script for a DBA to run.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

from cti.storage.db import async_url, create_engine
from cti.storage.models import Base


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: later revisions must copy-and-move the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_from_url(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_on)
            await connection.commit()
    finally:
        await engine.dispose()


def developer_url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "CTI_DATABASE_URL"
    )
    if not url:
        raise SystemExit("which database? alembic -x url=… or CTI_DATABASE_URL")
    return url


def print_script(url: str) -> None:
    context.configure(url=async_url(url), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    given = context.config.attributes.get("connection")
    if given is not None:
        run_on(given)
    elif context.is_offline_mode():
        print_script(developer_url())
    else:
        asyncio.run(run_from_url(developer_url()))


main()
