"""Logging for the long-running commands. Citizens' numbers never reach a log (KVKK, Law No.
6698): our own messages never carry them, and the libraries that would print query parameters
(aiosqlite at DEBUG, SQLAlchemy's echo) are held at WARNING whatever the level asked for."""

from __future__ import annotations

import logging

QUIET = ("aiosqlite", "sqlalchemy.engine", "asyncpg", "aiohttp.access")


def configure(level: int = logging.INFO) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
