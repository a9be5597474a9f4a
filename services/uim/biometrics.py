"""The feature vector of a UIM BiometricSample, in either of its two forms:
`vector` (repeated float, decoded value by value into Python floats) or
`packed_vector` (little-endian float32 bytes, read as they are). Every
service that reads a sample goes through here, so both forms are accepted
everywhere and checked the same way."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from icore.uim.v1 import biometrics_pb2
from services.bootstrap.errors import FieldErrors

FLOAT32 = np.dtype("<f4")


def has_vector(sample: biometrics_pb2.BiometricSample) -> bool:
    return len(sample.vector) > 0 or len(sample.packed_vector) > 0


def sample_vector(sample: biometrics_pb2.BiometricSample, errors: FieldErrors,
                  path: str) -> npt.NDArray[np.float32] | None:
    """The sample's values as float32 (read-only when packed), or None with the
    error added under `path` (e.g. "sample") when both forms are set or the
    packed bytes are not whole float32 values. The dimension is the caller's
    to check."""
    packed = sample.packed_vector
    if not packed:
        return np.asarray(sample.vector, dtype=np.float32)
    if len(sample.vector):
        errors.add(f"{path}.packed_vector", "set vector or packed_vector, not both")
        return None
    if len(packed) % FLOAT32.itemsize:
        errors.add(f"{path}.packed_vector", f"has {len(packed)} bytes; float32 values take 4 bytes each")
        return None
    return np.frombuffer(packed, dtype=FLOAT32).astype(np.float32, copy=False)
