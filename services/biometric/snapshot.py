"""Gallery snapshots on disk, so that a restart at a million templates reads
a few files instead of re-adding every vector from the database.

A snapshot is a directory: per modality and per gallery chunk, the chunk's
used rows (float32 vectors read back through a memory map, their compact
codes, policy ids, watch-list bits, qualities, live flags, template and
subject ids); and manifest.json with the change sequence number it reflects,
the watch-list bit names and the policy table. It is written under a
temporary name and published by renaming it and then replacing the CURRENT
file, so a crash never leaves a half snapshot current.

Why per chunk: a bulk load of a million templates snapshots every
`snapshot_every` changes, and rewriting the whole gallery each time wrote
several times its size while the load ran. A chunk whose contents have not
changed since the previous snapshot (same `Chunk.version`, same rows used) is
hard-linked from it instead of written, so a snapshot costs the chunks that
changed. That holds for the first snapshot after a restart too: chunks loaded
unchanged from a snapshot are remembered (`BiometricEngine.last_snapshot`).

A shard's snapshot holds only its own templates, so it is valid only for the
(index, count) it was made for: the manifest names them, and a server started
as another shard, or after N changed, ignores it and rebuilds from the database.

Writing runs beside searches and enrolments: the sequence number is read
first, so every change up to it is in the files; changes after it may be too,
and replaying them (storage.changes_since) is idempotent. A chunk's version is
read before its rows are copied, so one that changes meanwhile is rewritten
next time.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import structlog

from services.biometric.config import WHOLE, BiometricConfig, Modality, Shard
from services.biometric.engine import BiometricEngine
from services.biometric.gallery import Chunk, Encoded, Gallery
from services.biometric.policies import PolicyTable
from services.biometric.watchlist import WatchlistBits
from services.uim.access import Policy

log = structlog.get_logger(__name__)

FORMAT = 2
_COLUMNS = ("policy", "watchlists", "quality", "exact_only", "alive")


@dataclass(frozen=True)
class ChunkFiles:
    """One gallery chunk as a snapshot holds it: the chunk's version and rows
    used when it was written, its live rows, and its files' common name."""

    version: int
    used: int
    live: int
    stem: str


@dataclass(frozen=True)
class Saved:
    """A published snapshot, the change sequence number it reflects, and its
    chunks by (modality, chunk index)."""

    path: Path
    seq: int
    chunks: dict[tuple[str, int], ChunkFiles] = field(default_factory=dict)


def _write_chunk(gallery: Gallery, chunk: Chunk, used: int, base: int, stem: Path) -> int:
    """Write one chunk's used rows; returns how many are live."""
    alive = chunk.alive[:used].copy()
    np.save(f"{stem}.vectors.npy", chunk.vectors[:used])
    if chunk.codes is not None:
        np.save(f"{stem}.codes.npy", chunk.codes[:used])
    for column in _COLUMNS:
        np.save(f"{stem}.{column}.npy", alive if column == "alive" else getattr(chunk, column)[:used])
    Path(f"{stem}.ids.txt").write_text("\n".join(gallery.ids[base:base + used]), encoding="utf-8")
    Path(f"{stem}.subjects.txt").write_text("\n".join(gallery.subjects[base:base + used]), encoding="utf-8")
    return int(np.count_nonzero(alive))


def _link_chunk(previous: Path, directory: Path, stem: str) -> bool:
    """Hard-link a chunk's files from the previous snapshot (copy where links
    are not supported); False when the previous snapshot no longer has them."""
    files = sorted(previous.glob(f"{stem}.*"))
    if not files:
        return False
    for source in files:
        try:
            os.link(source, directory / source.name)
        except OSError:
            shutil.copyfile(source, directory / source.name)
    return True


def _save_gallery(gallery: Gallery, directory: Path, previous: Saved | None,
                  written: dict[tuple[str, int], ChunkFiles]) -> dict[str, Any]:
    """Write (or link) the chunks of one gallery; returns its manifest entry."""
    name = gallery.modality.value
    chunks: list[dict[str, Any]] = []
    with gallery.layout_lock:
        for c, (chunk, used, base) in enumerate(gallery.view().parts()):
            stem, version = f"{name}.{c:05d}", chunk.version
            old = previous.chunks.get((name, c)) if previous is not None else None
            if old is not None and (old.version, old.used) == (version, used) and \
                    _link_chunk(previous.path, directory, stem):  # type: ignore[union-attr]
                files = ChunkFiles(version, used, old.live, stem)
            else:
                files = ChunkFiles(version, used, _write_chunk(gallery, chunk, used, base, directory / stem), stem)
            written[(name, c)] = files
            chunks.append({"file": stem, "rows": used, "live": files.live})
    return {"dimension": gallery.dimension, "index_kind": gallery.kind.value, "chunk_rows": gallery.chunk_rows,
            "codec": None if gallery.codec is None else gallery.codec.describe(), "code_error": gallery.code_error,
            "rows": sum(c["live"] for c in chunks), "chunks": chunks}


def save(engine: BiometricEngine, root: Path, shard: Shard = WHOLE) -> Saved:
    """Write a snapshot of `engine` (the gallery of `shard`) under `root`, make
    it current, drop older ones."""
    root.mkdir(parents=True, exist_ok=True)
    seq = engine.applied_seq  # first: everything up to it is in what follows
    previous = engine.last_snapshot
    if previous is not None and (previous.path.parent != root or not previous.path.is_dir()):
        previous = None
    work = root / f".tmp-{uuid.uuid4().hex}"
    work.mkdir()
    written: dict[tuple[str, int], ChunkFiles] = {}
    try:
        saved = {m.value: _save_gallery(g, work, previous, written) for m, g in engine.galleries.items()}
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "seq": seq,
            "shard": [shard.index, shard.count],
            "modalities": saved,
            "watchlists": engine.watchlists.names,
            "policies": [[p.visibility, sorted(p.countries), owner] for p, owner in engine.policies.entries],
        }
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        for path in work.iterdir():
            with open(path, "rb") as f:
                os.fsync(f.fileno())
        final = root / f"snapshot-{seq:016d}-{uuid.uuid4().hex[:8]}"
        work.rename(final)
        pointer = root / "CURRENT.tmp"
        pointer.write_text(final.name, encoding="utf-8")
        os.replace(pointer, root / "CURRENT")
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    for old in root.iterdir():
        if old.is_dir() and old.name != final.name:
            shutil.rmtree(old, ignore_errors=True)
    reused = sum(1 for key, files in written.items() if previous is not None and previous.chunks.get(key) == files)
    log.info("snapshot_written", path=str(final), seq=seq, rows={n: e["rows"] for n, e in saved.items()},
             chunks=len(written), chunks_reused=reused)
    engine.last_snapshot = Saved(final, seq, written)
    return engine.last_snapshot


def load(config: BiometricConfig, root: Path, shard: Shard = WHOLE) -> BiometricEngine | None:
    """The engine as the current snapshot left it, or None when there is none,
    it was made for another shard, or it does not fit the configuration (the
    caller then loads from the database)."""
    pointer = root / "CURRENT"
    if not pointer.exists():
        return None
    directory = root / pointer.read_text(encoding="utf-8").strip()
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    made_for = Shard(*manifest.get("shard", (0, 1)))  # snapshots before shards held everything
    if made_for != shard:
        log.warning("snapshot_ignored", path=str(directory), reason=f"made for {made_for}, this server is {shard}")
        return None
    stored = manifest["modalities"]
    fits = manifest["format"] == FORMAT and all(
        m.value in stored and stored[m.value]["dimension"] == c.dimension for m, c in config.modalities.items())
    if not fits:
        log.warning("snapshot_ignored", path=str(directory), reason="format or dimensions differ from settings")
        return None
    policies = PolicyTable([(Policy(v, frozenset(countries)), owner) for v, countries, owner in manifest["policies"]])
    engine = BiometricEngine(config, policies=policies, watchlists=WatchlistBits(manifest["watchlists"]))
    engine.applied_seq = int(manifest["seq"])
    chunks: dict[tuple[str, int], ChunkFiles] = {}
    for modality in config.modalities:
        chunks.update(_load_gallery(engine.galleries[modality], directory, stored[modality.value]))
    engine.last_snapshot = Saved(directory, engine.applied_seq, chunks)
    log.info("snapshot_loaded", path=str(directory), seq=engine.applied_seq, chunks_reusable=len(chunks))
    return engine


def _load_gallery(gallery: Gallery, directory: Path, stored: dict[str, Any]) -> dict[tuple[str, int], ChunkFiles]:
    """Append a gallery's rows as the snapshot holds them, deleted ones as
    deleted, with their compact copies when the snapshot's codec is the one the
    settings ask for (else they are recomputed). Returns the chunks that came
    back exactly as they were written, which the next snapshot may link."""
    name = Modality(gallery.modality).value
    same_codec = gallery.codec is not None and stored.get("codec") == gallery.codec.describe()
    aligned = stored.get("chunk_rows") == gallery.chunk_rows
    unchanged: list[tuple[int, dict[str, Any]]] = []
    for c, meta in enumerate(stored["chunks"]):
        stem = directory / meta["file"]
        columns = {column: np.load(f"{stem}.{column}.npy") for column in _COLUMNS}
        alive = columns["alive"]
        if aligned and gallery.count == c * gallery.chunk_rows:
            unchanged.append((c, meta))
        encoded = None
        if same_codec:
            encoded = Encoded(np.load(f"{stem}.codes.npy"), columns["exact_only"], float(stored["code_error"]))
        ids = Path(f"{stem}.ids.txt").read_text(encoding="utf-8").split("\n")
        subjects = Path(f"{stem}.subjects.txt").read_text(encoding="utf-8").split("\n")
        gallery.append(ids, subjects, np.load(f"{stem}.vectors.npy", mmap_mode="r"), columns["policy"],
                       columns["watchlists"], columns["quality"], encoded, None if alive.all() else alive)
    # Versions are read after every append: a chunk that a later append
    # touched has moved on and is written afresh.
    return {(name, c): ChunkFiles(gallery.chunks[c].version, meta["rows"], meta["live"], meta["file"])
            for c, meta in unchanged if gallery.chunks[c].used == meta["rows"]}
