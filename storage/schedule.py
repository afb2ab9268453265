"""The schedule: decided terms from the database, and terms projected from the rotation.

A term runs from the group's handover time on its first day to the handover time on the day
after its last day, in the group's timezone. After the last decided term, terms of the group's
default length follow, chaired in rotation order; gaps between decided terms stay gaps.
"""

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from storage import queries
from storage.models import Group, Term


@dataclass(frozen=True)
class Slot:
    """A term as users see it: decided (stored) or projected from the rotation."""

    first_day: date
    last_day: date
    chairs: tuple[str, ...]
    theme: str = ""
    description: str = ""
    note: str = ""
    projected: bool = False
    # The theme in other languages, as the term holds it (handlers/translated.py shows it).
    translations: dict[str, dict[str, str]] = field(default_factory=dict, hash=False)

    @classmethod
    def of(cls, term: Term) -> "Slot":
        return cls(
            term.first_day,
            term.last_day,
            tuple(term.chairs),
            term.theme,
            term.description,
            term.note,
            translations={k: dict(v) for k, v in (term.translations or {}).items()},
        )

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day


PROJECTION_EPOCH = date(2000, 1, 1)


def zone(group: Group) -> ZoneInfo:
    return ZoneInfo(group.timezone)


def handover_clock(group: Group) -> time:
    return time.fromisoformat(group.handover_time)


def handover_instant(group: Group, day: date) -> datetime:
    """The UTC instant at which a term starting on `day` begins."""
    return datetime.combine(day, handover_clock(group), tzinfo=zone(group)).astimezone(UTC)


def schedule_day(group: Group, now: datetime) -> date:
    """The day whose term is in office at `now`: before the handover time, still yesterday."""
    return schedule_day_at(group.timezone, group.handover_time, now)


def schedule_day_at(timezone: str, handover_time: str, now: datetime) -> date:
    local = now.astimezone(ZoneInfo(timezone))
    if local.time() < time.fromisoformat(handover_time):
        return local.date() - timedelta(days=1)
    return local.date()


def add_months(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


class Schedule:
    """Answers "which term, when" for one group; reads only what a question needs."""

    def __init__(self, *, session: Session, group: Group) -> None:
        self.session = session
        self.group = group
        assert group.id is not None
        self.group_id = group.id
        self._rotation: list[str] | None = None
        self._last: tuple[Term | None] | None = None

    @property
    def rotation(self) -> list[str]:
        if self._rotation is None:
            self._rotation = queries.get_rotation(session=self.session, group_id=self.group_id)
        return self._rotation

    def last_decided(self) -> Term | None:
        if self._last is None:
            self._last = (queries.last_term(session=self.session, group_id=self.group_id),)
        return self._last[0]

    # Projection

    def _projection_origin(self) -> tuple[date, int]:
        """Where projected terms begin, and the rotation index of the chair before them."""
        last = self.last_decided()
        if last is not None:
            indexes = {self.rotation.index(c) for c in last.chairs if c in self.rotation}
            # Co-chairs next to each other in the circular order: go on after the last of them.
            ends = {i for i in indexes if (i + 1) % len(self.rotation) not in indexes}
            return last.last_day + timedelta(days=1), max(ends or indexes, default=-1)
        # Nothing decided: terms follow one another from a fixed date, so that the projection stays the
        # same as time passes and the chair announced as next is the one who takes over.
        return PROJECTION_EPOCH, -1

    def _projected(self, origin: date, before: int, k: int) -> Slot:
        """The k-th projected term (k = 0 is the first)."""
        months = self.group.term_months
        first = add_months(origin, months * k)
        last = add_months(origin, months * (k + 1)) - timedelta(days=1)
        chair = self.rotation[(before + 1 + k) % len(self.rotation)]
        return Slot(first, last, (chair,), projected=True)

    def _projected_index(self, origin: date, day: date) -> int:
        k = max(0, months_between(origin, day) // self.group.term_months - 1)
        while add_months(origin, self.group.term_months * (k + 1)) <= day:
            k += 1
        return k

    # Questions

    def slot_on(self, day: date) -> Slot | None:
        """The term covering `day`, decided or projected; None in a gap."""
        term = queries.term_on_or_before(session=self.session, group_id=self.group_id, day=day)
        if term is not None and term.last_day >= day:
            return Slot.of(term)
        if not self.rotation:
            return None
        if queries.term_after(session=self.session, group_id=self.group_id, day=day) is not None:
            return None
        origin, before = self._projection_origin()
        if day < origin:
            return None
        return self._projected(origin, before, self._projected_index(origin, day))

    def slots_after(self, day: date, count: int) -> list[Slot]:
        """Up to `count` terms starting after `day`, decided first, then projected."""
        slots = [
            Slot.of(t)
            for t in queries.terms_starting_after(
                session=self.session, group_id=self.group_id, day=day, limit=count
            )
        ]
        if len(slots) < count and self.rotation:
            origin, before = self._projection_origin()
            k = 0 if origin > day else self._projected_index(origin, day) + 1
            while len(slots) < count:
                slots.append(self._projected(origin, before, k))
                k += 1
        return slots

    def timeline(self, today: date, coming: int) -> list[Slot]:
        """Every decided term, then the projected term in office on `today` (if any) and `coming`
        projected terms after it. Two queries, the terms and the rotation: for the calendar feed
        and the public page, which show the whole record at once."""
        terms = queries.list_terms(session=self.session, group_id=self.group_id)
        # The last decided term is where projection begins: it is in the list already.
        self._last = (terms[-1] if terms else None,)
        slots = [Slot.of(t) for t in terms]
        if not self.rotation:
            return slots
        origin, before = self._projection_origin()
        k = 0 if today < origin else self._projected_index(origin, today)
        count = coming + (1 if self._projected(origin, before, k).covers(today) else 0)
        return slots + [self._projected(origin, before, k + i) for i in range(count)]

    def slot_before(self, day: date) -> Slot | None:
        """The last decided term that ended before `day`."""
        terms = queries.terms_ended_before(session=self.session, group_id=self.group_id, day=day, limit=1)
        return Slot.of(terms[0]) if terms else None

    def slots_overlapping(self, first: date, last: date) -> list[Slot]:
        slots = [
            Slot.of(t)
            for t in queries.terms_overlapping(
                session=self.session, group_id=self.group_id, first=first, last=last
            )
        ]
        if not self.rotation:
            return slots
        origin, before = self._projection_origin()
        if last < origin:
            return slots
        k = self._projected_index(origin, max(first, origin))
        while (slot := self._projected(origin, before, k)).first_day <= last:
            slots.append(slot)
            k += 1
        return slots
