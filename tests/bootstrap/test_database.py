"""Every service's migrations run forwards and backwards on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from services.bootstrap.database import create_engine, downgrade, migrate, migrations_dir

MIGRATED = [s for s in ("messaging", "biometric", "query", "analytics", "audit")
            if any(migrations_dir(s).glob("*.py"))]


@pytest.mark.parametrize("service", MIGRATED)
def test_migrations_upgrade_downgrade_upgrade(database_url: str, service: str) -> None:
    engine = create_engine(database_url)
    migrate(engine, service)
    tables = set(sa.inspect(engine).get_table_names())
    assert f"alembic_version_{service}" in tables and len(tables) > 1
    downgrade(engine, service)
    assert set(sa.inspect(engine).get_table_names()) <= {f"alembic_version_{service}"}
    migrate(engine, service)
    assert set(sa.inspect(engine).get_table_names()) == tables
    engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = create_engine(f"sqlite:///{tmp_path / 'x' / 'store.sqlite'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
