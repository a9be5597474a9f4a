"""Identity records: what entity resolution compares, read once from a UIM person or
organization so that blocking and comparison never touch the protobuf again.

Everything here is normalised for comparison, not for display: names are prepared
by the shared name matching (`services.uim.names`), document and registration numbers
lose spaces and punctuation, addresses become folded words. Events and locations are
not identities and give no record.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from anyascii import anyascii

from icore.analytics.v1 import analytics_service_pb2
from icore.uim.v1 import dates_pb2, entity_pb2, location_pb2
from services.uim.names import PreparedName, normalise_document_number, prepare

PERSON = entity_pb2.ENTITY_KIND_PERSON
ORGANIZATION = entity_pb2.ENTITY_KIND_ORGANIZATION

#: More names than this add comparison cost and almost never a match.
MAX_NAMES = 8

# Legal-form words say what kind of company it is, not which one.
_LEGAL_FORMS = frozenset({
    "ltd", "limited", "llc", "inc", "corp", "corporation", "co", "company", "plc", "gmbh", "ag",
    "kg", "sa", "sarl", "sas", "srl", "spa", "bv", "nv", "oy", "ab", "as", "ooo", "zao", "oao",
    "sp", "zoo", "doo", "kft", "eood", "ood", "holding", "holdings", "group", "trading",
})  # fmt: skip
_STREET_WORDS = {
    "street": "st", "str": "st", "strasse": "st", "straße": "st", "road": "rd", "avenue": "av",
    "ave": "av", "boulevard": "bd", "blvd": "bd", "place": "pl", "square": "sq", "rue": "r",
    "drive": "dr", "lane": "ln", "court": "ct", "crescent": "cr", "circuit": "cct",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth as precise as the source knew it: month and day are 0 when unknown."""

    year: int
    month: int = 0
    day: int = 0

    @classmethod
    def from_proto(cls, date: dates_pb2.PartialDate) -> BirthDate | None:
        if date.year <= 0:
            return None
        month = date.month if 1 <= date.month <= 12 else 0
        day = date.day if month and 1 <= date.day <= 31 else 0
        return cls(date.year, month, day)


@dataclass(frozen=True, slots=True)
class Address:
    """An address reduced to what tells two addresses apart."""

    street: str  # folded street words and house number, e.g. "12 baker st"
    postcode: str
    locality: str
    country: str


@dataclass(frozen=True, slots=True)
class IdentityRecord:
    """One person or organization record, normalised for comparison."""

    entity_id: str
    kind: int
    names: tuple[PreparedName, ...]
    birth_date: BirthDate | None
    sex: int  # icore.uim.v1.Sex; 0 when not recorded
    nationalities: frozenset[str]  # nationalities of a person, jurisdiction of an organization
    documents: frozenset[str]  # identity documents or registration numbers, normalised
    addresses: tuple[Address, ...]
    data_owner: str

    @property
    def label(self) -> str:
        return self.names[0].text if self.names else self.entity_id


def fold_text(text: str) -> str:
    """Lower-case ASCII words from any script: "Hauptstraße 5" -> "hauptstrasse 5"."""
    return " ".join(_WORD.findall(anyascii(unicodedata.normalize("NFKC", text)).lower()))


def _address(location: location_pb2.Location) -> Address | None:
    words = [_STREET_WORDS.get(w, w) for w in fold_text(location.street).split()]
    street = " ".join(filter(None, [fold_text(location.house_number), *words]))
    address = Address(street=street, postcode=fold_text(location.postal_code).replace(" ", ""),
                      locality=fold_text(location.locality), country=location.country)
    return address if address.street or address.postcode or address.locality else None


def _organization_name(text: str) -> str:
    """The name without its legal form, in Latin letters: "ООО Ромашка" -> "romashka"."""
    words = [t.text for t in prepare(text).tokens]
    kept = [w for w in words if w not in _LEGAL_FORMS]
    return " ".join(kept or words)


def _prepared(texts: list[str]) -> tuple[PreparedName, ...]:
    seen: dict[str, PreparedName] = {}
    for text in texts:
        text = " ".join(text.split())
        if text and text not in seen and len(seen) < MAX_NAMES:
            prepared = prepare(text)
            if prepared.tokens:
                seen[text] = prepared
    return tuple(seen.values())


def identity_record(entity: entity_pb2.Entity) -> IdentityRecord | None:
    """The record to resolve for a person or organization; None for other kinds."""
    kind = entity.WhichOneof("kind")
    owner = entity.provenance.data_owner
    if kind == "person":
        person = entity.person
        texts: list[str] = []
        for name in person.names:
            texts.append(name.full_name or f"{name.given_names} {name.family_name}")
            texts.extend(t.text for t in name.transliterations)
        documents = frozenset(filter(None, (normalise_document_number(d.number) for d in person.documents)))
        return IdentityRecord(
            entity_id=entity.id, kind=PERSON, names=_prepared(texts),
            birth_date=BirthDate.from_proto(person.date_of_birth) if person.HasField("date_of_birth") else None,
            sex=person.sex if person.sex in (1, 2) else 0,
            nationalities=frozenset(person.nationalities), documents=documents,
            addresses=tuple(a for a in map(_address, person.addresses) if a), data_owner=owner,
        )
    if kind == "organization":
        org = entity.organization
        texts = [_organization_name(n) for n in org.names]
        texts += [_organization_name(t.text) for t in org.transliterations]
        numbers = frozenset(filter(None, (normalise_document_number(r.number) for r in org.registration_numbers)))
        return IdentityRecord(
            entity_id=entity.id, kind=ORGANIZATION, names=_prepared(texts), birth_date=None, sex=0,
            nationalities=frozenset([org.jurisdiction]) if org.jurisdiction else frozenset(),
            documents=numbers, addresses=tuple(a for a in map(_address, org.addresses) if a),
            data_owner=owner,
        )
    return None


def described_record(description: analytics_service_pb2.IdentityDescription) -> IdentityRecord:
    """A search's description as a record to look up (see Resolver.clustered_like);
    one with no usable name or document has no blocking keys and finds nothing."""
    entity = entity_pb2.Entity(id="described")
    if description.entity_kind == ORGANIZATION:
        entity.organization.names.append(description.name)
        if description.document_number:
            entity.organization.registration_numbers.add(number=description.document_number)
    else:
        entity.person.names.add(full_name=description.name)
        entity.person.nationalities.extend(description.nationalities)
        if description.HasField("date_of_birth"):
            entity.person.date_of_birth.CopyFrom(description.date_of_birth)
        if description.document_number:
            entity.person.documents.add(number=description.document_number)
    record = identity_record(entity)
    assert record is not None  # a person or an organization always gives one
    return record

