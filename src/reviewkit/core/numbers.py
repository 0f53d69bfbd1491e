"""Numbers as a review prints them, one way in every table, figure and sentence: counts with thousands
separators, proportions as percentages with one decimal, negative numbers with a true minus sign, an empty
value as an em dash, and every interval as ``estimate (low to high)``, the style of the Cochrane Handbook's
text, so a figure and the table beside it read the same."""
from __future__ import annotations

import math
import numbers
import re

EMPTY = "—"
_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def missing(value: object) -> bool:
    """Empty, None, NaN or infinite (no number to show)."""
    if value is None:
        return True
    if isinstance(value, numbers.Real) and not isinstance(value, numbers.Integral):
        return not math.isfinite(value)
    return isinstance(value, str) and not value.strip()


def number(value: object) -> float | None:
    """``value`` as a float if it is a finite number (numpy's too, or a numeric string); None otherwise."""
    if isinstance(value, bool) or missing(value):
        return None
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str) and _NUMBER.match(value):
        return float(value)
    return None


def fmt_count(value: object) -> str:
    """A count: ``1,234``; text that is not a number (``not reported``) is kept; empty is an em dash."""
    x = number(value)
    if x is None:
        return EMPTY if missing(value) else str(value)
    return f"{round(x):,}"


def fmt_decimal(value: object, places: int = 2) -> str:
    """A decimal with a fixed number of places; text that is not a number is kept."""
    x = number(value)
    if x is None:
        return EMPTY if missing(value) else str(value)
    text = f"{x:,.{places}f}"
    if text.startswith("-"):  # no "-0.00"; a true minus sign otherwise
        return text[1:] if float(text.replace(",", "")) == 0 else "−" + text[1:]
    return text


def fmt_percent(value: object, places: int = 1, scale: float = 100.0) -> str:
    """A proportion (0–1) as a percentage: ``52.6%``; ``scale=1`` for values already in percent."""
    x = number(value)
    if x is None:
        return EMPTY if missing(value) else str(value)
    return f"{fmt_decimal(x * scale, places)}%"


def bounds(low: str, high: str) -> str:
    """The interval part, ``(low to high)``, of bounds already formatted."""
    return f"({low} to {high})"


def interval(estimate: str, low: str, high: str) -> str:
    """An estimate and its interval, each already formatted: ``0.72 (0.55 to 0.94)``."""
    return f"{estimate} {bounds(low, high)}"


def fmt_interval(estimate: object, low: object, high: object, places: int = 1) -> str:
    """A proportion with its interval: ``52.6% (28.9% to 75.6%)``; the estimate alone if the bounds are empty."""
    if number(estimate) is None:
        return EMPTY if missing(estimate) else str(estimate)
    if number(low) is None or number(high) is None:
        return fmt_percent(estimate, places)
    return interval(fmt_percent(estimate, places), fmt_percent(low, places), fmt_percent(high, places))
