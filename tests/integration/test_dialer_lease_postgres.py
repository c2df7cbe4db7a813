"""The pacer's lease on a real PostgreSQL server: the same behaviour as on SQLite, the race of
dialers asking at once included."""

from __future__ import annotations

import pytest

# Imported for pytest, which finds the fixture (named `postgres_cluster`) in this module.
from tests.integration.postgres import PostgresCluster, postgres_cluster_fixture  # noqa: F401
from tests.unit.test_dialer_lease import LeaseBehaviour


class TestLeaseOnPostgres(LeaseBehaviour):
    @pytest.fixture
    def url(self, postgres_cluster: PostgresCluster) -> str:
        return postgres_cluster.create_database()
