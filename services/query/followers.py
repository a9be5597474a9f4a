"""Which icore service follows the whole repository for itself.

The analytics service mirrors every record and filters each of its own answers
for its caller, so it follows ExportEntities as itself, not for a member country.
The shared identity layer resolves such a call to no caller at all (a service
acting for itself only reads health and code lists), so this adapter reads the
same evidence it reads: the verified certificate's `urn:icore:service:` name
under TLS, the `x-icore-service` header without `x-icore-on-behalf-of` on a
plaintext development server. To be replaced by a Caller for services acting for
themselves in services.bootstrap.identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from services.bootstrap.identity import ON_BEHALF_OF_HEADER, SERVICE_HEADER, SERVICE_URI

#: Services that may follow every change, with the access policy of each record.
FULL_FOLLOWERS = frozenset({"analytics"})


def full_follower(metadata: Mapping[str, str], auth_context: Mapping[str, Iterable[bytes]],
                  plaintext: bool) -> str | None:
    """The name of a service in FULL_FOLLOWERS calling for itself, or None."""
    if plaintext:
        service = metadata.get(SERVICE_HEADER, "")
        acting_for = metadata.get(ON_BEHALF_OF_HEADER, "")
    else:
        uris = [uri.decode() for uri in auth_context.get("peer_uri", ())]
        names = [uri.removeprefix(SERVICE_URI) for uri in uris if uri.startswith(SERVICE_URI)]
        service = names[0] if len(names) == 1 else ""
        acting_for = metadata.get(ON_BEHALF_OF_HEADER, "")
    return service if service in FULL_FOLLOWERS and not acting_for else None
