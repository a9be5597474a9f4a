"""The demo data set `icore up` loads: generated UIM records with known truth
(services.demo.generator), stored through the real QueryService RPCs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import grpc
import structlog

from icore.uim.v1 import entity_pb2, link_pb2
from services.demo.generator import DEFAULT_SEED, generate
from services.query.client import QueryClient

log = structlog.get_logger(__name__)


def load_if_empty(channels: dict[str, grpc.Channel], size: int, *, seed: int = DEFAULT_SEED,
                  channel_for: Callable[[str], grpc.Channel] | None = None) -> str:
    """Load `size` demo person records (with their organizations, events, places and
    links) into an empty repository; returns a one-line summary.

    Each record is stored as its data owner, so the demo has many owners and access
    policies: with `channel_for(country)` giving a channel that acts for a country
    (its certificate under TLS), or, on a plaintext mesh, with the country in the
    call metadata. Under TLS without `channel_for` every record is owned by the
    country of the channel's certificate; links are then re-pointed at the ids the
    repository gave.
    """
    if size <= 0:
        return "no demo data requested"
    # As France, like the mesh's own client channels (a certificate overrides it).
    default = QueryClient(channels["query"], "FRA")
    if not default.is_empty():
        return "the query store already holds data; demo data not loaded"
    entities: dict[str, list[entity_pb2.Entity]] = defaultdict(list)
    links: dict[str, list[link_pb2.Link]] = defaultdict(list)
    for item in generate(size, seed):
        if item.entity is not None:
            entities[item.owner].append(item.entity)
        elif item.link is not None:
            links[item.owner].append(item.link)

    def client(owner: str) -> QueryClient:
        return QueryClient(channel_for(owner)) if channel_for else QueryClient(channels["query"], owner)

    created = rejected = 0
    for owner, records in sorted(entities.items()):
        response = client(owner).upsert_entities(records, timeout=600)
        created += response.created_count
        rejected += response.rejected_count
    probe_owner, probe = next(iter(sorted(entities.items())))
    if client(probe_owner).get_entity(probe[0].id) is None:
        # The metadata was not honoured (TLS): one owner for all, ids to re-point.
        stored = default.entity_ids()
        generated = {e.id: stored.get(e.provenance.source_record_id, e.id) for records in entities.values()
                     for e in records}
        for owner_links in links.values():
            for link in owner_links:
                link.from_entity_id = generated.get(link.from_entity_id, link.from_entity_id)
                link.to_entity_id = generated.get(link.to_entity_id, link.to_entity_id)
    linked = 0
    for owner, owner_links in sorted(links.items()):
        made, _ = client(owner).upsert_links(owner_links)
        linked += made
    summary = (f"{created} entities ({size} person records, {len(entities)} data owners) and {linked} links "
               f"loaded" + (f"; {rejected} rejected" if rejected else ""))
    log.info("demo_loaded", entities=created, links=linked, rejected=rejected)
    return summary
