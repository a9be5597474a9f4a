"""The one access rule, in Python and in SQL, agrees with itself."""

from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from icore.uim.v1 import access_pb2
from services.uim.access import Policy, may_see, visible_clause

POLICIES = [
    access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS),
    access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED, countries=["DEU", "ITA"]),
    access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_EXCEPT_LISTED, countries=["DEU"]),
    access_pb2.AccessPolicy(),
]


def test_owner_always_sees_its_records() -> None:
    assert all(may_see(policy, "FRA", "FRA") for policy in POLICIES)


@pytest.mark.parametrize(("policy", "country", "expected"), [
    (POLICIES[0], "DEU", True),
    (POLICIES[1], "DEU", True),
    (POLICIES[1], "ESP", False),
    (POLICIES[2], "DEU", False),
    (POLICIES[2], "ESP", True),
    (POLICIES[3], "DEU", False),
])
def test_other_countries_see_what_the_policy_allows(
    policy: access_pb2.AccessPolicy, country: str, expected: bool
) -> None:
    assert may_see(policy, "FRA", country) is expected


def test_sql_clause_agrees_with_python(database_url: str) -> None:
    engine = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    table = sa.Table("record", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("visibility", sa.Integer), sa.Column("countries", sa.String),
                     sa.Column("data_owner", sa.String))
    table.metadata.create_all(engine)
    rows = [{"id": i, "visibility": p.visibility, "countries": Policy.from_proto(p).countries_column(),
             "data_owner": "FRA"} for i, p in enumerate(POLICIES)]
    with engine.begin() as connection:
        connection.execute(table.insert(), rows)
        for country in ("FRA", "DEU", "ITA", "ESP"):
            clause = visible_clause(table.c.visibility, table.c.countries, table.c.data_owner, country)
            seen = set(connection.scalars(sa.select(table.c.id).where(clause)))
            assert seen == {i for i, p in enumerate(POLICIES) if may_see(p, "FRA", country)}
    engine.dispose()


def test_countries_column_is_delimited_for_exact_membership() -> None:
    policy = Policy(access_pb2.VISIBILITY_ONLY_LISTED, frozenset({"ITA", "DEU"}))
    assert policy.countries_column() == ",DEU,ITA,"
    assert list(itertools.chain(policy.countries_column().split(",")))[1:-1] == ["DEU", "ITA"]
