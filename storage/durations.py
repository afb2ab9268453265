"""Lead times as people write them: `30d`, `12h`, `90m`, `45s`, or sums like `1d12h`."""

import re

UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_PART = re.compile(r"(\d{1,6})([dhms])")
_WHOLE = re.compile(r"(?:\d{1,6}[dhms])+")
MAX_LEAD_SECONDS = 366 * 86_400
LEAD_FORMS = "`30d`, `7d`, `1d`, `12h`, `90m`, `45s` or a sum like `1d12h` (at most 366d)"


class DurationError(ValueError):
    """`out_of_range`: a lead time, but not from 1s to 366d; else not a lead time at all."""

    def __init__(self, text: str, problem: str, *, out_of_range: bool = False) -> None:
        super().__init__(f"`{text}` {problem}; use {LEAD_FORMS}")
        self.text = text
        self.problem = problem
        self.out_of_range = out_of_range


def parse_duration(text: str) -> int:
    """Seconds in `text`; refuses anything but a positive sum of d/h/m/s parts up to 366 days."""
    cleaned = text.strip().lower()
    if not _WHOLE.fullmatch(cleaned):
        raise DurationError(text, "is not a lead time")
    seconds = sum(int(n) * UNITS[unit] for n, unit in _PART.findall(cleaned))
    if not 0 < seconds <= MAX_LEAD_SECONDS:
        raise DurationError(text, "is out of range", out_of_range=True)
    return seconds


def format_duration(seconds: int) -> str:
    """The shortest sum of d/h/m/s parts: 129600 -> `1d12h`."""
    parts = []
    for unit, size in UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


# A checklist item's due day, counted from its handover: `-30d` before, `0d` on the day, `+14d` after.
_OFFSET = re.compile(r"([+-]?)(\d{1,3})d")
MAX_OFFSET_DAYS = 366


class OffsetError(ValueError):
    """Not an offset in days, or more than MAX_OFFSET_DAYS from the handover."""


def parse_offset(text: str) -> int:
    match = _OFFSET.fullmatch(text.strip().lower())
    if match is None:
        raise OffsetError(text)
    days = int(match.group(2))
    if days > MAX_OFFSET_DAYS:
        raise OffsetError(text)
    return -days if match.group(1) == "-" else days


def format_offset(days: int) -> str:
    """As people write it: `-30d`, `0d`, `+14d`."""
    return f"{days:+d}d" if days else "0d"
