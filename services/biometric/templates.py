"""Biometric templates, the answers about them, and their validation.

Validation names each bad field as the proto does ("sample.vector",
"watchlists[2]", "access_policy.countries[0]"), so that the server can put the
engine's errors into a BadRequest unchanged.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from services.biometric.config import Modality
from services.bootstrap.errors import FieldErrors, FieldViolation, InvalidFieldError
from services.uim.access import ALL_EXCEPT_LISTED, ALL_MEMBERS, ONLY_LISTED, Policy
from services.uim.codes import is_country

Vector = npt.NDArray[np.float32]

MAX_ID_LENGTH = 128
MAX_WATCHLISTS = 20
MAX_POLICY_COUNTRIES = 250
WATCHLIST_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True, eq=False)
class Template:
    """One enrolled template. `vector` is float32 and, once validated, L2-normalised."""

    template_id: str
    subject_id: str
    modality: Modality
    vector: Vector
    watchlists: frozenset[str]
    data_owner: str
    policy: Policy
    quality: float = 0.0


@dataclass(frozen=True)
class Candidate:
    """A gallery template similar to a probe; score is the cosine similarity."""

    template_id: str
    subject_id: str
    score: float
    watchlists: tuple[str, ...]
    data_owner: str


@dataclass(frozen=True)
class Verification:
    """Verify's answer: the best of the subject's visible templates."""

    match: bool
    best_score: float
    best_template_id: str
    threshold: float


@dataclass(frozen=True)
class Rejection:
    """Why one template of a bulk enrolment was refused."""

    index: int
    template_id: str
    field: str
    reason: str


def normalise_vector(values: Sequence[float] | npt.ArrayLike, dimension: int, field: str) -> Vector:
    """A float32 unit vector from `values`, or InvalidFieldError naming `field`.

    The norm is taken in float64 so that tiny but valid vectors do not
    underflow to zero and huge ones do not overflow to infinity.
    """
    try:
        vector = np.asarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidFieldError(field, "is not a list of numbers") from exc
    if vector.ndim != 1 or vector.shape[0] != dimension:
        size = vector.shape[0] if vector.ndim == 1 else vector.size
        raise InvalidFieldError(field, f"has {size} values; the modality needs {dimension}")
    if not np.isfinite(vector).all():
        raise InvalidFieldError(field, "contains NaN or infinity")
    norm = float(np.linalg.norm(vector.astype(np.float64)))
    if norm == 0.0:
        raise InvalidFieldError(field, "is all zeros")
    unit = (vector.astype(np.float64) / norm).astype(np.float32)
    if not np.isfinite(unit).all() or not unit.any():
        raise InvalidFieldError(field, "cannot be normalised")
    return unit


def normalise_rows(matrix: npt.NDArray[np.float32]) -> tuple[npt.NDArray[np.float32], list[str | None]]:
    """normalise_vector for the rows of a matrix at once (bulk enrolment):
    the unit rows, and per row None or why it was refused."""
    wide = matrix.astype(np.float64)
    finite = np.asarray(np.isfinite(wide).all(axis=1), dtype=np.bool_)
    wide[~finite] = 0.0
    norms = np.linalg.norm(wide, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = (wide / safe[:, None]).astype(np.float32)
    usable = np.isfinite(unit).all(axis=1) & unit.any(axis=1)
    reasons: list[str | None] = [None] * matrix.shape[0]
    for i in np.flatnonzero(~finite | (norms == 0) | ~usable).tolist():
        reasons[i] = ("contains NaN or infinity" if not finite[i] else "is all zeros" if norms[i] == 0
                      else "cannot be normalised")
    return unit, reasons


def _id_problem(value: str) -> str | None:
    """Ids are 1 to 128 printable characters (no newline: snapshots list them one a line)."""
    if not value:
        return "required"
    if len(value) > MAX_ID_LENGTH:
        return f"longer than {MAX_ID_LENGTH} characters"
    if not value.isprintable():
        return "contains control characters"
    return None


def check_id(errors: FieldErrors, value: str, field: str) -> None:
    problem = _id_problem(value)
    if problem is not None:
        errors.add(field, problem)


def check_watchlists(errors: FieldErrors, names: Collection[str], field: str, *, required: bool) -> None:
    if required and not names:
        errors.add(field, "name at least one watch list")
    if len(names) > MAX_WATCHLISTS:
        errors.add(field, f"more than {MAX_WATCHLISTS} watch lists")
    for i, name in enumerate(names):
        errors.check(WATCHLIST_NAME.fullmatch(name) is not None, f"{field}[{i}]",
                     "must be lower_snake_case, 1 to 64 characters")


def check_policy(errors: FieldErrors, policy: Policy, field: str) -> None:
    if policy.visibility not in (ALL_MEMBERS, ONLY_LISTED, ALL_EXCEPT_LISTED):
        errors.add(f"{field}.visibility", "required: choose who may see the template")
        return
    if policy.visibility != ALL_MEMBERS and not policy.countries:
        errors.add(f"{field}.countries", "list at least one country")
    if len(policy.countries) > MAX_POLICY_COUNTRIES:
        errors.add(f"{field}.countries", "too many countries")
    for i, country in enumerate(sorted(policy.countries)):
        errors.check(is_country(country), f"{field}.countries[{i}]", f"unknown country code {country!r}")


@functools.lru_cache(maxsize=4096)
def _shared_violations(watchlists: frozenset[str], owner: str, policy: Policy) -> tuple[FieldViolation, ...]:
    """Checks of the parts that templates share (few distinct values), cached
    so that a bulk load pays for them once."""
    errors = FieldErrors()
    check_watchlists(errors, sorted(watchlists), "watchlists", required=True)
    errors.check(is_country(owner), "data_owner", "must be an ISO 3166-1 alpha-3 code")
    check_policy(errors, policy, "access_policy")
    return tuple(errors.violations)


def _metadata_errors(template: Template) -> FieldErrors:
    errors = FieldErrors()
    check_id(errors, template.template_id, "template_id")
    check_id(errors, template.subject_id, "subject_id")
    errors.violations.extend(_shared_violations(template.watchlists, template.data_owner, template.policy))
    errors.check(math.isfinite(template.quality) and 0.0 <= template.quality <= 1.0, "sample.quality",
                 "must be 0 to 1")
    return errors


def validate_template(template: Template, dimensions: Mapping[Modality, int]) -> Template:
    """The template with its vector normalised, or InvalidArgumentError naming every bad field."""
    errors = _metadata_errors(template)
    vector = template.vector
    if template.modality not in dimensions:
        errors.add("sample.modality", "required: a configured modality")
    else:
        try:
            vector = normalise_vector(template.vector, dimensions[template.modality], "sample.vector")
        except InvalidFieldError as exc:
            errors.add(exc.field, exc.reason)
    errors.raise_if_any()
    return replace(template, vector=vector)


def _plainly_valid(template: Template) -> bool:
    """The bulk path's quick test of everything but the vector; a template that
    fails it goes through _metadata_errors, which names each bad field."""
    return (_id_problem(template.template_id) is None and _id_problem(template.subject_id) is None
            and 0.0 <= template.quality <= 1.0  # False for NaN
            and not _shared_violations(template.watchlists, template.data_owner, template.policy))


def _vector_violation(template: Template, dimensions: Mapping[Modality, int]
                      ) -> tuple[Vector | None, FieldViolation | None]:
    """The raw vector as float32 when its modality and dimension are right."""
    dimension = dimensions.get(template.modality)
    if dimension is None:
        return None, FieldViolation("sample.modality", "required: a configured modality")
    try:
        raw = np.asarray(template.vector, dtype=np.float32)
    except (TypeError, ValueError):
        return None, FieldViolation("sample.vector", "is not a list of numbers")
    if raw.ndim != 1 or raw.shape[0] != dimension:
        return None, FieldViolation("sample.vector", f"has {raw.size} values; the modality needs {dimension}")
    return raw, None


def validate_templates(templates: Sequence[Template], dimensions: Mapping[Modality, int]
                       ) -> tuple[list[tuple[int, Template]], list[Rejection]]:
    """validate_template for a bulk load: vectors are checked and normalised
    per modality in one numpy pass. Returns (index, valid template) pairs and
    a rejection per bad field, in input order. (Runs for every template of a
    bulk load, so the common case does no per-template allocation beyond the
    result.)"""
    problems: dict[int, list[FieldViolation]] = {}
    groups: dict[Modality, tuple[list[int], list[Vector]]] = {}
    for i, t in enumerate(templates):
        if not _plainly_valid(t):
            problems[i] = list(_metadata_errors(t).violations)
        raw, violation = _vector_violation(t, dimensions)
        if raw is None:
            problems.setdefault(i, []).append(violation)  # type: ignore[arg-type]
            continue
        indices, rows = groups.setdefault(t.modality, ([], []))
        indices.append(i)
        rows.append(raw)
    units: list[Vector | None] = [None] * len(templates)
    for indices, rows in groups.values():
        unit, reasons = normalise_rows(np.stack(rows))
        for i, row, reason in zip(indices, unit, reasons, strict=True):
            if reason is None:
                units[i] = row
            else:
                problems.setdefault(i, []).append(FieldViolation("sample.vector", reason))
    valid: list[tuple[int, Template]] = []
    rejected: list[Rejection] = []
    for i, (t, vector) in enumerate(zip(templates, units, strict=True)):
        if i in problems or vector is None:
            rejected.extend(Rejection(i, t.template_id, v.field, v.description) for v in problems.get(i, ()))
        else:
            valid.append((i, Template(t.template_id, t.subject_id, t.modality, vector, t.watchlists, t.data_owner,
                                      t.policy, t.quality)))  # dataclasses.replace costs 3 us
    return valid, rejected
