"""GetRelated: the entities linked to one entity, up to a depth, breadth first.

Each hop is one query for the visible links touching the frontier whose other
end is visible too (storage.Repository.links_of), so a hidden entity is never
reached, and nothing beyond it either: no path leads through what the caller may
not see.
"""

from __future__ import annotations

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
    distance = {start: 0}
    seen: dict[int, StoredLink] = {}
    frontier = [start]
    for hop in range(1, depth + 1):
        if not frontier:
            break
        reached = []
        for link in repository.links_of(frontier, country, link_types):
            seen[link.pk] = link
            for end in (link.from_pk, link.to_pk):
                if end not in distance and len(distance) < MAX_REACHED:
                    distance[end] = hop
                    reached.append(end)
        frontier = reached
    ordered = sorted((d, pk) for pk, d in distance.items() if pk != start)
    chosen = ordered[page.offset:page.offset + page.size]
    bodies = repository.bodies_by_pk([pk for _, pk in chosen], country)
    shown = {pk for _, pk in chosen}
    earlier = {start} | {pk for _, pk in ordered[:page.offset + page.size]}
    links = [link for link in seen.values()
             if (link.from_pk in shown and link.to_pk in earlier) or (link.to_pk in shown and link.from_pk in earlier)]
    entities = [(pk, d, bodies[pk]) for d, pk in chosen if pk in bodies]
    return Related(entities, sorted(links, key=lambda link: link.pk), len(ordered))
