"""Who may see a record: the one evaluation of access policies that every
service uses, in Python and as a SQL condition, so that no service writes its
own and no read path forgets one.

A record is visible to its data owner always, and to another member country
as its policy says: all members, only the listed countries, or all but the
listed countries. An unset visibility is treated as owner-only, the safe side.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import sqlalchemy as sa

from icore.uim.v1 import access_pb2

ALL_MEMBERS = access_pb2.VISIBILITY_ALL_MEMBERS
ONLY_LISTED = access_pb2.VISIBILITY_ONLY_LISTED
ALL_EXCEPT_LISTED = access_pb2.VISIBILITY_ALL_EXCEPT_LISTED
_NO_COUNTRIES: frozenset[str] = frozenset()


class Policy(NamedTuple):
    """An access policy reduced to what visibility needs, hashable for caches.
    (A named tuple: bulk loads hash one per record in several caches, and a
    tuple's hash and equality run in C, a frozen dataclass's in Python.)"""

    visibility: int
    countries: frozenset[str]

    @classmethod
    def from_proto(cls, policy: access_pb2.AccessPolicy) -> Policy:
        countries = policy.countries
        return cls(policy.visibility, frozenset(countries) if countries else _NO_COUNTRIES)

    def countries_column(self) -> str:
        """The listed countries as stored: ",DEU,FRA," so that SQL can test
        membership with LIKE '%,FRA,%' and an index-free scan stays cheap."""
        return "," + ",".join(sorted(self.countries)) + "," if self.countries else ""


def may_see(policy: Policy | access_pb2.AccessPolicy, data_owner: str, country: str) -> bool:
    """True when member country `country` may see a record of `data_owner`."""
    if isinstance(policy, access_pb2.AccessPolicy):
        policy = Policy.from_proto(policy)
    if country == data_owner:
        return True
    if policy.visibility == ALL_MEMBERS:
        return True
    if policy.visibility == ONLY_LISTED:
        return country in policy.countries
    if policy.visibility == ALL_EXCEPT_LISTED:
        return country not in policy.countries
    return False


def visible_to_all(policies: Iterable[tuple[Policy, str]], country: str) -> bool:
    """True when every (policy, owner) pair is visible: a link or path is only
    as visible as the least visible thing on it."""
    return all(may_see(policy, owner, country) for policy, owner in policies)


def visible_clause(
    visibility: sa.ColumnElement[int],
    countries: sa.ColumnElement[str],
    data_owner: sa.ColumnElement[str],
    country: str,
) -> sa.ColumnElement[bool]:
    """The same rule as `may_see`, as a SQL condition on a table's columns."""
    listed = countries.like(f"%,{country},%")
    return sa.or_(
        data_owner == country,
        visibility == ALL_MEMBERS,
        sa.and_(visibility == ONLY_LISTED, listed),
        sa.and_(visibility == ALL_EXCEPT_LISTED, sa.not_(listed)),
    )
