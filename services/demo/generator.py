"""The demo and benchmark data set: UIM records as police sources really hold them,
with the truth about which records are the same person.

Everything is deterministic from a seed and generated as a stream, so a million
records never sit in memory:

- True person `i` is fully determined by (seed, i) (`true_person`), and so are its
  records (`person_records`): each records source (the home country's police, and
  police abroad) writes the person its own way: native script or a romanisation
  (ICAO, BGN/PCGN, German, French, ELOT, pinyin spacing, Arabic spellings), family
  name first or last, dropped diacritics, a typo, a missing middle name, a partial
  or slightly wrong date of birth, a passport number spaced differently.
- Persons come in blocks of `BLOCK` true persons; each block adds companies, places,
  events with ICCS codes, times and coordinates, an organised-crime network (a
  criminal group, front companies, members who communicate, direct, pay and are
  suspects in the network's events) and background links.
- Block 0 also holds two planted patterns the analytics tests look for: a burst of
  burglaries in Lyon in one week (`BURST`) and a cluster of drug events around one
  point in Rotterdam (`HOTSPOT`).

`generate(size, seed)` yields `Item`s (an entity or a link, with its intended data
owner and truth labels) until `size` person records have been produced; `Truth`
collects the labels; `search_query` makes a noisy query for a true person.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from google.protobuf import timestamp_pb2

from icore.uim.v1 import (
    access_pb2,
    dates_pb2,
    entity_pb2,
    event_pb2,
    link_pb2,
    location_pb2,
    names_pb2,
    organization_pb2,
    person_pb2,
    provenance_pb2,
)
from services.demo.cultures import (
    BY_COUNTRY,
    CULTURES,
    CYRILLIC_SYSTEMS,
    GREEK_SYSTEMS,
    UKRAINIAN_NATIONAL,
    Culture,
    Given,
    blend,
    cyrillic_to_latin,
    german_umlauts,
    greek_to_latin,
    strip_accents,
)
from services.query.identifiers import entity_id, link_id
from services.uim.access import may_see

#: True persons per block; each block adds its organizations, events and links.
BLOCK = 500
DEFAULT_SEED = 20260
COUNTRIES = tuple(culture.country for culture in CULTURES)
_LANGUAGES = {"FRA": "fr", "DEU": "de", "ITA": "it", "ESP": "es", "NLD": "nl", "POL": "pl", "RUS": "ru",
              "UKR": "uk", "GRC": "el", "TUR": "tr", "GBR": "en", "USA": "en", "CHN": "zh", "EGY": "ar"}
#: Share of people with one of their country's common surnames (see `_surname`).
COMMON_SURNAMES = 0.3
#: How many records a true person has, and how often.
_RECORD_COUNTS = ((1, 0.45), (2, 0.30), (3, 0.15), (4, 0.10))
_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_FIRST_DAY = dt.date(1950, 1, 1).toordinal()
_LAST_DAY = dt.date(2006, 12, 31).toordinal()
_EVENT_START = dt.datetime(2022, 1, 1, tzinfo=dt.UTC)
_EVENT_SPAN_S = 4 * 365 * 86400
#: Background events: ICCS level-2 codes and their relative frequency.
_ICCS_MIX = (("0502", 30), ("0501", 14), ("0201", 12), ("0601", 10), ("0401", 6), ("0701", 8), ("0504", 6),
             ("0702", 3), ("0805", 3), ("0901", 2), ("0204", 2), ("0101", 1), ("0903", 3))
_ICCS_TITLES = {"0502": "Theft", "0501": "Burglary", "0201": "Assault", "0601": "Drug offence", "0401": "Robbery",
                "0701": "Fraud", "0504": "Property damage", "0702": "Forgery", "0805": "Migrant smuggling",
                "0901": "Weapons offence", "0204": "Trafficking in persons", "0101": "Homicide",
                "0903": "Computer crime", "0704": "Money laundering", "0905": "Organised crime"}
_NETWORK_ICCS = ("0601", "0204", "0704", "0805", "0901", "0905")
_GROUP_WORDS = (("Black", "Red", "Iron", "Golden", "Silent", "Northern", "Eastern", "Balkan", "Blue", "White",
                 "Jade", "Desert", "Harbour", "Night", "Steel"),
                ("Eagles", "Brotherhood", "Circle", "Dragons", "Wolves", "Route", "Syndicate", "Family", "Crew",
                 "Network", "Cartel", "Clan", "Company", "Union", "Lions"))
_COMPANY_WORDS = ("Logistics", "Trading", "Import Export", "Holding", "Consulting", "Transport", "Shipping",
                  "Real Estate", "Motors", "Invest", "Solutions", "Foods", "Textiles", "Construction")
_LEGAL_FORMS = {"FRA": "SARL", "DEU": "GmbH", "ITA": "S.r.l.", "ESP": "S.L.", "NLD": "B.V.", "POL": "Sp. z o.o.",
                "RUS": "OOO", "UKR": "TOV", "GRC": "A.E.", "TUR": "Ltd. Şti.", "GBR": "Ltd", "USA": "LLC",
                "CHN": "Co., Ltd.", "EGY": "S.A.E."}
_STREETS = ("Main Street", "Station Road", "Harbour Lane", "Market Square", "Church Street", "Mill Road",
            "Park Avenue", "Bridge Street", "Industrial Estate", "Canal Side")

#: The planted burst: burglaries in Lyon in one week, far above Lyon's usual rate.
BURST_ICCS, BURST_COUNTRY, BURST_LOCALITY = "0501", "FRA", "Lyon"
BURST_START = dt.datetime(2024, 3, 4, tzinfo=dt.UTC)
BURST_DAYS, BURST_EVENTS = 7, 40
#: The planted hotspot: drug events within a few hundred metres of one point.
HOTSPOT_ICCS, HOTSPOT_COUNTRY, HOTSPOT_LOCALITY = "0601", "NLD", "Rotterdam"
HOTSPOT_CENTER = (51.9225, 4.4700)
HOTSPOT_RADIUS_M, HOTSPOT_EVENTS = 250.0, 30


@dataclass(frozen=True)
class Item:
    """One generated record: an entity or a link, its data owner, and the truth."""

    owner: str
    entity: entity_pb2.Entity | None = None
    link: link_pb2.Link | None = None
    #: Index of the true person a person record describes.
    person: int | None = None
    #: Index of the crime network the record belongs to.
    network: int | None = None
    #: "burst" or "hotspot" for the planted events.
    pattern: str = ""


@dataclass(frozen=True)
class TruePerson:
    """The real person behind one or more records."""

    index: int
    culture: Culture
    male: bool
    given: Given
    middle: Given | None
    father: Given
    surname: Given
    surname2: Given | None
    birth: dt.date
    passport: str
    record_count: int
    #: Arabic names often carry the grandfather's name after the father's.
    grandfather: Given | None = None


@dataclass
class Truth:
    """What the generator knows and a store cannot: who is who."""

    #: True person index -> ids of its records, with their policies and owners.
    persons: dict[int, list[str]] = field(default_factory=dict)
    networks: dict[int, list[str]] = field(default_factory=dict)
    burst: list[str] = field(default_factory=list)
    hotspot: list[str] = field(default_factory=list)
    person_records: int = 0
    entities: int = 0
    links: int = 0
    #: Entity id -> (access policy, data owner), for what a country may see.
    policies: dict[str, tuple[access_pb2.AccessPolicy, str]] = field(default_factory=dict)

    def add(self, item: Item) -> None:
        if item.link is not None:
            self.links += 1
            if item.network is not None:
                self.networks.setdefault(item.network, [])
            return
        assert item.entity is not None
        self.entities += 1
        self.policies[item.entity.id] = (item.entity.access_policy, item.owner)
        if item.person is not None:
            self.person_records += 1
            self.persons.setdefault(item.person, []).append(item.entity.id)
        if item.network is not None:
            self.networks.setdefault(item.network, []).append(item.entity.id)
        if item.pattern == "burst":
            self.burst.append(item.entity.id)
        elif item.pattern == "hotspot":
            self.hotspot.append(item.entity.id)

    def visible(self, entity_ids: list[str], country: str) -> list[str]:
        """The ids among `entity_ids` that `country` may see."""
        return [i for i in entity_ids if may_see(self.policies[i][0], self.policies[i][1], country)]


def _rng(seed: int, *parts: int) -> random.Random:
    value = seed
    for part in parts:
        value = value * 1_000_003 + part
    return random.Random(value)


def _weighted(rng: random.Random, pairs: tuple[tuple[object, float], ...]) -> object:
    roll, total = rng.random() * sum(w for _, w in pairs), 0.0
    for value, weight in pairs:
        total += weight
        if roll < total:
            return value
    return pairs[-1][0]


def true_person(seed: int, index: int) -> TruePerson:
    """True person `index`: the same for the same seed, whatever else was generated."""
    rng = _rng(seed, 1, index)
    culture = CULTURES[rng.randrange(len(CULTURES))]
    male = rng.random() < 0.65
    pool = culture.male if male else culture.female
    given = rng.choice(pool)
    middle = None
    if culture.country == "CHN":
        given = _chinese_given(rng, male)
    elif not culture.patronymic and rng.random() < 0.35:
        middle = rng.choice([g for g in pool if g != given])
    surname, surname2 = _surname(rng, culture), _surname(rng, culture) if culture.two_surnames else None
    birth = dt.date.fromordinal(rng.randint(_FIRST_DAY, _LAST_DAY))
    passport = rng.choice(_LETTERS) + rng.choice(_LETTERS) + f"{rng.randrange(10**7):07d}"
    count = int(_weighted(rng, _RECORD_COUNTS))  # type: ignore[call-overload]
    grandfather = rng.choice(culture.male) if culture.script == "Arab" else None
    return TruePerson(index, culture, male, given, middle, rng.choice(culture.male), surname, surname2, birth,
                      passport, count, grandfather)


def _surname(rng: random.Random, culture: Culture) -> Given:
    """A common surname for COMMON_SURNAMES of people, a rarer one (a blend of two
    common ones) for the rest: real populations have a long tail of names, without
    which a million records would be mostly namesakes. Arabic and Chinese family
    names stay in the pool: their spellings are listed, and Chinese surnames are
    concentrated in reality."""
    if culture.script in ("Arab", "Hans") or rng.random() < COMMON_SURNAMES:
        return rng.choice(culture.surnames)
    first, second = rng.sample(culture.surnames, 2)
    return Given(blend(first.native, second.native))


def _chinese_given(rng: random.Random, male: bool) -> Given:
    """One or two characters: Chinese given names vary far more than a fixed pool."""
    pool = BY_COUNTRY["CHN"].male if male else BY_COUNTRY["CHN"].female
    singles = [g for g in pool if len(g.native) == 1]
    if rng.random() < 0.3:
        return rng.choice(singles)
    first, second = rng.choice(singles), rng.choice(singles)
    return Given(first.native + second.native, (first.latin[0] + second.latin[0].lower(),))


# --- how a source writes a name -------------------------------------------------------


def _patronymic(person: TruePerson) -> str:
    """Father's name as a middle name: Петрович / Петровна, or the Arabic father's name."""
    father = person.father.native
    if person.culture.script != "Cyrl":
        return father
    stem = father[:-1] if father.endswith(("й", "ь")) else father
    if father.endswith("а"):
        return ""
    if person.culture.country == "UKR":
        return stem + ("ович" if person.male else "івна")
    return stem + ("евич" if father.endswith(("й", "ь")) else "ович") if person.male else \
        stem + ("евна" if father.endswith(("й", "ь")) else "овна")


def _surname_native(person: TruePerson) -> str:
    surname = person.surname.native
    if person.culture.feminine_surnames and not person.male and surname.endswith(("ов", "ев", "ёв", "ин")):
        surname += "а"
    return surname


def _romanise(text: str, culture: Culture, rng: random.Random, known: tuple[str, ...] = ()) -> tuple[str, str]:
    """A Latin spelling of a native word or name, and the system used."""
    if culture.script == "Latn":
        return text, ""
    if known:
        return rng.choice(known), "informal"
    if culture.script == "Cyrl":
        systems = list(CYRILLIC_SYSTEMS.items())
        if culture.country == "UKR":
            systems.append(("Ukrainian national", UKRAINIAN_NATIONAL))
        system, table = rng.choice(systems)
        return cyrillic_to_latin(text, table), system
    if culture.script == "Grek":
        system = rng.choice(list(GREEK_SYSTEMS))
        return greek_to_latin(text, system), system
    return text, ""


@dataclass
class _NameParts:
    given: list[str]
    family: list[str]


def _parts(person: TruePerson, rng: random.Random, latin: bool, middle_rate: float) -> tuple[_NameParts, str]:
    """Given and family names, native or romanised; returns the parts and the system."""
    culture = person.culture
    given = [person.given]
    middle = person.middle
    if culture.patronymic:
        patronymic = _patronymic(person)
        middle = Given(patronymic, person.father.latin if culture.script == "Arab" else ()) if patronymic else None
    if middle is not None and rng.random() < middle_rate:
        given.append(middle)
        if person.grandfather is not None and rng.random() < 0.5:
            given.append(person.grandfather)
    family = [Given(_surname_native(person), person.surname.latin)]
    if person.surname2 is not None and rng.random() < 0.85:
        family.append(person.surname2)
    system = ""
    if not latin:
        return _NameParts([g.native for g in given], [f.native for f in family]), ""
    if culture.script == "Hans":
        spelled_given = [g.latin[0] for g in given]
        if rng.random() < 0.35:  # "Xiao Ming" for 小明
            spelled_given = [_split_pinyin(g) for g in spelled_given]
        return _NameParts(spelled_given, [f.latin[0] for f in family]), "pinyin"
    out_given: list[str] = []
    out_family: list[str] = []
    system_rng = random.Random(rng.random())  # one system for the whole name
    for group, target in ((given, out_given), (family, out_family)):
        for name in group:
            state = system_rng.getstate()
            spelled, system = _romanise(name.native, culture, system_rng, name.latin)
            system_rng.setstate(state)
            target.append(spelled)
    return _NameParts(out_given, out_family), system


def _split_pinyin(word: str) -> str:
    vowels = "aeiou"
    for cut in range(2, len(word) - 1):
        if word[cut - 1] in vowels and word[cut] not in vowels and word[cut:cut + 1] not in ("n", "g"):
            return f"{word[:cut]} {word[cut:].capitalize()}"
    return word


def _typo(word: str, rng: random.Random) -> str:
    """One keying error: a wrong, missing, doubled or swapped letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        letter = rng.choice("aeiourstnlmkdbgpv")
        return word[:i] + (letter.upper() if word[i].isupper() else letter) + word[i + 1:]
    if kind == 1:
        return word[:i] + word[i + 1:]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    return word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]


def _latin_noise(parts: _NameParts, person: TruePerson, rng: random.Random) -> _NameParts:
    """What a foreign system does to a Latin-script name: accents, umlauts, hyphens."""
    country = person.culture.country
    given, family = parts.given, parts.family
    if person.culture.script == "Latn":
        roll = rng.random()
        if country == "DEU" and roll < 0.3:
            given, family = [german_umlauts(g) for g in given], [german_umlauts(f) for f in family]
        elif roll < 0.75:
            given, family = [strip_accents(g) for g in given], [strip_accents(f) for f in family]
    if len(family) == 2 and rng.random() < 0.3:
        family = [f"{family[0]}-{family[1]}"]
    return _NameParts(given, family)


def render_name(person: TruePerson, rng: random.Random, *, native: bool, typo_rate: float,
                middle_rate: float) -> tuple[str, str, str, str]:
    """(full name, given names, family name, ISO 15924 script) as one source writes them."""
    culture = person.culture
    parts, _ = _parts(person, rng, latin=not native, middle_rate=middle_rate)
    if not native:
        parts = _latin_noise(parts, person, rng)
    if rng.random() < typo_rate:
        words = parts.given + parts.family
        target = rng.randrange(len(words))
        words[target] = _typo(words[target], rng)
        parts = _NameParts(words[:len(parts.given)], words[len(parts.given):])
    given, family = " ".join(parts.given), " ".join(parts.family)
    script = culture.script if native else "Latn"
    if native and culture.script == "Hans":
        return family + given, "", "", script
    if rng.random() < 0.35:
        family = family.upper()
    family_first = (culture.family_first and rng.random() < 0.7) or rng.random() < 0.3
    full = f"{family} {given}" if family_first else f"{given} {family}"
    return full, given, family, script


# --- person records -------------------------------------------------------------------


def _partial(date: dt.date, rng: random.Random, precise: float = 0.72) -> dates_pb2.PartialDate | None:
    """A date of birth as a source knows it: full, month, year, absent or a day off."""
    roll = rng.random()
    if roll < precise:
        return dates_pb2.PartialDate(year=date.year, month=date.month, day=date.day)
    if roll < precise + 0.08:
        return dates_pb2.PartialDate(year=date.year, month=date.month)
    if roll < precise + 0.22:
        return dates_pb2.PartialDate(year=date.year)
    if roll < precise + 0.25:
        shifted = date + dt.timedelta(days=rng.choice((-1, 1)))
        return dates_pb2.PartialDate(year=shifted.year, month=shifted.month, day=shifted.day)
    return None


def _document_number(number: str, rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return f"{number[:2]} {number[2:]}"
    if style == 1:
        return f"{number[:2]}-{number[2:5]} {number[5:]}"
    if style == 2:
        return number.lower()
    return number


def _policy(rng: random.Random, owner: str) -> access_pb2.AccessPolicy:
    roll = rng.random()
    handling = rng.choice((access_pb2.HANDLING_CODE_H0, access_pb2.HANDLING_CODE_H1, access_pb2.HANDLING_CODE_H2))
    others = [c for c in COUNTRIES if c != owner]
    if roll < 0.85:
        return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS, handling_code=handling)
    if roll < 0.95:
        return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED,
                                       countries=sorted(rng.sample(others, rng.randint(1, 3))),
                                       handling_code=access_pb2.HANDLING_CODE_H2)
    return access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_EXCEPT_LISTED,
                                   countries=sorted(rng.sample(others, rng.randint(1, 2))),
                                   handling_code=access_pb2.HANDLING_CODE_H1)


def _provenance(owner: str, system: str, record_id: str, rng: random.Random) -> provenance_pb2.Provenance:
    return provenance_pb2.Provenance(
        data_owner=owner, source_system=system, source_record_id=record_id,
        source_reliability=rng.choice((provenance_pb2.SOURCE_RELIABILITY_A, provenance_pb2.SOURCE_RELIABILITY_B,
                                       provenance_pb2.SOURCE_RELIABILITY_C)),
        information_accuracy=rng.choice((provenance_pb2.INFORMATION_ACCURACY_1,
                                         provenance_pb2.INFORMATION_ACCURACY_2,
                                         provenance_pb2.INFORMATION_ACCURACY_3)))


def person_record(person: TruePerson, seed: int, number: int) -> Item:
    """Record `number` of a true person: 0 by the home country, the others abroad."""
    rng = _rng(seed, 2, person.index, number)
    home = number == 0
    owner = person.culture.country if home else rng.choice([c for c in COUNTRIES if c != person.culture.country])
    system = rng.choice(BY_COUNTRY[owner].source_systems)
    native = home and rng.random() < 0.95
    full, given, family, script = render_name(person, rng, native=native, typo_rate=0.1 if home else 0.2,
                                              middle_rate=0.6 if home else 0.25)
    name = names_pb2.PersonName(script=script, name_type=names_pb2.NAME_TYPE_PRIMARY)
    if given and family and rng.random() < 0.4:
        name.given_names, name.family_name = given, family
    else:
        name.full_name = full
    if native and person.culture.script != "Latn" and rng.random() < 0.5:
        latin, _, _, _ = render_name(person, rng, native=False, typo_rate=0.0, middle_rate=0.0)
        name.transliterations.add(text=latin.upper(), script="Latn", system="ICAO 9303")
    record = person_pb2.Person(names=[name])
    if rng.random() < 0.9:
        record.sex = person_pb2.SEX_MALE if person.male else person_pb2.SEX_FEMALE
    birth = _partial(person.birth, rng)
    if birth is not None:
        record.date_of_birth.CopyFrom(birth)
    if rng.random() < 0.85:
        record.nationalities.append(person.culture.country)
    if rng.random() < 0.5:
        record.documents.add(document_type="PASSPORT", number=_document_number(person.passport, rng),
                             issuing_country=person.culture.country)
    if rng.random() < 0.3:
        city, _, _ = rng.choice(person.culture.cities)
        record.place_of_birth.CopyFrom(location_pb2.Location(locality=city, country=person.culture.country))
    record_id = f"{system}-P{person.index:08d}{number}"
    entity = entity_pb2.Entity(id=entity_id(owner, record_id), provenance=_provenance(owner, system, record_id, rng),
                               access_policy=_policy(rng, owner), person=record)
    return Item(owner=owner, entity=entity, person=person.index)


def person_records(seed: int, index: int) -> list[Item]:
    person = true_person(seed, index)
    return [person_record(person, seed, number) for number in range(person.record_count)]


# --- organizations, places, events ----------------------------------------------------


def _timestamp(value: dt.datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(value)
    return stamp


def _open(owner: str, record_id: str, rng: random.Random) -> entity_pb2.Entity:
    system = BY_COUNTRY[owner].source_systems[0]
    return entity_pb2.Entity(id=entity_id(owner, record_id), provenance=_provenance(owner, system, record_id, rng),
                             access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS,
                                                                   handling_code=access_pb2.HANDLING_CODE_H1))


def _company(rng: random.Random, record_id: str, country: str, criminal: bool = False) -> entity_pb2.Entity:
    entity = _open(country, record_id, rng)
    culture = BY_COUNTRY[country]
    if criminal:
        name = f"{rng.choice(_GROUP_WORDS[0])} {rng.choice(_GROUP_WORDS[1])}"
        kind = organization_pb2.ORGANIZATION_TYPE_CRIMINAL_GROUP
    else:
        founder = rng.choice(culture.surnames)
        spelled = founder.latin[0] if founder.latin else _romanise(founder.native, culture, rng)[0]
        name = f"{spelled} {rng.choice(_COMPANY_WORDS)} {_LEGAL_FORMS[country]}"
        kind = organization_pb2.ORGANIZATION_TYPE_COMPANY
    city, lat, lon = rng.choice(culture.cities)
    entity.organization.CopyFrom(organization_pb2.Organization(
        names=[name], jurisdiction=country, organization_type=kind,
        registration_numbers=[] if criminal else [organization_pb2.RegistrationNumber(
            number=f"{rng.randrange(10**8):08d}", registry="Trade register", country=country)],
        addresses=[location_pb2.Location(locality=city, country=country,
                                          point=location_pb2.GeoPoint(latitude=lat, longitude=lon))]))
    return entity


def _place(rng: random.Random, record_id: str, country: str) -> entity_pb2.Entity:
    entity = _open(country, record_id, rng)
    city, lat, lon = rng.choice(BY_COUNTRY[country].cities)
    entity.location.CopyFrom(location_pb2.Location(
        street=rng.choice(_STREETS), house_number=str(rng.randint(1, 200)), locality=city, country=country,
        point=location_pb2.GeoPoint(latitude=lat + rng.uniform(-0.03, 0.03), longitude=lon + rng.uniform(-0.03, 0.03))))
    return entity


def _event(rng: random.Random, record_id: str, country: str, iccs: str, when: dt.datetime,
           where: tuple[str, float, float]) -> entity_pb2.Entity:
    entity = _open(country, record_id, rng)
    city, lat, lon = where
    title = f"{_ICCS_TITLES.get(iccs, 'Offence')} in {city}"
    entity.event.CopyFrom(event_pb2.Event(
        iccs_code=iccs, title=title, start_time=_timestamp(when),
        location=location_pb2.Location(locality=city, country=country,
                                       point=location_pb2.GeoPoint(latitude=lat, longitude=lon)),
        description=f"{title}; reported to the {country} police.", language=_LANGUAGES[country]))
    if rng.random() < 0.3:
        entity.event.end_time.CopyFrom(_timestamp(when + dt.timedelta(hours=rng.randint(1, 6))))
    return entity


def _random_time(rng: random.Random) -> dt.datetime:
    return _EVENT_START + dt.timedelta(seconds=rng.randrange(_EVENT_SPAN_S))


def _near(rng: random.Random, lat: float, lon: float, spread: float) -> tuple[float, float]:
    return lat + rng.uniform(-spread, spread), lon + rng.uniform(-spread, spread)


def _planted(seed: int) -> Iterator[Item]:
    """The burst and the hotspot of block 0 (see the module docstring)."""
    rng = _rng(seed, 7)
    for i in range(BURST_EVENTS):
        when = BURST_START + dt.timedelta(seconds=rng.randrange(BURST_DAYS * 86400))
        lat, lon = _near(rng, 45.764, 4.8357, 0.04)
        yield Item(BURST_COUNTRY, entity=_event(rng, f"FRA-BURST-{i:03d}", BURST_COUNTRY, BURST_ICCS, when,
                                                (BURST_LOCALITY, lat, lon)), pattern="burst")
    degrees = HOTSPOT_RADIUS_M / 111_000
    for i in range(HOTSPOT_EVENTS):
        when = dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=rng.randrange(365 * 86400))
        lat, lon = _near(rng, HOTSPOT_CENTER[0], HOTSPOT_CENTER[1], degrees * 0.7)
        yield Item(HOTSPOT_COUNTRY, entity=_event(rng, f"NLD-HOTSPOT-{i:03d}", HOTSPOT_COUNTRY, HOTSPOT_ICCS, when,
                                                  (HOTSPOT_LOCALITY, lat, lon)), pattern="hotspot")


def _link(owner: str, record_id: str, source: str, target: str, kind: int, role: str = "",
          network: int | None = None) -> Item:
    link = link_pb2.Link(
        id=link_id(owner, record_id), from_entity_id=source, to_entity_id=target, link_type=kind,  # type: ignore[arg-type]
        role=role,
        provenance=provenance_pb2.Provenance(data_owner=owner, source_system=BY_COUNTRY[owner].source_systems[0],
                                             source_record_id=record_id),
        access_policy=access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS,
                                              handling_code=access_pb2.HANDLING_CODE_H2))
    return Item(owner, link=link, network=network)


def _open_to_all(item: Item) -> bool:
    assert item.entity is not None
    return item.entity.access_policy.visibility == access_pb2.VISIBILITY_ALL_MEMBERS


def block_extras(seed: int, block: int, persons: list[Item]) -> Iterator[Item]:
    """Organizations, places, events, the block's crime network and background links."""
    rng = _rng(seed, 3, block)
    owner = rng.choice(COUNTRIES)
    tag = f"B{block:05d}"
    open_persons = [p for p in persons if _open_to_all(p)]
    scale = max(1, len(persons) // 2)  # about one company per 20 person records
    companies = [Item(c, entity=_company(rng, f"{c}-ORG-{tag}-{i}", c))
                 for i in range(max(2, scale // 10)) for c in [rng.choice(COUNTRIES)]]
    places = [Item(c, entity=_place(rng, f"{c}-LOC-{tag}-{i}", c))
              for i in range(max(2, scale // 10)) for c in [rng.choice(COUNTRIES)]]
    events = []
    for i in range(max(4, len(persons) // 5)):
        country = rng.choice(COUNTRIES)
        city, lat, lon = rng.choice(BY_COUNTRY[country].cities)
        lat, lon = _near(rng, lat, lon, 0.05)
        iccs = str(_weighted(rng, _ICCS_MIX))
        events.append(Item(country, entity=_event(rng, f"{country}-EVT-{tag}-{i}", country, iccs, _random_time(rng),
                                                  (city, lat, lon))))
    yield from companies
    yield from places
    yield from events
    if block == 0:
        yield from _planted(seed)

    # The crime network: a group, front companies, members, their events.
    members = rng.sample(open_persons, min(len(open_persons), rng.randint(10, 18)))
    if len(members) >= 4:
        group = Item(owner, entity=_company(rng, f"{owner}-OCG-{tag}", owner, criminal=True), network=block)
        fronts = [Item(c, entity=_company(rng, f"{c}-FRONT-{tag}-{i}", c), network=block)
                  for i in range(3) for c in [rng.choice(COUNTRIES)]]
        crimes = []
        for i in range(6):
            country = rng.choice(COUNTRIES)
            where = rng.choice(BY_COUNTRY[country].cities)
            crimes.append(Item(country, entity=_event(rng, f"{country}-NET-{tag}-{i}", country,
                                                      rng.choice(_NETWORK_ICCS), _random_time(rng), where),
                               network=block))
        yield group
        yield from fronts
        yield from crimes
        for member in members:
            assert member.entity is not None
            yield Item(member.owner, entity=member.entity, person=member.person, network=block)
        yield from _network_links(rng, owner, tag, block, group, fronts, crimes, members)

    # Background: family, associates, homes, jobs, victims and witnesses.
    n = 0
    for _ in range(len(persons) // 8):
        a, b = rng.sample(open_persons, 2) if len(open_persons) >= 2 else (None, None)
        if a is None or b is None:
            break
        kind = rng.choice((link_pb2.LINK_TYPE_FAMILY, link_pb2.LINK_TYPE_ASSOCIATE))
        role = "brother" if kind == link_pb2.LINK_TYPE_FAMILY else ""
        yield _link(a.owner, f"LNK-{tag}-{n}", _id(a), _id(b), kind, role)
        n += 1
    for person in rng.sample(open_persons, min(len(open_persons), len(persons) // 4)):
        target = rng.choice(places + companies + events)
        kind = (link_pb2.LINK_TYPE_RESIDES_AT if target in places else link_pb2.LINK_TYPE_EMPLOYEE_OF
                if target in companies else rng.choice((link_pb2.LINK_TYPE_VICTIM_OF, link_pb2.LINK_TYPE_WITNESS_OF)))
        yield _link(person.owner, f"LNK-{tag}-{n}", _id(person), _id(target), kind)
        n += 1


def _id(item: Item) -> str:
    assert item.entity is not None
    return item.entity.id


def _network_links(rng: random.Random, owner: str, tag: str, block: int, group: Item, fronts: list[Item],
                   crimes: list[Item], members: list[Item]) -> Iterator[Item]:
    n = 0

    def link(source: Item, target: Item, kind: int, role: str = "") -> Item:
        nonlocal n
        n += 1
        return _link(owner, f"NET-{tag}-{n}", _id(source), _id(target), kind, role, network=block)

    roles = ["leader", "lieutenant", "courier", "accountant", "enforcer", "recruiter", "driver"]
    for i, member in enumerate(members):
        yield link(member, group, link_pb2.LINK_TYPE_MEMBER_OF, roles[min(i, len(roles) - 1)])
    for i, front in enumerate(fronts):
        yield link(members[i % len(members)], front, link_pb2.LINK_TYPE_DIRECTOR_OF, "managing director")
        yield link(group, front, link_pb2.LINK_TYPE_OWNER_OF)
        yield link(front, fronts[(i + 1) % len(fronts)], link_pb2.LINK_TYPE_TRANSFERRED_FUNDS_TO)
    for i, member in enumerate(members):
        for other in rng.sample(members, 3):
            if other is not member:
                yield link(member, other, link_pb2.LINK_TYPE_COMMUNICATES_WITH)
        if i == 0:
            continue
        yield link(member, members[rng.randrange(i)], link_pb2.LINK_TYPE_ASSOCIATE)
    for crime in crimes:
        for member in rng.sample(members, min(len(members), rng.randint(2, 4))):
            yield link(member, crime, link_pb2.LINK_TYPE_SUSPECT_IN)


def generate(size: int, seed: int = DEFAULT_SEED, *, extras: bool = True) -> Iterator[Item]:
    """`size` person records (more records follow: organizations, events, links,
    unless `extras` is False), block by block; each block's entities come before
    the links between them."""
    produced, index, block = 0, 0, 0
    while produced < size:
        persons: list[Item] = []
        for index in range(block * BLOCK, (block + 1) * BLOCK):
            for item in person_records(seed, index):
                if produced >= size:
                    break
                persons.append(item)
                produced += 1
            if produced >= size:
                break
        network_members = set()
        if extras:
            extra_items = list(block_extras(seed, block, persons))
            network_members = {id(i.entity) for i in extra_items if i.person is not None}
            for item in persons:
                if id(item.entity) not in network_members:
                    yield item
            yield from extra_items
        else:
            yield from persons
        block += 1


# --- search queries with known answers ------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A search an investigator would type for a true person, and who that is."""

    person: int
    name: str
    date_of_birth: dates_pb2.PartialDate | None
    nationality: str
    document_number: str


def search_query(seed: int, index: int, variant: int = 0) -> Query:
    """A fresh, noisy rendering of true person `index`: a name as yet another source
    would write it (any script, typos, order), a date of birth as precise as the
    caller knows it, sometimes a nationality or a passport number."""
    person = true_person(seed, index)
    rng = _rng(seed, 5, index, variant)
    native = person.culture.script != "Latn" and rng.random() < 0.3
    name, _, _, _ = render_name(person, rng, native=native, typo_rate=0.15, middle_rate=0.2)
    roll = rng.random()
    if roll < 0.8:
        birth = dates_pb2.PartialDate(year=person.birth.year, month=person.birth.month, day=person.birth.day)
    elif roll < 0.85:
        birth = dates_pb2.PartialDate(year=person.birth.year, month=person.birth.month)
    else:
        birth = dates_pb2.PartialDate(year=person.birth.year)
    nationality = person.culture.country if rng.random() < 0.3 else ""
    document = _document_number(person.passport, rng) if rng.random() < 0.1 else ""
    return Query(index, name, birth, nationality, document)
