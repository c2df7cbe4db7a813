"""Alembic migrations of the call-outcome log; run them with `cti.storage.migrate`."""
