"""Gallery snapshots on disk, so that a restart at a million templates reads
a few files instead of re-adding every vector from the database.

A snapshot is a directory: per modality the live rows' vectors as a float32
.npy (read back through a memory map) with their policy ids, watch-list bits,
qualities, template and subject ids; and manifest.json with the change
sequence number it reflects, the watch-list bit names and the policy table.
It is written under a temporary name and published by renaming it and then
replacing the CURRENT file, so a crash never leaves a half snapshot current.

A shard's snapshot holds only its own templates, so it is valid only for the
(index, count) it was made for: the manifest names them, and a server started
as another shard, or after N changed, ignores it and rebuilds from the database.

Writing runs beside searches and enrolments: the sequence number is read
first, so every change up to it is in the files; changes after it may be too,
and replaying them (storage.changes_since) is idempotent.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import structlog

from services.biometric.config import WHOLE, BiometricConfig, Modality, Shard
from services.biometric.engine import BiometricEngine
from services.biometric.gallery import Encoded, Gallery
from services.biometric.policies import PolicyTable
from services.biometric.watchlist import WatchlistBits
from services.uim.access import Policy

log = structlog.get_logger(__name__)

FORMAT = 1
_COLUMNS = {"policy": np.int32, "watchlists": np.uint64, "quality": np.float32, "exact_only": np.bool_}


def _save_gallery(gallery: Gallery, directory: Path) -> dict[str, Any]:
    """Write the live rows of one gallery; returns its manifest entry."""
    name = gallery.modality.value
    with gallery.layout_lock:
        view = gallery.view()
        parts = [(chunk, base, chunk.alive[:used].copy()) for chunk, used, base in view.parts()]
        live = sum(int(alive.sum()) for _, _, alive in parts)
        vectors = np.lib.format.open_memmap(directory / f"{name}.vectors.npy", mode="w+", dtype=np.float32,
                                            shape=(live, gallery.dimension))
        # The compact copies too: recomputing them (and their error bound) was
        # two thirds of the start-up time.
        codes = None if gallery.codec is None else np.lib.format.open_memmap(
            directory / f"{name}.codes.npy", mode="w+", dtype=gallery.codec.dtype, shape=(live, gallery.dimension))
        entry = {"dimension": gallery.dimension, "rows": live, "index_kind": gallery.kind.value,
                 "codec": None if gallery.codec is None else gallery.codec.describe(),
                 "code_error": gallery.code_error}
        columns: dict[str, npt.NDArray[Any]] = {column: np.empty(live, dtype) for column, dtype in _COLUMNS.items()}
        ids: list[str] = []
        subjects: list[str] = []
        position = 0
        for chunk, base, alive in parts:
            rows = np.flatnonzero(alive)
            end = position + rows.shape[0]
            vectors[position:end] = chunk.vectors[rows]
            if codes is not None and chunk.codes is not None:
                codes[position:end] = chunk.codes[rows]
            for column, values in columns.items():
                values[position:end] = getattr(chunk, column)[rows]
            ids.extend(gallery.ids[base + r] for r in rows.tolist())
            subjects.extend(gallery.subjects[base + r] for r in rows.tolist())
            position = end
        vectors.flush()
        del vectors
        if codes is not None:
            codes.flush()
            del codes
    for column, values in columns.items():
        np.save(directory / f"{name}.{column}.npy", values)
    (directory / f"{name}.ids.txt").write_text("\n".join(ids), encoding="utf-8")
    (directory / f"{name}.subjects.txt").write_text("\n".join(subjects), encoding="utf-8")
    return entry


@dataclass(frozen=True)
class Saved:
    """A published snapshot and the change sequence number it reflects."""

    path: Path
    seq: int


def save(engine: BiometricEngine, root: Path, shard: Shard = WHOLE) -> Saved:
    """Write a snapshot of `engine` (the gallery of `shard`) under `root`, make
    it current, drop older ones."""
    root.mkdir(parents=True, exist_ok=True)
    seq = engine.applied_seq  # first: everything up to it is in what follows
    work = root / f".tmp-{uuid.uuid4().hex}"
    work.mkdir()
    try:
        saved = {m.value: _save_gallery(g, work) for m, g in engine.galleries.items()}
        counts = {name: entry["rows"] for name, entry in saved.items()}
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
    log.info("snapshot_written", path=str(final), seq=seq, rows=counts)
    return Saved(final, seq)


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
    for modality in config.modalities:
        _load_gallery(engine.galleries[modality], directory, stored[modality.value])
    engine.applied_seq = int(manifest["seq"])
    log.info("snapshot_loaded", path=str(directory), seq=engine.applied_seq)
    return engine


def _load_gallery(gallery: Gallery, directory: Path, stored: dict[str, Any]) -> None:
    """Append a gallery's rows; its compact copies too when the snapshot's codec
    is the one the settings ask for (else they are recomputed)."""
    name = Modality(gallery.modality).value
    rows = int(stored["rows"])
    if not rows:
        return
    vectors = np.load(directory / f"{name}.vectors.npy", mmap_mode="r")
    same = gallery.codec is not None and stored.get("codec") == gallery.codec.describe()
    codes = np.load(directory / f"{name}.codes.npy", mmap_mode="r") if same else None
    columns = {column: np.load(directory / f"{name}.{column}.npy") for column in _COLUMNS}
    ids = (directory / f"{name}.ids.txt").read_text(encoding="utf-8").split("\n")
    subjects = (directory / f"{name}.subjects.txt").read_text(encoding="utf-8").split("\n")
    step = gallery.chunk_rows
    for start in range(0, rows, step):
        end = min(rows, start + step)
        encoded = None if codes is None else Encoded(np.asarray(codes[start:end]), columns["exact_only"][start:end],
                                                     float(stored["code_error"]))
        gallery.append(ids[start:end], subjects[start:end], np.asarray(vectors[start:end]),
                       columns["policy"][start:end], columns["watchlists"][start:end], columns["quality"][start:end],
                       encoded)
