"""The repository as the analytics service holds it: the graph of entities and links,
the events as columns, and the resolved identities, kept in step with the change
feed and answering every analytics question for one country at a time.

Changes and questions arrive on different tasks and run in worker threads, so every
method takes one lock: a question sees a batch of changes entirely or not at all.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import structlog

from icore.query.v1 import query_service_pb2
from icore.uim.v1 import entity_pb2, link_pb2
from services.analytics import communities as communities_module
from services.analytics import hotspots as hotspots_module
from services.analytics import trends as trends_module
from services.analytics.events import EventFilter, EventTable
from services.analytics.graph import EntityGraph, PolicyRegistry
from services.analytics.paths import IdentityGroups, Neighbourhood, PathSearch, find_paths, neighbourhood
from services.analytics.records import IdentityRecord, identity_record
from services.analytics.resolution import PairMatch, ResolutionStats, Resolver, cluster_id, visible_groups
from services.analytics.scoring import MatchModel
from services.analytics.storage import CURSOR, MODEL, MODEL_RECORDS, Batch, MirrorStore

log = structlog.get_logger(__name__)

#: The model is re-estimated by EM once the store holds this many identity records,
#: and again whenever their number has doubled since the last estimate.
MIN_RECORDS_FOR_ESTIMATE = 500
#: Records whose clusters a description (ResolveEntities `like`) brings, at most.
SIMILAR_RECORDS = 200
#: Identity groups kept between searches: for this many countries at most, and
#: up to this many nodes each (some 100 bytes a node) before they start again.
MAX_CACHED_COUNTRIES = 16
MAX_CACHED_GROUPS = 500_000
RESOLUTION_METHOD = ("fellegi-sunter: field agreement levels weighted log2(m/u), m and u by EM, name frequency "
                     "adjustment; blocking on name, birth-year and document keys; average-linkage clusters")


@dataclass(frozen=True, slots=True)
class Identity:
    """A cluster as one country may see it."""

    cluster_id: str
    entity_ids: tuple[str, ...]
    pairs: tuple[PairMatch, ...]


class RepositoryMirror:
    """Graph, events and identities of the whole repository (see the module docstring)."""

    def __init__(self, model: MatchModel | None = None) -> None:
        self.lock = threading.RLock()
        self.policies = PolicyRegistry()
        self.graph = EntityGraph(self.policies)
        self.events = EventTable(self.policies)
        self.resolver = Resolver(model)
        self.estimated_at = 0
        self._communities: dict[tuple[str, int, int], list[communities_module.Community]] = {}
        self._identity_groups: dict[tuple[str, int, int], IdentityGroups] = {}
        #: Node -> in an identity of two or more; kept in step by `load`, `apply` and `resolve_all`.
        self.clustered_nodes = np.zeros(0, dtype=bool)
        self._identity_version = 0

    # -- keeping in step -----------------------------------------------------------

    def load(self, store: MirrorStore) -> str:
        """Rebuild everything from the database; returns the feed cursor to resume from."""
        with self.lock:
            saved = store.read_state(MODEL)
            if saved:
                self.resolver.model = MatchModel.from_json(saved)
            self.estimated_at = int(store.read_state(MODEL_RECORDS) or 0)
            records: list[IdentityRecord] = []
            for body in store.entity_bodies():
                entity = entity_pb2.Entity.FromString(body)
                self.graph.put_entity(entity)
                self.events.put(entity)
                record = identity_record(entity)
                if record is not None:
                    records.append(record)
            for body in store.link_bodies():
                self.graph.put_link(link_pb2.Link.FromString(body))
            self.graph.refresh_snapshot()
            pairs, members = store.identity_rows()
            self.resolver.restore(records, pairs, members)
            self._identity_version += 1
            self._mark_clustered(None)
            cursor = store.read_state(CURSOR)
            log.info("mirror_loaded", entities=self.graph.node_count, links=self.graph.edge_count,
                     identity_records=len(self.resolver), events=len(self.events))
            return cursor

    def apply(self, changes: Sequence[query_service_pb2.ExportEntitiesResponse]) -> Batch:
        """Apply a batch of feed changes in memory and say what to write."""
        batch = Batch(cursor=changes[-1].cursor if changes else "")
        latest: dict[str, IdentityRecord | None] = {}
        with self.lock:
            for change in changes:
                kind = change.WhichOneof("change")
                if kind == "entity":
                    entity = change.entity
                    self.graph.put_entity(entity)
                    self.events.put(entity)
                    latest[entity.id] = identity_record(entity)
                    batch.entities[entity.id] = entity.SerializeToString()
                    batch.deleted_entities.discard(entity.id)
                elif kind == "link":
                    link = change.link
                    if self.graph.put_link(link) is not None:
                        batch.links[link.id] = (link.from_entity_id, link.to_entity_id, link.SerializeToString())
                        batch.deleted_links.discard(link.id)
                elif kind == "deleted_entity_id":
                    entity_id = change.deleted_entity_id
                    for link_id in self.graph.delete_entity(entity_id):
                        batch.links.pop(link_id, None)
                        batch.deleted_links.add(link_id)
                    self.events.delete(entity_id)
                    latest[entity_id] = None
                    batch.entities.pop(entity_id, None)
                    batch.deleted_entities.add(entity_id)
                elif kind == "deleted_link_id":
                    self.graph.delete_link(change.deleted_link_id)
                    batch.links.pop(change.deleted_link_id, None)
                    batch.deleted_links.add(change.deleted_link_id)
            # Deleted entities, and any that stopped being a person or organization, leave resolution.
            gone = [entity_id for entity_id, record in latest.items() if record is None and entity_id in self.resolver]
            arrived = [record for record in latest.values() if record is not None]
            touched = self.resolver.remove(gone) | self.resolver.add(arrived)
            batch.identities_touched = touched | set(gone) | {r.entity_id for r in arrived}
            batch.pairs, batch.members = self.resolver.rows_for(batch.identities_touched)
            if batch.identities_touched:
                self._identity_version += 1
            self._mark_clustered(batch.identities_touched)
            if self.graph.snapshot_is_stale():  # here, on the feed's thread, rather than in a search
                self.graph.refresh_snapshot()
        return batch

    def _mark_clustered(self, entity_ids: Iterable[str] | None) -> None:
        """Bring `clustered_nodes` up to date for the records whose identity may have
        changed (all of them with None: some 70 ms at 255,000 nodes, so only after a
        load or a whole resolution), and to the graph's size. Call with the lock held."""
        clustered, count = self.resolver.clustered_ids, self.graph.node_count
        if entity_ids is None:
            self.clustered_nodes = np.fromiter((i in clustered for i in self.graph.node_ids), bool, count)
            return
        if len(self.clustered_nodes) < count:
            self.clustered_nodes = np.concatenate(
                [self.clustered_nodes, np.zeros(count - len(self.clustered_nodes), dtype=bool)])
        for entity_id in entity_ids:
            node = self.graph.node(entity_id)
            if node is not None:
                self.clustered_nodes[node] = entity_id in clustered

    def needs_estimate(self) -> bool:
        """True when the model should be re-estimated (see MIN_RECORDS_FOR_ESTIMATE)."""
        records = len(self.resolver)
        return records >= MIN_RECORDS_FOR_ESTIMATE and records >= 2 * self.estimated_at

    def resolve_all(self, store: MirrorStore | None = None) -> ResolutionStats:
        """Re-resolve every record, re-estimating the model, and save the result."""
        with self.lock:
            stats = self.resolver.resolve_all()
            self.estimated_at = stats.records
            self._identity_version += 1
            self._mark_clustered(None)
            if store is not None:
                pairs, members = self.resolver.snapshot()
                store.replace_all_identities(pairs, members, self.resolver.model.to_json(), stats.records)
            return stats

    # -- answering -----------------------------------------------------------------

    def visible(self, entity_id: str, country: str) -> bool:
        with self.lock:
            node = self.graph.node(entity_id)
            return node is not None and self.graph.node_visible(node, self.policies.view(country))

    def identities(self, country: str, entity_ids: Sequence[str], kind: int, min_size: int,
                   like: IdentityRecord | None = None, explained: bool = True) -> list[Identity]:
        """Clusters as `country` sees them: of the given entities and of the records
        most `like` a description, or of the whole store when neither is given;
        largest first.

        A given id the mirror does not hold (not followed yet, or never a record), or
        one the caller may not see, is answered as a record of its own: it is in no
        cluster of two or more, so it adds none. A caller that asks about the records a
        search just returned is not failed by one the feed has not brought yet, and the
        answer for a hidden id is the same as for an unknown one."""
        with self.lock:
            view = self.policies.view(country)

            def visible(entity_id: str) -> bool:
                node = self.graph.node(entity_id)
                return node is not None and self.graph.node_visible(node, view)

            similar = self.resolver.clustered_like(like, SIMILAR_RECORDS) if like is not None else []
            asked = {e for e in [*entity_ids, *similar] if visible(e)}
            scoped = bool(entity_ids) or like is not None  # not the whole store
            if scoped:
                if not asked:
                    return []
                clusters = {tuple(sorted(self.resolver.members(e) or [e])) for e in asked}
            else:
                clusters = {tuple(sorted(c)) for c in self.resolver.identities()}
            found = []
            for members in clusters:
                record = self.resolver.record(members[0])
                if record is None or (kind and record.kind != kind):
                    continue
                for group in visible_groups(members, self.resolver.matched, visible):
                    if len(group) < min_size or (scoped and asked.isdisjoint(group)):
                        continue
                    found.append(sorted(group))
            found.sort(key=lambda g: (-len(g), cluster_id(g)))
            return [self._identity(group, explained) for group in found]

    def _identity(self, group: list[str], explained: bool = True) -> Identity:
        """A cluster, with its matched pairs and why each matched when `explained`
        (each pair is compared again for its reasons)."""
        if not explained:
            return Identity(cluster_id(group), tuple(group), ())
        members = set(group)
        pairs: list[PairMatch] = []
        for entity_id in group:
            for other, probability in sorted(self.resolver.matched(entity_id).items()):
                if other in members and entity_id < other:
                    why = self.resolver.explain(entity_id, other)
                    pairs.append(PairMatch(entity_id, other, probability, why.reasons))
        return Identity(cluster_id(group), tuple(group), tuple(pairs))

    def paths(self, country: str, source: str, target: str, max_hops: int, max_paths: int) -> PathSearch:
        with self.lock:
            return find_paths(self.graph, self.resolver, country, source, target, max_hops, max_paths,
                              groups=self._groups_of(country), clustered_nodes=self.clustered_nodes)

    def neighbourhood(self, country: str, entity_id: str, depth: int, max_nodes: int,
                      link_types: frozenset[int]) -> Neighbourhood:
        with self.lock:
            return neighbourhood(self.graph, self.resolver, country, entity_id, depth, max_nodes, link_types,
                                 groups=self._groups_of(country), clustered_nodes=self.clustered_nodes)

    def _groups_of(self, country: str) -> IdentityGroups:
        """The country's identity groups found by earlier searches, for as long as the
        graph (records, links, policies) and the identities stay as they are: finding
        the group of every neighbour reached was most of a slow path search.
        Call with the lock held."""
        key = (country, self.graph.version, self._identity_version)
        groups = self._identity_groups.get(key)
        if groups is None or len(groups) > MAX_CACHED_GROUPS:
            kept = {k: v for k, v in self._identity_groups.items() if k[1:] == key[1:] and k != key}
            self._identity_groups = dict(list(kept.items())[-(MAX_CACHED_COUNTRIES - 1):])
            groups = self._identity_groups[key] = {}
        return groups

    def group_cluster_ids(self, country: str, entity_ids: Sequence[str]) -> dict[str, str]:
        """The caller's cluster id of each entity that belongs to a visible identity of two or more."""
        with self.lock:
            view = self.policies.view(country)

            def visible(entity_id: str) -> bool:
                node = self.graph.node(entity_id)
                return node is not None and self.graph.node_visible(node, view)

            found: dict[str, str] = {}
            clustered = self.resolver.clustered_ids
            for entity_id in entity_ids:
                if entity_id in found or entity_id not in clustered:
                    continue
                members = self.resolver.members(entity_id)
                if len(members) < 2:
                    continue
                for group in visible_groups(members, self.resolver.matched, visible):
                    if len(group) > 1:
                        key = cluster_id(group)
                        found.update({member: key for member in group})
            return found

    def communities(self, country: str, min_size: int, key_member_count: int) -> list[communities_module.Community]:
        """Communities, cached until the graph or the identities change."""
        with self.lock:
            key = (country, self.graph.version, self._identity_version)
            cached = self._communities.get(key)
            if cached is None:
                cached = communities_module.detect_communities(self.graph, self.resolver, country, 2, 20)
                self._communities = {k: v for k, v in self._communities.items() if k[1:] == key[1:]}
                self._communities[key] = cached
            return [communities_module.Community(c.entity_ids, c.key_members[:key_member_count])
                    for c in cached if len(c.entity_ids) >= min_size]

    def trends(self, country: str, start: int, end: int, bucket: trends_module.Bucket,
               iccs_codes: tuple[str, ...], countries: tuple[str, ...]) -> list[trends_module.Trend]:
        with self.lock:
            return trends_module.trends(self.events, country, start, end, bucket, iccs_codes, countries)

    def hotspots(self, country: str, where: EventFilter, radius_km: float,
                 min_events: int) -> list[tuple[hotspots_module.Hotspot, list[str]]]:
        with self.lock:
            rows = self.events.select(country, where)
            columns = self.events.columns()
            found = hotspots_module.hotspots(columns["latitude"][rows], columns["longitude"][rows], radius_km,
                                             min_events)
            return [(spot, [self.events.ids[int(rows[r])] for r in spot.event_rows]) for spot in found]
