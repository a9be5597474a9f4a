"""Biometric shards on real servers: three shard servers over one shared
SQLite database, reached through the callers' fan-out (services/biometric/
shards.py), answer exactly what one unsharded index over the same database
answers; writes land on their shard; a stray write is refused; a stopped
shard makes a result partial, never silently complete; a restarted shard
rebuilds its own part only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import grpc
import numpy as np
import pytest
import sqlalchemy as sa

from gateway.backends import Backends, ask
from gateway.deadlines import Budget
from gateway.frontline import Thresholds, frontline_check
from icore.analytics.v1 import analytics_service_pb2_grpc
from icore.biometric.v1 import biometric_service_pb2 as pb
from icore.biometric.v1 import biometric_service_pb2_grpc as pb_grpc
from icore.biometric.v1 import template_pb2
from icore.gateway.v1 import gateway_service_pb2 as gateway_pb
from icore.messaging.v1 import messaging_service_pb2_grpc
from icore.query.v1 import query_service_pb2_grpc
from icore.uim.v1 import access_pb2, biometrics_pb2
from services.biometric.config import Modality, Shard, shard_of
from services.biometric.shards import BiometricShards, ShardFailure
from services.biometric.storage import TemplateStore, create_schema
from services.biometric.templates import Template, validate_template
from services.bootstrap import settings as settings_module
from services.bootstrap.channels import open_channel
from services.bootstrap.database import create_engine
from services.bootstrap.identity import Caller, reset_caller, set_caller
from services.bootstrap.settings import Settings
from services.messaging.backends import GrpcBackends
from services.messaging.cross_check import BackendUnavailable
from tests.biometric.factories import template as factory_template
from tests.biometric.factories import unit_vectors
from tests.support import RunningServer, country

T = TypeVar("T")
N = 3
COUNT = 3000
DIM = 512
FACE = biometrics_pb2.MODALITY_FACE
EVERYONE = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ALL_MEMBERS)
ONLY_ESP = access_pb2.AccessPolicy(visibility=access_pb2.VISIBILITY_ONLY_LISTED, countries=["ESP"])
FRA = country("FRA")
RNG = np.random.default_rng(23)
GALLERY = RNG.standard_normal((COUNT, DIM)).astype(np.float32)
GALLERY /= np.linalg.norm(GALLERY, axis=1, keepdims=True)
HOME = [shard_of(f"t{i}", N) for i in range(COUNT)]


def _sample(vector: np.ndarray) -> biometrics_pb2.BiometricSample:
    return biometrics_pb2.BiometricSample(modality=FACE, vector=vector.tolist())


def _noisy(i: int, noise: float = 0.05) -> biometrics_pb2.BiometricSample:
    vector = GALLERY[i] + noise * RNG.standard_normal(DIM).astype(np.float32)
    return _sample(vector / np.linalg.norm(vector))


def _template(i: int, template_id: str | None = None) -> template_pb2.Template:
    """Template i: subject s(i // 2), so subjects span shards; every 7th seen by Spain only."""
    return template_pb2.Template(template_id=template_id or f"t{i}", subject_id=f"s{i // 2}",
                                 sample=_sample(GALLERY[i]), access_policy=ONLY_ESP if i % 7 == 0 else EVERYONE,
                                 watchlists=["missing_persons"] if i % 3 == 0 else ["red_notices"])


def _home(template_id: str) -> int:
    return shard_of(template_id, N)


def _client(addresses: list[str], relaying_service: str = "") -> BiometricShards:
    """The fan-out over plain loopback channels; a relaying service's channels
    pass on the caller bound with set_caller, as the gateway's do."""
    if relaying_service:
        return BiometricShards([open_channel(a, relaying_service=relaying_service) for a in addresses], addresses)
    return BiometricShards([grpc.aio.insecure_channel(a) for a in addresses], addresses)


@dataclass
class Cluster:
    """N shard servers on one database, and a way to (re)start shard i."""

    url: str
    root: Path
    shards: list[RunningServer]
    start_shard: Callable[..., RunningServer]

    @property
    def addresses(self) -> list[str]:
        return [s.address for s in self.shards]

    def call(self, use: Callable[[BiometricShards], Awaitable[T]]) -> T:
        """Run `use(client)` on a fresh fan-out client to the current shards."""
        async def run() -> T:
            client = _client(self.addresses)
            try:
                return await use(client)
            finally:
                await client.close()
        return asyncio.run(run())

    def stub(self, index: int) -> pb_grpc.BiometricServiceStub:
        return pb_grpc.BiometricServiceStub(self.shards[index].channel)

    def restart(self, index: int, data_dir: Path | None = None) -> None:
        self.shards[index].stop(grace=1)
        self.shards[index] = self.start_shard(index, data_dir)

    def stored(self, template_id: str) -> bool:
        engine = sa.create_engine(self.url)
        try:
            with engine.connect() as connection:
                return connection.execute(sa.text("SELECT count(*) FROM biometric_templates WHERE template_id = :i"),
                                          {"i": template_id}).scalar() == 1
        finally:
            engine.dispose()


@pytest.fixture
def cluster(start_service: Callable[..., RunningServer], tmp_path: Path) -> Cluster:
    url = f"sqlite:///{tmp_path / 'biometric.sqlite'}"

    def start_shard(index: int, data_dir: Path | None = None) -> RunningServer:
        # The servers never call each other, so the shard address is only a well-formed placeholder.
        return start_service("biometric", database_url=url, data_dir=data_dir or tmp_path / f"shard-{index}",
                             biometric_shard_index=index, biometric_shard_count=N,
                             biometric_shard_addr="127.0.0.1:5{index}052")

    cluster = Cluster(url, tmp_path, [start_shard(i) for i in range(N)], start_shard)
    batches = [pb.EnrollStreamRequest(templates=[_template(i) for i in range(k, min(COUNT, k + 500))])
               for k in range(0, COUNT, 500)]
    reply = cluster.call(lambda c: c.EnrollStream(batches, metadata=FRA))
    assert (reply.enrolled_count, reply.rejected_count) == (COUNT, 0)
    return cluster


def _ranked(response: pb.IdentifyResponse) -> list[tuple[str, float]]:
    return [(c.template_id, c.score) for c in response.candidates]


def _assert_same_ranking(merged: pb.IdentifyResponse, alone: pb.IdentifyResponse) -> None:
    """The same candidates, in the same order, with the same scores up to
    float32 rounding: one server already rounds a score differently in the
    last bit when it scans a probe alone or in a batch (one matrix product),
    so only candidates whose scores tie within that rounding may swap places."""
    a, b = _ranked(merged), _ranked(alone)
    assert len(a) == len(b)
    assert dict(a) == pytest.approx(dict(b), abs=1e-6)
    assert [s for _, s in a] == pytest.approx([s for _, s in b], abs=1e-6)
    assert [i for i, _ in a] == [i for i, _ in b] or all(
        i == j or abs(dict(a)[i] - dict(a)[j]) <= 2e-6 for (i, _), (j, _) in zip(a, b, strict=True))
    assert {c.template_id: list(c.watchlists) for c in merged.candidates} == \
        {c.template_id: list(c.watchlists) for c in alone.candidates}


def _probes() -> list[tuple[pb.IdentifyRequest, tuple[tuple[str, str], ...]]]:
    """Mates and strangers, with every top_k, watch-list filter and reader that changes what is seen."""
    probes = []
    for k, i in enumerate(RNG.choice(COUNT, 120, replace=False).tolist()):
        top_k = (1, 5, 10, 0, 37, 100)[k % 6]
        watchlists = ["missing_persons"] if k % 4 == 0 else []
        probes.append((pb.IdentifyRequest(probe=_noisy(i), top_k=top_k, watchlists=watchlists),
                       country("ESP" if k % 3 == 0 else "DEU")))
    for k in range(40):
        stranger = RNG.standard_normal(DIM).astype(np.float32)
        probes.append((pb.IdentifyRequest(probe=_sample(stranger / np.linalg.norm(stranger)), top_k=100,
                                          min_score=-1.0 if k % 2 else 0.0), country("DEU")))
    return probes


# -- the hash and the settings ------------------------------------------------


def test_shard_of_is_a_fixed_function_of_the_id() -> None:
    """sha256's first 8 bytes, big-endian, modulo N: these values may never change,
    or a restarted shard would look for its templates in the wrong place."""
    assert [shard_of("t0", n) for n in (1, 2, 3, 4)] == [0, 0, 0, 0]  # 5849936968196281908
    assert [shard_of("t1", n) for n in (1, 2, 3, 4)] == [0, 0, 2, 2]  # 7100850435678660986
    assert [shard_of("tpl-ivan", n) for n in (1, 2, 3, 4)] == [0, 1, 0, 1]  # 13478906770487003097
    assert [shard_of("Ж-42", n) for n in (1, 2, 3, 4)] == [0, 1, 1, 3]  # 9256528384572441271
    assert shard_of("tpl-ivan", 1000) == 13478906770487003097 % 1000
    counts = np.bincount([shard_of(f"id-{i}", 4) for i in range(4000)], minlength=4)
    assert counts.min() > 900, "spread evenly"
    assert Shard(2, 3).holds("t1") and not Shard(0, 3).holds("t1") and Shard().holds("t1")


def test_settings_read_and_check_the_shard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    template = "dns:///biometric-{index}.biometric.icore.svc.cluster.local:50052"
    monkeypatch.setenv("ICORE_BIOMETRIC_SHARD_COUNT", "3")
    monkeypatch.setenv("ICORE_BIOMETRIC_SHARD_ADDR", template)
    monkeypatch.setenv("ICORE_BIOMETRIC_SHARD_INDEX", "2")
    shard = settings_module.from_env("biometric")
    assert (shard.biometric_shard_index, shard.biometric_shard_count) == (2, 3)
    caller = settings_module.from_env("gateway")
    assert caller.biometric_shard_index == 0, "callers are no shard"
    assert caller.biometric_shard_addresses == [template.replace("{index}", str(i)) for i in range(3)]
    for name, value, problem in (("ICORE_BIOMETRIC_SHARD_INDEX", "3", "0 to 2"),
                                 ("ICORE_BIOMETRIC_SHARD_INDEX", "-1", "0 to 2"),
                                 ("ICORE_BIOMETRIC_SHARD_ADDR", "biometric:50052", "{index}"),
                                 ("ICORE_BIOMETRIC_SHARD_COUNT", "0", "at least 1"),
                                 ("ICORE_BIOMETRIC_SHARD_COUNT", "three", "whole number")):
        with monkeypatch.context() as patch:
            patch.setenv(name, value)
            with pytest.raises(ValueError, match=problem.replace("{", r"\{").replace("}", r"\}")):
                settings_module.from_env("biometric")
    monkeypatch.delenv("ICORE_BIOMETRIC_SHARD_INDEX")
    with pytest.raises(ValueError, match="ICORE_BIOMETRIC_SHARD_INDEX is required"):
        settings_module.from_env("biometric")
    for name in ("ICORE_BIOMETRIC_SHARD_COUNT", "ICORE_BIOMETRIC_SHARD_ADDR"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("ICORE_BIOMETRIC_ADDR", "dns:///biometric.icore.svc.cluster.local:50052")
    one = settings_module.from_env("messaging")
    assert one.biometric_shard_addresses == ["dns:///biometric.icore.svc.cluster.local:50052"], "N = 1: as before"


# -- the shards ---------------------------------------------------------------


def test_sharded_results_equal_one_index(cluster: Cluster, start_service: Callable[..., RunningServer]) -> None:
    single = pb_grpc.BiometricServiceStub(
        start_service("biometric", database_url=cluster.url, data_dir=cluster.root / "single").channel)
    probes = _probes()

    async def sharded(client: BiometricShards) -> list[pb.IdentifyResponse]:
        return list(await asyncio.gather(*(client.Identify(r, metadata=m, timeout=30) for r, m in probes)))

    for (request, metadata), merged in zip(probes, cluster.call(sharded), strict=True):
        _assert_same_ranking(merged, single.Identify(request, metadata=metadata))
    assert any(len(_ranked(single.Identify(r, metadata=m))) == 100 for r, m in probes), "full pages compared"

    stats = cluster.call(lambda c: c.GetStats(pb.GetStatsRequest(), metadata=FRA))
    alone_stats = single.GetStats(pb.GetStatsRequest(), metadata=FRA)
    assert [(m.modality, m.template_count) for m in stats.modalities] == \
        [(m.modality, m.template_count) for m in alone_stats.modalities]
    assert {m.modality: m.template_count for m in stats.modalities}[FACE] == COUNT
    assert stats.watchlists == alone_stats.watchlists

    assert {_home("t18"), _home("t19")} == {0, 2}, "subject s9 spans two shards"
    for subject, probe in (("s9", _noisy(18)), ("s9", _noisy(19)), ("s9", _noisy(300)), ("nobody", _noisy(1))):
        request = pb.VerifyRequest(probe=probe, subject_id=subject)
        merged_verify = cluster.call(lambda c, r=request: c.Verify(r, metadata=country("DEU")))
        alone_verify = single.Verify(request, metadata=country("DEU"))
        assert (merged_verify.match, merged_verify.best_template_id, merged_verify.threshold) == \
            (alone_verify.match, alone_verify.best_template_id, alone_verify.threshold)
        assert merged_verify.best_score == pytest.approx(alone_verify.best_score, abs=1e-6)


def test_writes_land_on_their_shard_and_a_stray_write_is_refused(cluster: Cluster) -> None:
    for index in range(N):
        stats = cluster.stub(index).GetStats(pb.GetStatsRequest(), metadata=FRA)
        assert {m.modality: m.template_count for m in stats.modalities}[FACE] == HOME.count(index)
    for i in (0, 1, 2, 500, 2999):
        for index in range(N):
            top = cluster.stub(index).Identify(pb.IdentifyRequest(probe=_sample(GALLERY[i]), top_k=1),
                                               metadata=country("ESP")).candidates[0]
            assert (top.template_id == f"t{i}") == (index == HOME[i])

    stray = next(f"stray-{k}" for k in range(100) if _home(f"stray-{k}") == 1)
    with pytest.raises(grpc.RpcError) as raised:
        cluster.stub(0).Enroll(pb.EnrollRequest(template=_template(5, stray)), metadata=FRA)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "shard 1 of 3" in raised.value.details()
    assert not cluster.stored(stray)

    own = next(f"own-{k}" for k in range(100) if _home(f"own-{k}") == 0)
    streamed = cluster.stub(0).EnrollStream(iter([pb.EnrollStreamRequest(
        templates=[_template(5, own), _template(6, stray)])]), metadata=FRA)
    assert (streamed.enrolled_count, streamed.rejected_count) == (1, 1)
    (error,) = streamed.errors
    assert (error.index, error.template_id, error.field) == (1, stray, "template_id")
    assert "shard 1 of 3" in error.description
    assert cluster.stored(own) and not cluster.stored(stray)

    # Through the fan-out the same write goes where it belongs.
    enrolled = cluster.call(lambda c: c.Enroll(pb.EnrollRequest(template=_template(6, stray)), metadata=FRA))
    assert enrolled.created and cluster.stored(stray)
    assert cluster.stub(1).Identify(pb.IdentifyRequest(probe=_sample(GALLERY[6]), top_k=2),
                                    metadata=FRA).candidates[0].template_id in {stray, "t6"}

    # Stream errors come back at the caller's positions, whichever shard found them.
    bad = template_pb2.Template(template_id="bad", subject_id="s", watchlists=["red_notices"],
                                access_policy=EVERYONE, sample=_sample(np.zeros(DIM, np.float32)))
    mixed = [_template(i, f"again-{i}") for i in range(12)]
    mixed[3], mixed[9] = bad, template_pb2.Template(template_id="")
    reply = cluster.call(lambda c: c.EnrollStream([pb.EnrollStreamRequest(templates=mixed[:6]),
                                                   pb.EnrollStreamRequest(templates=mixed[6:])], metadata=FRA))
    assert (reply.enrolled_count, reply.rejected_count) == (10, 2)
    assert [(e.index, e.template_id) for e in reply.errors] == [(3, "bad"), (9, "")]

    # Deletes: one template at its shard; a subject on every shard that holds part of it.
    assert {_home("t18"), _home("t19")} == {0, 2}, "subject s9 spans two shards"
    deleted = cluster.call(lambda c: c.DeleteSubject(pb.DeleteSubjectRequest(subject_id="s9"), metadata=FRA))
    assert deleted.deleted_count == 2 and not cluster.stored("t18") and not cluster.stored("t19")
    cluster.call(lambda c: c.DeleteTemplate(pb.DeleteTemplateRequest(template_id="t22"), metadata=FRA))
    assert not cluster.stored("t22")
    for code, subject, who in ((grpc.StatusCode.NOT_FOUND, "s9", "FRA"),
                               (grpc.StatusCode.PERMISSION_DENIED, "s12", "DEU")):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            cluster.call(lambda c, s=subject, w=who: c.DeleteSubject(pb.DeleteSubjectRequest(subject_id=s),
                                                                     metadata=country(w)))
        assert failed.value.code() == code


def test_a_stopped_shard_makes_a_result_partial_never_complete(cluster: Cluster) -> None:
    down = 2
    cluster.shards[down].stop()
    on_live, on_down = HOME.index(0), HOME.index(down)
    request = pb.IdentifyRequest(probe=_noisy(on_live), top_k=10)

    with pytest.raises(ShardFailure) as raised:
        cluster.call(lambda c: c.Identify(request, metadata=FRA, timeout=5))
    failure = raised.value
    assert failure.code() == grpc.StatusCode.UNAVAILABLE
    assert f"biometric shard {down} of 3 ({cluster.addresses[down]})" in failure.details()
    assert "partial: 2 of 3 shards answered" in failure.details()
    live = [pb_grpc.BiometricServiceStub(cluster.shards[i].channel).Identify(request, metadata=FRA)
            for i in range(N) if i != down]
    expected = sorted((c for answer in live for c in answer.candidates), key=lambda c: (-c.score, c.template_id))
    assert _ranked(failure.partial) == [(c.template_id, c.score) for c in expected[:10]]
    assert all(HOME[int(c.template_id[1:])] != down for c in failure.partial.candidates)
    for call in (lambda c: c.GetStats(pb.GetStatsRequest(), metadata=FRA, timeout=5),
                 lambda c: c.Verify(pb.VerifyRequest(probe=_noisy(0), subject_id="s0"), metadata=FRA, timeout=5),
                 # Not NOT_FOUND: the stopped shard may hold some.
                 lambda c: c.DeleteSubject(pb.DeleteSubjectRequest(subject_id="nobody"), metadata=FRA, timeout=5)):
        with pytest.raises(ShardFailure, match=f"shard {down} of 3"):
            cluster.call(call)

    async def callers() -> tuple[Any, ...]:
        """The gateway and the messaging cross-check, each over its own fan-out."""
        gateway = _client(cluster.addresses, relaying_service="gateway")
        dead = grpc.aio.insecure_channel("127.0.0.1:1")
        backends = Backends(query=query_service_pb2_grpc.QueryServiceStub(dead),
                            messaging=messaging_service_pb2_grpc.MessagingServiceStub(dead),
                            biometric=gateway, analytics=analytics_service_pb2_grpc.AnalyticsServiceStub(dead))
        messaging = GrpcBackends(dead, _client(cluster.addresses), service="messaging", timeout_s=5)
        token = set_caller(Caller("FRA"))
        try:
            outcome = await ask("biometric", lambda t: gateway.Identify(request, timeout=t), 5)
            checks = [await frontline_check(gateway_pb.FrontlineCheckRequest(probe=_noisy(i)), backends,
                                            Budget.from_remaining(5), Thresholds()) for i in (on_live, on_down)]
            with pytest.raises(BackendUnavailable, match=f"shard {down} of 3"):
                await messaging.identify("FRA", request)
            return outcome, checks
        finally:
            reset_caller(token)
            await gateway.close()
            await dead.close()

    outcome, (hit, unknown) = asyncio.run(callers())
    assert outcome.state == gateway_pb.BACKEND_STATE_UNAVAILABLE and not outcome.ok
    assert f"shard {down} of 3" in outcome.message and "partial" in outcome.message
    assert _ranked(outcome.response) == _ranked(failure.partial), "the live shards' candidates, marked partial"
    # A mate on a live shard is still a hit; a mate on the stopped shard is not
    # found, and the answer says the biometric backend was incomplete.
    assert hit.outcome == gateway_pb.FRONTLINE_OUTCOME_HIT
    assert unknown.outcome == gateway_pb.FRONTLINE_OUTCOME_NO_HIT
    for check in (hit, unknown):
        (biometric,) = [s for s in check.backend_statuses if s.backend == "biometric"]
        assert biometric.state == gateway_pb.BACKEND_STATE_UNAVAILABLE and f"shard {down} of 3" in biometric.message

    cluster.shards[down] = cluster.start_shard(down)
    complete = cluster.call(lambda c: c.Identify(pb.IdentifyRequest(probe=_noisy(on_down), top_k=1), metadata=FRA))
    assert complete.candidates[0].template_id == f"t{on_down}"


def test_a_restarted_shard_rebuilds_its_own_part_only(cluster: Cluster) -> None:
    def face_count(index: int) -> int:
        stats = cluster.stub(index).GetStats(pb.GetStatsRequest(), metadata=FRA)
        return {m.modality: m.template_count for m in stats.modalities}[FACE]

    gone = {index: next(f"t{i}" for i in range(COUNT) if HOME[i] == index) for index in (1, 2, 0)}
    for template_id in gone.values():
        cluster.call(lambda c, t=template_id: c.DeleteTemplate(pb.DeleteTemplateRequest(template_id=t), metadata=FRA))
    # Each shard snapshots on the way down (forgetting its own deletions only)
    # and comes back from that snapshot with its own part.
    for index in range(N):
        cluster.restart(index)
    for index in range(N):
        assert face_count(index) == HOME.count(index) - 1, index
    for template_id in gone.values():
        probe = pb.IdentifyRequest(probe=_sample(GALLERY[int(template_id[1:])]), top_k=1)
        found = cluster.call(lambda c, p=probe: c.Identify(p, metadata=FRA))
        assert found.candidates[0].template_id != template_id

    # A snapshot made for another shard is not used: shard 0 started on shard
    # 1's data directory builds shard 0's part from the database.
    cluster.shards[0].stop(grace=1)
    cluster.shards[0] = cluster.start_shard(0, cluster.root / "shard-1")
    assert face_count(0) == HOME.count(0) - 1
    mate = HOME.index(0, 10)
    top = cluster.stub(0).Identify(pb.IdentifyRequest(probe=_sample(GALLERY[mate]), top_k=1),
                                   metadata=FRA).candidates[0]
    assert top.template_id == f"t{mate}"


def test_shards_share_one_store_without_losing_a_change(database_url: str) -> None:
    """Three shards' stores on one database, writing at once: no sequence number
    handed out twice, each reads back its own changes only, and a shard that
    snapshots forgets only its own deletions (another shard's older snapshot
    still needs to replay its), never the newest."""
    dims = {Modality.FACE: 16}
    engines = [create_engine(database_url) for _ in range(N)]
    create_schema(engines[0])
    stores = [TemplateStore(engine, batch_size=50) for engine in engines]
    vectors = unit_vectors(np.random.default_rng(5), 600, 16)
    own: dict[int, list[str]] = {k: [] for k in range(N)}
    templates: dict[int, list[Template]] = {k: [] for k in range(N)}
    for i, vector in enumerate(vectors):
        home = shard_of(f"t{i}", N)
        own[home].append(f"t{i}")
        templates[home].append(validate_template(factory_template(i, vector), dims))
    try:
        def write(shard: int) -> None:
            for start in range(0, len(templates[shard]), 20):
                stores[shard].upsert(templates[shard][start:start + 20])

        with ThreadPoolExecutor(N) as pool:
            list(pool.map(write, range(N)))
        changes = list(stores[0].changes_since(0))
        assert sorted(c.seq for c in changes) == list(range(1, 601)), "every number handed out once"
        for shard in range(N):
            assert [c.template_id for c in stores[shard].changes_since(0, Shard(shard, N).holds)] == own[shard]

        for shard in (0, 1, 2):
            stores[shard].delete([own[shard][0]])
        assert stores[0].prune_deletions(stores[0].last_seq(), Shard(0, N).holds) == 1
        left = {c.template_id for c in stores[1].changes_since(600)}
        assert left == {own[1][0], own[2][0]}
        assert [c.template_id for c in stores[1].changes_since(600, Shard(1, N).holds)] == [own[1][0]]
        # The newest deletion stays: it holds the highest number handed out.
        assert stores[2].prune_deletions(603, Shard(2, N).holds) == 0
        assert TemplateStore(engines[1]).last_seq() == 603
    finally:
        for engine in engines:
            engine.dispose()


def test_one_shard_is_one_stub_as_before(start_service: Callable[..., RunningServer], tmp_path: Path) -> None:
    server = start_service("biometric", database_url=f"sqlite:///{tmp_path / 'one.sqlite'}")
    settings = Settings(service="gateway", peers={"biometric": server.address})
    assert settings.biometric_shard_addresses == [server.address]

    async def run() -> pb.IdentifyResponse:
        client = BiometricShards.connect(settings.with_(plaintext=True))
        try:
            assert client.count == 1
            await client.EnrollStream(iter([pb.EnrollStreamRequest(templates=[_template(i) for i in range(20)])]),
                                      metadata=FRA)
            return await client.Identify(pb.IdentifyRequest(probe=_noisy(4), top_k=3), metadata=FRA)
        finally:
            await client.close()

    assert asyncio.run(run()).candidates[0].template_id == "t4"
