"""GetRelated and BatchGetRelated: the entities linked to an entity, up to a
depth, breadth first.

Each hop is one query for the visible links touching the frontier whose other
end is visible too (storage.Repository.links_of), so a hidden entity is never
reached, and nothing beyond it either: no path leads through what the caller may
not see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from services.bootstrap.paging import PageRequest
from services.query.storage import Repository, StoredLink

#: Entities one GetRelated explores at most, whatever the depth: hubs (a busy
#: address, a large company) would otherwise pull in much of the store.
MAX_REACHED = 5_000


@dataclass(frozen=True)
class Related:
    #: (entity pk, distance, body) of the requested page, nearest first.
    entities: list[tuple[int, int, bytes]]
    links: list[StoredLink]
    total: int


def related(repository: Repository, start: int, depth: int, link_types: Sequence[int], country: str,
            page: PageRequest) -> Related:
    """GetRelated: one page of what `start` reaches."""
    return related_many(repository, [start], depth, link_types, country, page.offset, page.size)[start]


def related_many(repository: Repository, starts: Sequence[int], depth: int, link_types: Sequence[int],
                 country: str, offset: int, size: int) -> dict[int, Related]:
    """What each of `starts` reaches, entities `offset` to `offset + size`
    of each, nearest first. One links query per hop and one bodies query serve
    every start entity (BatchGetRelated), so a list of results costs about
    what one entity does."""
    distance = {start: {start: 0} for start in starts}
    seen: dict[int, dict[int, StoredLink]] = {start: {} for start in starts}
    frontier = {start: [start] for start in starts}
    for hop in range(1, depth + 1):
        wanted = sorted({pk for pks in frontier.values() for pk in pks})
        if not wanted:
            break
        touching: dict[int, list[StoredLink]] = defaultdict(list)
        for link in repository.links_of(wanted, country, link_types):
            touching[link.from_pk].append(link)
            touching[link.to_pk].append(link)
        for start, pks in frontier.items():
            reach, crossed, reached = distance[start], seen[start], []
            for link in (link for pk in pks for link in touching.get(pk, ())):
                crossed[link.pk] = link
                for end in (link.from_pk, link.to_pk):
                    if end not in reach and len(reach) < MAX_REACHED:
                        reach[end] = hop
                        reached.append(end)
            frontier[start] = reached
    ordered = {start: sorted((d, pk) for pk, d in reach.items() if pk != start) for start, reach in distance.items()}
    chosen = {start: rows[offset:offset + size] for start, rows in ordered.items()}
    bodies = repository.bodies_by_pk(sorted({pk for rows in chosen.values() for _, pk in rows}), country)
    found = {}
    for start, rows in chosen.items():
        shown = {pk for _, pk in rows}
        earlier = {start} | {pk for _, pk in ordered[start][:offset + size]}
        links = [link for link in seen[start].values() if (link.from_pk in shown and link.to_pk in earlier)
                 or (link.to_pk in shown and link.from_pk in earlier)]
        found[start] = Related([(pk, d, bodies[pk]) for d, pk in rows if pk in bodies],
                               sorted(links, key=lambda link: link.pk), len(ordered[start]))
    return found
