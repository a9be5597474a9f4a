"""Analytics servers for tests: a database filled as the follower would fill it,
then the real server on a free loopback port reading it at start.

Filling goes through the same code as the follower (`RepositoryMirror.apply`, then
`MirrorStore.write`, in batches), so a test of the RPCs does not also wait for a
query service to ingest its data; `test_follower.py` covers the feed itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from icore.query.v1 import query_service_pb2 as query_pb
from icore.uim.v1 import entity_pb2, link_pb2
from services.analytics.mirror import RepositoryMirror
from services.analytics.storage import MirrorStore
from services.bootstrap.database import open_database
from services.bootstrap.settings import Settings
from tests.support import RunningServer

BATCH = 500


def changes(records: Iterable[entity_pb2.Entity | link_pb2.Link]) -> list[query_pb.ExportEntitiesResponse]:
    """The feed the repository would send for these records, with cursors."""
    feed = []
    for n, record in enumerate(records, start=1):
        if isinstance(record, entity_pb2.Entity):
            feed.append(query_pb.ExportEntitiesResponse(cursor=f"seq-{n}", entity=record))
        else:
            feed.append(query_pb.ExportEntitiesResponse(cursor=f"seq-{n}", link=record))
    return feed


def fill(database_url: str, feed: list[query_pb.ExportEntitiesResponse], *, resolve_all: bool = True) -> None:
    """Write a feed into an analytics database as the follower would, then resolve
    the whole store once (re-estimating the model), as the follower does after growth."""
    engine = open_database(database_url, "analytics")
    try:
        store = MirrorStore(engine)
        mirror = RepositoryMirror()
        for start in range(0, len(feed), BATCH):
            store.write(mirror.apply(feed[start : start + BATCH]))
        if resolve_all:
            mirror.resolve_all(store)
    finally:
        engine.dispose()


def settings(directory: Path, database_url: str, **overrides: object) -> Settings:
    base = Settings(service="analytics", port=0, data_dir=directory, database_url=database_url, peers={},
                    plaintext=True, shutdown_grace_s=0.5, rate_limit_per_s=1e6, rate_limit_burst=10**6)
    return base.with_(**overrides)


@contextmanager
def analytics_server(directory: Path, database_url: str, **overrides: object) -> Iterator[RunningServer]:
    """A real analytics server on the given database, stopped afterwards."""
    server = RunningServer("analytics", settings(directory, database_url, **overrides))
    try:
        yield server
    finally:
        server.stop()
