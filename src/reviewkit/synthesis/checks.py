"""Checks of the numbers given to a meta-analysis. Each problem is a ``ReviewInputError`` whose ``path`` is
the function called, ``record`` the study (its label, else "study i") and ``field`` the argument; all the
problems found in one call are raised together."""
from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

from reviewkit.core.errors import ReviewInputError, excerpt, raise_collected


def refuse(where: str, message: str, field: str | None = None, study: str | None = None) -> ReviewInputError:
    """The error for one problem (to raise)."""
    return ReviewInputError(where, message, field=field, record=study)


def choice(where: str, field: str, value: str, allowed: Sequence[str]) -> None:
    """Refuse ``value`` unless it is one of ``allowed``."""
    if value not in allowed:
        raise refuse(where, f"unknown {field} {excerpt(repr(value))}; choose one of {', '.join(allowed)}", field)


def study_names(where: str, labels: Sequence | None, k: int) -> list[str]:
    """The studies' names for messages: the labels, else "study 1", "study 2", …"""
    if labels is None:
        return [f"study {i + 1}" for i in range(k)]
    names = [str(label) for label in labels]
    if len(names) != k:
        raise refuse(where, f"{len(names)} labels for {k} studies: give one label per study", "labels")
    return names


def _number(value: object) -> float | None:
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _plain_numbers(values: Sequence, whole: bool) -> np.ndarray | None:
    """``values`` as floats when they are all finite numbers (whole where asked), else None (to check one by one)."""
    raw = np.asarray(values)
    if raw.ndim != 1 or raw.dtype.kind not in "iuf":
        return None
    array = raw.astype(float)
    if not np.all(np.isfinite(array)) or (whole and np.any(array != np.round(array))):
        return None
    return array


def columns(where: str, fields: Mapping[str, Sequence], labels: Sequence | None,
            whole: Sequence[str] = ()) -> tuple[list[str], dict[str, np.ndarray]]:
    """The fields (argument name → one value per study) as float arrays, with the studies' names; refuses
    unequal lengths, no studies, and values that are missing or not finite numbers (or, for the fields in
    ``whole``, not whole numbers)."""
    for name, values in fields.items():
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise refuse(where, f"give one value per study (a list or column), not {excerpt(repr(values), 40)}", name)
    lengths = {name: len(values) for name, values in fields.items()}
    first = next(iter(lengths))
    for name, length in lengths.items():
        if length != lengths[first]:
            raise refuse(where, f"{lengths[first]} values of {first} but {length} of {name}: give one of each per study",
                         name)
    if lengths[first] == 0:
        raise refuse(where, "no studies to pool", first)
    names = study_names(where, labels, lengths[first])
    errors: list[ReviewInputError] = []
    arrays = {}
    for field, values in fields.items():
        fast = _plain_numbers(values, field in whole)
        if fast is not None:
            arrays[field] = fast
            continue
        numbers = []
        for study, value in zip(names, values):
            number = _number(value)
            if number is None or np.isnan(number):
                kind = "missing" if number is not None or value is None else f"not a number ({excerpt(repr(value), 40)})"
                errors.append(refuse(where, f"the value is {kind}", field, study))
            elif not np.isfinite(number):
                errors.append(refuse(where, f"the value {number} is not finite", field, study))
            elif field in whole and number != int(number):
                errors.append(refuse(where, f"a count must be a whole number, not {number:g}", field, study))
            numbers.append(np.nan if number is None else number)
        arrays[field] = np.array(numbers, dtype=float)
    raise_collected(errors)
    return names, arrays


def require(errors: list[ReviewInputError], where: str, names: Sequence[str], field: str, bad: np.ndarray,
            message: Callable[[int], str]) -> None:
    """Add an error naming each study where ``bad`` is true; ``message(i)`` says what is wrong with study i."""
    for i in np.flatnonzero(bad):
        errors.append(refuse(where, message(int(i)), field, names[i]))


def counts(where: str, names: Sequence[str], events: np.ndarray, totals: np.ndarray, events_field: str,
           total_field: str, errors: list[ReviewInputError]) -> None:
    """Counts: totals positive, 0 ≤ events ≤ total."""
    require(errors, where, names, total_field, totals <= 0, lambda i: f"the total must be positive, not {totals[i]:g}")
    require(errors, where, names, events_field, events < 0, lambda i: f"events must not be negative, not {events[i]:g}")
    require(errors, where, names, events_field, (events > totals) & (totals > 0),
            lambda i: f"{events[i]:g} events is more than the total of {totals[i]:g}")


def enough_studies(where: str, k: int, needed: int, what: str) -> None:
    """Refuse a fit of ``what`` on fewer than ``needed`` studies."""
    if k < needed:
        raise refuse(where, f"{what} needs at least {needed} studies, not {k}")
