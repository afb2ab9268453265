"""The handover's process in a YAML document (storage/documents.py): the checklist template, each
handover's checklist (under its term), and theme proposals with their votes."""

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from storage.document_base import USER_ID, Strict
from storage.durations import MAX_OFFSET_DAYS, OffsetError, format_offset, parse_offset

# As many items as a reminder lists (`checklist add` stops there too).
MAX_CHECKLIST = 20
# A workspace, or the command line's own.
TEAM = r"^([TE][A-Z0-9]{1,31}|local)$"


def _instant(value: datetime) -> datetime:
    # An instant written without its offset is read as UTC, as the bot writes them.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Instant = Annotated[datetime, AfterValidator(_instant)]


class ChecklistTemplateDoc(Strict):
    """An item of the template: who, when (days from the handover: `-30d`, `0d`, `+14d`) and what."""

    role: Literal["outgoing", "incoming", "admins"]
    offset: str
    text: str = Field(min_length=1, max_length=300)

    @field_validator("offset", mode="before")
    @classmethod
    def _offset(cls, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError('write the offset as days from the handover, e.g. "-30d", "0d" or "+14d"')
        try:
            return format_offset(parse_offset(value))
        except OffsetError as exc:
            raise ValueError(
                f"{value!r} is not an offset: use days from the handover, like -30d, 0d or +14d "
                f"(at most {MAX_OFFSET_DAYS})"
            ) from exc

    @property
    def offset_days(self) -> int:
        return parse_offset(self.offset)


class ChecklistItemDoc(ChecklistTemplateDoc):
    """An item of one handover's checklist, and who marked it done, when."""

    done_by: str | None = Field(default=None, pattern=USER_ID)
    done_at: Instant | None = None

    @model_validator(mode="after")
    def _both(self) -> "ChecklistItemDoc":
        if (self.done_by is None) != (self.done_at is None):
            raise ValueError("give done_by and done_at together (a done item), or neither (an open one)")
        return self


class VoteDoc(Strict):
    """One person's vote on a proposal."""

    user: str = Field(pattern=USER_ID)
    support: bool
    comment: str = Field(default="", max_length=500)
    at: Instant
    # The workspace the vote came from, where it is not the group's home.
    team: str | None = Field(default=None, pattern=TEAM)


class ProposalDoc(Strict):
    """A theme proposed for a term, its state, and its votes."""

    # The term's days, `2027-01-01..2027-12-31`.
    term: str
    title: str = Field(min_length=1, max_length=150)
    description: str = Field(default="", max_length=3000)
    proposed_by: str = Field(pattern=USER_ID)
    proposed_at: Instant
    state: Literal["open", "adopted", "closed"] = "open"
    # The workspace it was proposed from, where it is not the group's home.
    team: str | None = Field(default=None, pattern=TEAM)
    votes: list[VoteDoc] = []

    @field_validator("term", mode="before")
    @classmethod
    def _days(cls, value: Any) -> str:
        first, sep, last = str(value).partition("..")
        try:
            days = (date.fromisoformat(first), date.fromisoformat(last)) if sep else None
        except ValueError:
            days = None
        if days is None or days[1] < days[0] or not 1900 <= days[0].year <= days[1].year <= 2200:
            raise ValueError(
                f"{value!r} is not a term's days: write FIRST..LAST, e.g. 2027-01-01..2027-12-31"
            )
        return f"{days[0]}..{days[1]}"

    @field_validator("votes")
    @classmethod
    def _one_each(cls, votes: list[VoteDoc]) -> list[VoteDoc]:
        users = [v.user for v in votes]
        twice = [u for u in dict.fromkeys(users) if users.count(u) > 1]
        if twice:
            raise ValueError(f"{twice[0]} votes twice; one vote per person")
        return votes

    @property
    def days(self) -> tuple[date, date]:
        first, _, last = self.term.partition("..")
        return date.fromisoformat(first), date.fromisoformat(last)
