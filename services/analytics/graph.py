"""The analytics graph: every entity and link of the repository in memory, with who
may see what, so that paths, neighbourhoods and communities never touch the database.

Nodes and edges are rows of parallel lists (ids, kinds, labels, owners, policies) and
each node keeps the list of its incident edges, so that a million links fit in a few
hundred megabytes and a breadth-first search reads nothing but lists of ints. Access
policies are interned: each distinct (policy, data owner) pair gets a number, and a
country's view is one list of booleans over those numbers, computed once per country
with the shared rule `services.uim.access.may_see`. A link is visible when its own
policy, and both of its entities, are visible.

A link may arrive before one of its entities (the repository streams changes in its
own order); that entity is a placeholder, visible to no one, until it arrives.

`links_among` (the links of a link chart: every link between the nodes shown) reads
an array copy of the link ends (`_Snapshot`, CSR: each node's links side by side),
so that testing the thousands of links of 500 busy nodes against the set shown
costs numpy time, not Python time. Nodes changed since the copy was made are read
from the lists instead, which are always current; `refresh_snapshot` remakes the
copy (the mirror does so after loading and when enough nodes have changed).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from itertools import chain

import numpy as np

from icore.uim.v1 import entity_pb2, link_pb2
from services.uim.access import Policy, may_see
from services.uim.names import written_name

#: Policy number of placeholders and deleted records: visible to no country.
HIDDEN = 0
_NOBODY = (Policy(0, frozenset()), "")


class PolicyRegistry:
    """Interned (policy, data owner) pairs and, per country, which of them it may see."""

    def __init__(self) -> None:
        self._ids: dict[tuple[Policy, str], int] = {_NOBODY: HIDDEN}
        self._pairs: list[tuple[Policy, str]] = [_NOBODY]
        self._views: dict[str, list[bool]] = {}

    def intern(self, policy: Policy, owner: str) -> int:
        key = (policy, owner)
        number = self._ids.get(key)
        if number is None:
            number = self._ids[key] = len(self._pairs)
            self._pairs.append(key)
        return number

    def view(self, country: str) -> list[bool]:
        """For each policy number, whether `country` may see records under it."""
        view = self._views.setdefault(country, [False])
        for number in range(len(view), len(self._pairs)):
            policy, owner = self._pairs[number]
            view.append(may_see(policy, owner, country))
        return view


def entity_label(entity: entity_pb2.Entity) -> str:
    """What a link chart writes on a node: a name, an event's title, a place."""
    kind = entity.WhichOneof("kind")
    if kind == "person" and entity.person.names:
        name = entity.person.names[0]
        return written_name(name)
    if kind == "organization" and entity.organization.names:
        return str(entity.organization.names[0])
    if kind == "event":
        event = entity.event
        day = event.start_time.ToDatetime().date().isoformat() if event.HasField("start_time") else ""
        return event.title or " ".join(filter(None, [event.iccs_code, day]))
    if kind == "location":
        place = entity.location
        return place.name or ", ".join(filter(None, [place.street, place.locality, place.country]))
    return entity.id


_KINDS = {"person": entity_pb2.ENTITY_KIND_PERSON, "organization": entity_pb2.ENTITY_KIND_ORGANIZATION,
          "event": entity_pb2.ENTITY_KIND_EVENT, "location": entity_pb2.ENTITY_KIND_LOCATION}


@dataclass(frozen=True, slots=True)
class Edge:
    """One link as a path or a chart needs it."""

    index: int
    link_id: str
    source: int
    target: int
    link_type: int
    role: str


@dataclass(frozen=True, slots=True)
class _Snapshot:
    """The link lists of the first `nodes` nodes as arrays: node n's links are
    `edges[indptr[n]:indptr[n + 1]]`, their far ends at the same places in `ends`."""

    nodes: int
    indptr: np.ndarray
    ends: np.ndarray
    edges: np.ndarray
    #: Policy numbers of the nodes (kept current by `put_entity` and `delete_entity`)
    #: and of the links (a link's policy changes only by unlinking it, which marks its
    #: ends changed).
    node_policies: np.ndarray
    edge_policies: np.ndarray


class EntityGraph:
    """Entities (nodes) and links (edges), with interned access policies."""

    def __init__(self, policies: PolicyRegistry | None = None) -> None:
        self.policies = policies or PolicyRegistry()
        self.node_ids: list[str] = []
        self.node_kinds: list[int] = []
        self.node_labels: list[str] = []
        self.node_owners: list[str] = []
        self.node_policies: list[int] = []
        self.adjacency: list[list[int]] = []
        #: For each node, the node at the other end of each of its links, in the order
        #: of `adjacency`, so that set operations find links among a set of nodes in C.
        self.ends: list[list[int]] = []
        self._node_of: dict[str, int] = {}
        self.edge_ids: list[str] = []
        self.edge_sources: list[int] = []
        self.edge_targets: list[int] = []
        self.edge_types: list[int] = []
        self.edge_roles: list[str] = []
        self.edge_policies: list[int] = []
        self._edge_of: dict[str, int] = {}
        #: Changes with every write, so that caches (communities) know when to recompute.
        self.version = 0
        self._snapshot: _Snapshot | None = None
        #: Nodes whose links changed since the snapshot was made.
        self._changed: set[int] = set()

    # -- reading -------------------------------------------------------------------

    def node(self, entity_id: str) -> int | None:
        return self._node_of.get(entity_id)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._node_of

    @property
    def node_count(self) -> int:
        return len(self.node_ids)

    @property
    def edge_count(self) -> int:
        return len(self._edge_of)

    def edge(self, index: int) -> Edge:
        return Edge(index, self.edge_ids[index], self.edge_sources[index], self.edge_targets[index],
                    self.edge_types[index], self.edge_roles[index])

    def other_end(self, edge: int, node: int) -> int:
        source = self.edge_sources[edge]
        return self.edge_targets[edge] if source == node else source

    def links_among(self, nodes: Collection[int]) -> set[int]:
        """Every link (edge index) whose two ends are both in `nodes`, visible or not."""
        wanted = set(nodes)
        snapshot, changed = self._snapshot, self._changed
        found: set[int] = set()
        settled = [] if snapshot is None else [n for n in wanted if n < snapshot.nodes and n not in changed]
        if snapshot is not None and settled:
            inside = np.zeros(len(self.node_ids), dtype=bool)
            inside[np.fromiter(wanted, np.int64, len(wanted))] = True
            rows = np.asarray(settled, dtype=np.int64)
            starts, counts = snapshot.indptr[rows], snapshot.indptr[rows + 1] - snapshot.indptr[rows]
            total = int(counts.sum())
            # The positions of all their links, row after row, without a Python loop.
            positions = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
            found.update(snapshot.edges[positions[inside[snapshot.ends[positions]]]].tolist())
        fresh = wanted.difference(settled)
        for node in fresh:
            row, adjacent = self.ends[node], self.adjacency[node]
            for other in wanted.intersection(row):  # list.index searches in C; parallel links are rare
                position = -1
                for _ in range(row.count(other)):
                    position = row.index(other, position + 1)
                    found.add(adjacent[position])
        return found

    def snapshot_is_stale(self) -> bool:
        """True when so many nodes changed since the snapshot (a tenth, at least
        10,000) that `links_among` would do much of its work in Python. The share keeps
        the cost of refreshing, while a large feed is followed, in proportion to it."""
        if self._snapshot is None:
            return bool(self.node_ids)
        changed = len(self._changed) + len(self.node_ids) - self._snapshot.nodes
        return changed > max(10_000, len(self.node_ids) // 10)

    def refresh_snapshot(self) -> None:
        """Remake the array copy of every node's links (1 to 1.5 s per million links here)."""
        count = len(self.node_ids)
        lengths = np.fromiter(map(len, self.adjacency), np.int64, count)
        indptr = np.zeros(count + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        total = int(indptr[-1])
        self._snapshot = _Snapshot(count, indptr, np.fromiter(chain.from_iterable(self.ends), np.int64, total),
                                   np.fromiter(chain.from_iterable(self.adjacency), np.int64, total),
                                   np.fromiter(self.node_policies, np.int64, count),
                                   np.fromiter(self.edge_policies, np.int64, len(self.edge_policies)))
        self._changed = set()

    def visible_links(self, node: int, view: np.ndarray) -> tuple[list[int], list[int]] | None:
        """The links of `node` that `view` (`PolicyRegistry.view` as an array) shows, and
        their far ends, in the order of `adjacency`, read from the snapshot with the
        same test as `edge_visible` less the near end's; None when the node changed
        since the snapshot (then its lists are to be read)."""
        snapshot = self._snapshot
        if snapshot is None or node >= snapshot.nodes or node in self._changed:
            return None
        start, stop = snapshot.indptr[node], snapshot.indptr[node + 1]
        edges, ends = snapshot.edges[start:stop], snapshot.ends[start:stop]
        shown = view[snapshot.edge_policies[edges]] & view[snapshot.node_policies[ends]]
        return edges[shown].tolist(), ends[shown].tolist()

    def _policy_changed(self, node: int) -> None:
        snapshot = self._snapshot
        if snapshot is not None and node < snapshot.nodes:
            snapshot.node_policies[node] = self.node_policies[node]

    def node_visible(self, node: int, view: list[bool]) -> bool:
        return view[self.node_policies[node]]

    def edge_visible(self, edge: int, view: list[bool]) -> bool:
        policies = self.node_policies
        return (view[self.edge_policies[edge]] and view[policies[self.edge_sources[edge]]]
                and view[policies[self.edge_targets[edge]]])

    # -- writing -------------------------------------------------------------------

    def _ensure_node(self, entity_id: str) -> int:
        node = self._node_of.get(entity_id)
        if node is None:
            node = self._node_of[entity_id] = len(self.node_ids)
            self.node_ids.append(entity_id)
            self.node_kinds.append(entity_pb2.ENTITY_KIND_UNSPECIFIED)
            self.node_labels.append("")
            self.node_owners.append("")
            self.node_policies.append(HIDDEN)
            self.adjacency.append([])
            self.ends.append([])
        return node

    def put_entity(self, entity: entity_pb2.Entity) -> int:
        """Add or replace an entity; its links stay."""
        node = self._ensure_node(entity.id)
        owner = entity.provenance.data_owner
        self.node_kinds[node] = _KINDS.get(entity.WhichOneof("kind") or "", entity_pb2.ENTITY_KIND_UNSPECIFIED)
        self.node_labels[node] = entity_label(entity)
        self.node_owners[node] = owner
        self.node_policies[node] = self.policies.intern(Policy.from_proto(entity.access_policy), owner)
        self._policy_changed(node)
        self.version += 1
        return node

    def put_link(self, link: link_pb2.Link) -> int | None:
        """Add or replace a link (ends that are not known yet become placeholders)."""
        if not link.id or not link.from_entity_id or not link.to_entity_id or \
                link.from_entity_id == link.to_entity_id:
            return None
        old = self._edge_of.get(link.id)
        if old is not None:
            self._unlink(old)
        source, target = self._ensure_node(link.from_entity_id), self._ensure_node(link.to_entity_id)
        edge = self._edge_of[link.id] = len(self.edge_ids)
        self.edge_ids.append(link.id)
        self.edge_sources.append(source)
        self.edge_targets.append(target)
        self.edge_types.append(link.link_type)
        self.edge_roles.append(link.role)
        self.edge_policies.append(self.policies.intern(Policy.from_proto(link.access_policy),
                                                       link.provenance.data_owner))
        self.adjacency[source].append(edge)
        self.adjacency[target].append(edge)
        self.ends[source].append(target)
        self.ends[target].append(source)
        if self._snapshot is not None:
            self._changed.update((source, target))
        self.version += 1
        return edge

    def _unlink(self, edge: int) -> None:
        for node in (self.edge_sources[edge], self.edge_targets[edge]):
            if self._snapshot is not None:
                self._changed.add(node)
            adjacent = self.adjacency[node]
            if edge in adjacent:
                position = adjacent.index(edge)
                del adjacent[position]
                del self.ends[node][position]
        self.edge_policies[edge] = HIDDEN
        del self._edge_of[self.edge_ids[edge]]

    def delete_link(self, link_id: str) -> bool:
        edge = self._edge_of.get(link_id)
        if edge is None:
            return False
        self._unlink(edge)
        self.version += 1
        return True

    def delete_entity(self, entity_id: str) -> list[str]:
        """Hide an entity and drop its links (the repository deletes them with it);
        returns the ids of the dropped links."""
        node = self._node_of.get(entity_id)
        if node is None:
            return []
        dropped = [self.edge_ids[e] for e in list(self.adjacency[node])]
        for link_id in dropped:
            self.delete_link(link_id)
        self.node_policies[node] = HIDDEN
        self._policy_changed(node)
        self.node_kinds[node] = entity_pb2.ENTITY_KIND_UNSPECIFIED
        self.node_labels[node] = ""
        self.version += 1
        return dropped
