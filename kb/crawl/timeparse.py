"""Durations as people write them on a command line or in a job file: ``90s``, ``10m``, ``2h``,
``7d``, or plain seconds."""

from __future__ import annotations

import re

from kb.errors import UsageError

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$", re.IGNORECASE)


def parse_duration(text: str) -> float:
    match = _DURATION.match(text or "")
    if not match:
        raise UsageError(f"not a duration: {text!r} (use e.g. 90s, 10m, 2h, 7d)")
    value, unit = float(match.group(1)), (match.group(2) or "s").lower()
    return value * _UNITS[unit]
