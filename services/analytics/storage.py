"""The analytics database: the mirror of the repository (entity and link bodies as
the repository sent them), the resolved identities, the scoring model and the cursor
of the change feed, so that a restarted service resumes where it stopped instead of
reading the whole repository again.

Every batch of changes from the feed is written in one transaction together with
the cursor after it and the identities it changed: after a crash the service
resumes from a cursor that matches what it holds, and re-reads at most one batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

metadata = sa.MetaData()
state = sa.Table(
    "analytics_state", metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
entities = sa.Table(
    "analytics_entities", metadata,
    sa.Column("entity_id", sa.String(64), primary_key=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
)
links = sa.Table(
    "analytics_links", metadata,
    sa.Column("link_id", sa.String(64), primary_key=True),
    sa.Column("from_entity_id", sa.String(64), nullable=False),
    sa.Column("to_entity_id", sa.String(64), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
)
identity_pairs = sa.Table(
    "analytics_identity_pairs", metadata,
    sa.Column("entity_id_a", sa.String(64), primary_key=True),
    sa.Column("entity_id_b", sa.String(64), primary_key=True),
    sa.Column("probability", sa.Float, nullable=False),
)
identity_members = sa.Table(
    "analytics_identity_members", metadata,
    sa.Column("entity_id", sa.String(64), primary_key=True),
    sa.Column("cluster_key", sa.String(64), nullable=False),
)

CURSOR = "cursor"
MODEL = "model"
#: Number of identity records when the model was last estimated.
MODEL_RECORDS = "model_records"
#: Ids per IN (...) list, well below SQLite's limit on bound parameters.
_CHUNK = 500
_READ_BATCH = 5000


def _chunks(values: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _CHUNK):
        yield list(values[start : start + _CHUNK])


@dataclass
class Batch:
    """What one batch of the change feed changed, to be written at once."""

    cursor: str = ""
    entities: dict[str, bytes] = field(default_factory=dict)
    deleted_entities: set[str] = field(default_factory=set)
    links: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # id -> (from, to, body)
    deleted_links: set[str] = field(default_factory=set)
    #: Entities whose identity may have changed; their pair and member rows are replaced.
    identities_touched: set[str] = field(default_factory=set)
    pairs: list[tuple[str, str, float]] = field(default_factory=list)
    members: list[tuple[str, str]] = field(default_factory=list)
    model: str | None = None

    def __bool__(self) -> bool:
        return bool(self.cursor or self.entities or self.deleted_entities or self.links or self.deleted_links)


class MirrorStore:
    """Reads and writes the analytics tables (see the module docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _set_state(self, connection: Connection, name: str, value: str) -> None:
        connection.execute(state.delete().where(state.c.name == name))
        connection.execute(state.insert().values(name=name, value=value))

    def read_state(self, name: str) -> str:
        with self.engine.connect() as connection:
            value = connection.execute(sa.select(state.c.value).where(state.c.name == name)).scalar()
        return value or ""

    def write(self, batch: Batch) -> None:
        """Apply a batch in one transaction (see the module docstring)."""
        with self.engine.begin() as connection:
            gone = sorted(batch.deleted_entities | set(batch.entities))
            for chunk in _chunks(gone):
                connection.execute(entities.delete().where(entities.c.entity_id.in_(chunk)))
            for chunk in _chunks(sorted(batch.deleted_entities)):
                connection.execute(links.delete().where(sa.or_(links.c.from_entity_id.in_(chunk),
                                                               links.c.to_entity_id.in_(chunk))))
            if batch.entities:
                connection.execute(entities.insert(), [dict(entity_id=k, body=v) for k, v in batch.entities.items()])
            for chunk in _chunks(sorted(batch.deleted_links | set(batch.links))):
                connection.execute(links.delete().where(links.c.link_id.in_(chunk)))
            if batch.links:
                connection.execute(links.insert(), [dict(link_id=k, from_entity_id=f, to_entity_id=t, body=b)
                                                    for k, (f, t, b) in batch.links.items()])
            self._replace_identities(connection, sorted(batch.identities_touched), batch.pairs, batch.members)
            if batch.cursor:
                self._set_state(connection, CURSOR, batch.cursor)
            if batch.model is not None:
                self._set_state(connection, MODEL, batch.model)

    def _replace_identities(self, connection: Connection, touched: Sequence[str],
                            pairs: Sequence[tuple[str, str, float]], members: Sequence[tuple[str, str]]) -> None:
        for chunk in _chunks(touched):
            connection.execute(identity_pairs.delete().where(sa.or_(identity_pairs.c.entity_id_a.in_(chunk),
                                                                    identity_pairs.c.entity_id_b.in_(chunk))))
            connection.execute(identity_members.delete().where(identity_members.c.entity_id.in_(chunk)))
        unique_pairs = {(min(a, b), max(a, b)): p for a, b, p in pairs}
        if unique_pairs:
            connection.execute(identity_pairs.insert(), [dict(entity_id_a=a, entity_id_b=b, probability=p)
                                                         for (a, b), p in unique_pairs.items()])
        if members:
            connection.execute(identity_members.insert(),
                               [dict(entity_id=e, cluster_key=k) for e, k in dict(members).items()])

    def replace_all_identities(self, pairs: Sequence[tuple[str, str, float]], members: Sequence[tuple[str, str]],
                               model: str, model_records: int) -> None:
        """After a whole-store resolution: every pair and member row, and the model."""
        with self.engine.begin() as connection:
            connection.execute(identity_pairs.delete())
            connection.execute(identity_members.delete())
            self._replace_identities(connection, [], pairs, members)
            self._set_state(connection, MODEL, model)
            self._set_state(connection, MODEL_RECORDS, str(model_records))

    # -- reading at start ----------------------------------------------------------

    def _stream(self, query: sa.Select[tuple[object, ...]]) -> Iterator[sa.Row[tuple[object, ...]]]:
        with self.engine.connect() as connection:
            result = connection.execution_options(yield_per=_READ_BATCH).execute(query)
            yield from result

    def entity_bodies(self) -> Iterator[bytes]:
        for row in self._stream(sa.select(entities.c.body).order_by(entities.c.entity_id)):
            yield bytes(row[0])  # type: ignore[arg-type]

    def link_bodies(self) -> Iterator[bytes]:
        for row in self._stream(sa.select(links.c.body).order_by(links.c.link_id)):
            yield bytes(row[0])  # type: ignore[arg-type]

    def identity_rows(self) -> tuple[list[tuple[str, str, float]], list[tuple[str, str]]]:
        with self.engine.connect() as connection:
            pairs = [(r.entity_id_a, r.entity_id_b, r.probability)
                     for r in connection.execute(sa.select(identity_pairs))]
            members = [(r.entity_id, r.cluster_key) for r in connection.execute(sa.select(identity_members))]
        return pairs, members

    def links_by_id(self, link_ids: Iterable[str]) -> dict[str, bytes]:
        wanted = sorted(set(link_ids))
        found: dict[str, bytes] = {}
        with self.engine.connect() as connection:
            for chunk in _chunks(wanted):
                query = sa.select(links.c.link_id, links.c.body).where(links.c.link_id.in_(chunk))
                for row in connection.execute(query):
                    found[row.link_id] = bytes(row.body)
        return found
