"""The demo data set `icore up` loads: generated UIM records with known truth
(services.demo.generator), stored through the real QueryService RPCs, case
messages about some of them (services.demo.messages) sent through
MessagingService, and the faces of some on watch lists (services.demo.watchlists,
with the passports reported stolen) enrolled through BiometricService."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import grpc
import structlog

from icore.messaging.v1 import message_pb2
from icore.messaging.v1 import messaging_service_pb2 as messaging_pb
from icore.messaging.v1 import messaging_service_pb2_grpc as messaging_grpc
from icore.uim.v1 import entity_pb2, link_pb2
from services.bootstrap.certificates import DEMO_COUNTRIES
from services.bootstrap.identity import Caller, identity_metadata
from services.demo import watchlists
from services.demo.generator import DEFAULT_SEED, generate
from services.demo.messages import demo_cases, send_cases
from services.query.client import QueryClient

log = structlog.get_logger(__name__)


def load_if_empty(channels: dict[str, grpc.Channel], size: int, *, seed: int = DEFAULT_SEED,
                  channel_for: Callable[[str, str], grpc.Channel] | None = None) -> str:
    """Load `size` demo person records (with their organizations, events, places and
    links) into an empty repository, and, when `channels` has "messaging", send the
    demo's case messages; returns a one-line summary.

    Each record is stored (and each message sent) as its data owner, so the demo
    has many owners and access policies: with `channel_for(service, country)` giving
    a channel to a service that acts for a country (its certificate under TLS), or,
    on a plaintext mesh, with the country in the call metadata. Under TLS without
    `channel_for` every record is owned by the country of the channel's
    certificate; links are then re-pointed at the ids the repository gave, and
    that country sends the cases not addressed to it, without replies.
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
            watchlists.report_stolen(item.entity)
            entities[item.owner].append(item.entity)
        elif item.link is not None:
            links[item.owner].append(item.link)

    def client(owner: str) -> QueryClient:
        return QueryClient(channel_for("query", owner)) if channel_for else QueryClient(channels["query"], owner)

    created = rejected = 0
    for owner, records in sorted(entities.items()):
        response = client(owner).upsert_entities(records, timeout=600)
        created += response.created_count
        rejected += response.rejected_count
    probe_owner, probe = next(iter(sorted(entities.items())))
    acting_as = ""  # the certificate's country, when it overrides the metadata
    generated: dict[str, str] = {}  # generated id -> stored id, where they differ
    if client(probe_owner).get_entity(probe[0].id) is None:
        # The metadata was not honoured (TLS): one owner for all, ids to re-point.
        stored = default.entity_ids()
        generated = {e.id: stored.get(e.provenance.source_record_id, e.id) for records in entities.values()
                     for e in records}
        for owner_links in links.values():
            for link in owner_links:
                link.from_entity_id = generated.get(link.from_entity_id, link.from_entity_id)
                link.to_entity_id = generated.get(link.to_entity_id, link.to_entity_id)
        stored_probe = default.get_entity(generated[probe[0].id])
        acting_as = stored_probe.provenance.data_owner if stored_probe is not None else ""
    linked = 0
    for owner, owner_links in sorted(links.items()):
        made, _ = client(owner).upsert_links(owner_links)
        linked += made
    summary = (f"{created} entities ({size} person records, {len(entities)} data owners) and {linked} links "
               f"loaded" + (f"; {rejected} rejected" if rejected else ""))
    sent = 0
    if "messaging" in channels:
        persons = [(owner, e) for owner, records in sorted(entities.items()) for e in records if e.HasField("person")]

        sent = send_cases(demo_cases(persons, seed), lambda country: _as(channels, channel_for, "messaging", country),
                          acting_as)
        summary += f"; {sent} case messages sent"
    enrolled: list[tuple[str, str]] = []
    if "biometric" in channels:
        enrolled = _enroll_watchlists(channels, entities, generated, channel_for)
        if enrolled:
            wanted = next((entity_id for entity_id, watchlist in enrolled if watchlist == "red_notices"),
                          enrolled[0][0])
            summary += (f"; {len(enrolled)} faces on watch lists (a frontline check of one: "
                        f"icore probe {wanted})")
    log.info("demo_loaded", entities=created, links=linked, rejected=rejected, messages=sent, faces=len(enrolled))
    return summary


def wait_until_cross_checked(channels: dict[str, grpc.Channel],
                             channel_for: Callable[[str, str], grpc.Channel] | None = None,
                             timeout_s: float = 30.0) -> bool:
    """Until messaging has cross-checked every message in each demo bureau's
    inbox: `icore up` prints its banner after that work, whose log lines
    (a repository search per person in a message) would otherwise bury it.
    False when `timeout_s` passed first."""
    deadline = time.monotonic() + timeout_s
    pending = list(DEMO_COUNTRIES)
    while pending and time.monotonic() < deadline:
        pending = [country for country in pending if _cross_checking(channels, channel_for, country)]
        if pending:
            time.sleep(0.2)
    return not pending


def _cross_checking(channels: dict[str, grpc.Channel], channel_for: Callable[[str, str], grpc.Channel] | None,
                    country: str) -> bool:
    channel, metadata = _as(channels, channel_for, "messaging", country)
    listing = messaging_pb.ListMessagesRequest(mailbox=messaging_pb.MAILBOX_INBOX, page_size=500)
    found = messaging_grpc.MessagingServiceStub(channel).ListMessages(listing, metadata=metadata, timeout=10)
    return any(m.cross_check.state != message_pb2.CROSS_CHECK_STATE_COMPLETE for m in found.messages)


def _enroll_watchlists(channels: dict[str, grpc.Channel], entities: dict[str, list[entity_pb2.Entity]],
                       generated: dict[str, str],
                       channel_for: Callable[[str, str], grpc.Channel] | None) -> list[tuple[str, str]]:
    """The demo's watch-listed faces, each enrolled by its record's owner, on the
    record as stored (its id re-pointed where the repository gave another)."""
    persons = []
    for owner, records in sorted(entities.items()):
        for entity in records:
            if entity.HasField("person") and entity.id in generated:
                entity = entity_pb2.Entity(id=generated[entity.id], person=entity.person,
                                           access_policy=entity.access_policy)
            if entity.HasField("person"):
                persons.append((owner, entity))
    return watchlists.enroll_watchlists(persons, lambda country: _as(channels, channel_for, "biometric", country))


def _as(channels: dict[str, grpc.Channel], channel_for: Callable[[str, str], grpc.Channel] | None, service: str,
        country: str) -> tuple[grpc.Channel, tuple[tuple[str, str], ...]]:
    """A channel to `service` acting for `country`, and the metadata to send:
    its certificate's channel under TLS, else the shared channel and the
    country in the metadata (a plaintext mesh)."""
    if channel_for:
        return channel_for(service, country), ()
    return channels[service], identity_metadata(Caller(country))
