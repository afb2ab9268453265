"""What the command registry (handlers/registry.py) is made of: a command, its forms, what an answer
depends on; and how the words after a command choose its form."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from handlers.context import Args, Context
from handlers.response import Response, UsageError
from handlers.text import Token
from messages import Code, Commas, say
from storage.matching import closest

Handler = Callable[[Context, Args], Response]


class Depends(Enum):
    """What an answer is computed from; a cached answer is reused while all of it stays the same."""

    GROUP = "the group's data (its version)"
    GROUPS = "the workspace's groups: their names, versions, which is the default, and each one's day"
    SCHEDULE_DAY = "the day whose term is in office (it turns at the handover time)"
    CALENDAR_DAY = "the group's calendar day (countdowns turn at midnight)"


ON_THE_DAY = frozenset({Depends.GROUP, Depends.SCHEDULE_DAY, Depends.CALENDAR_DAY})
ON_THE_DATA = frozenset({Depends.GROUP})


@dataclass(frozen=True)
class Form:
    handler: Handler
    # As help shows it after `/gmg`, and an example of it.
    usage: str
    example: str
    # The sub-command word (`set` in `term set`); none for the command alone.
    sub: str = ""
    # Whether words may follow.
    args: bool = False
    # A change for the group's admins (see Context.admin_of)...
    admin: bool = False
    # ...or, with `workspace`, also for the asking workspace's Slack admins: what is the workspace's own
    # (its channels' subscriptions, its topic channel, its link to the group).
    workspace: bool = False
    # What the answer depends on; empty: never cached (a change, or an answer that depends on who asks).
    depends: frozenset[Depends] = frozenset()
    # Help's line for a question (a catalog id); changes are shown by usage alone.
    summary: str = ""
    # What a user who is not an admin is told (a catalog id).
    refusal: str = "refused.change"

    @property
    def is_question(self) -> bool:
        return not self.admin and bool(self.depends)


@dataclass(frozen=True)
class Command:
    word: str
    forms: tuple[Form, ...]
    aliases: tuple[str, ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return (self.word, *self.aliases)

    @property
    def subs(self) -> list[str]:
        return [f.sub for f in self.forms if f.sub]


def choose(command: Command, rest: list[Token]) -> Form:
    """The form the words after the command word call for; a UsageError says what would be accepted."""
    sub = rest[0].value.lower() if rest else ""
    for form in command.forms:
        if form.sub and form.sub == sub:
            return form
    bare = [f for f in command.forms if not f.sub]
    if not rest:
        alone = [f for f in bare if not f.args] or bare
        if alone:
            return alone[0]
        raise UsageError(say("usage.sub_needed", command=Code(f"/gmg {command.word}"), forms=usages(command)))
    guess = closest(sub, command.subs)
    if guess:
        raise UsageError(
            say("usage.did_you_mean_sub", word=sub[:50], suggestion=Code(f"/gmg {command.word} {guess}"))
        )
    taking = [f for f in bare if f.args]
    if taking:
        return taking[0]
    raise UsageError(
        say("usage.not_a_sub", word=sub[:50], command=Code(f"/gmg {command.word}"), forms=usages(command))
    )


def usages(command: Command) -> Commas:
    return Commas(tuple(Code(f"/gmg {f.usage}") for f in command.forms))
