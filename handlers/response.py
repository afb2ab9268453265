"""What a command answers: messages (ids with parameters) for each edge to render, and what happened."""

from collections.abc import Sequence
from dataclasses import dataclass

from messages import Text
from messages.languages import DEFAULT
from messages.render import Flavour, render, to_plain

# A part of an answer: a catalog message, or (while the last handlers move to messages) mrkdwn.
Part = Text | str


class UsageError(Exception):
    """Bad input: the message says what was wrong and the accepted form."""

    def __init__(self, message: Part) -> None:
        super().__init__(message if isinstance(message, str) else message.id)
        self.message = message


def shown(part: Part, flavour: Flavour, language: str = DEFAULT) -> str:
    if isinstance(part, Text):
        return render(part, flavour, language)
    return part if flavour == "mrkdwn" else to_plain(part)


@dataclass
class Response:
    title: Part
    sections: Sequence[Part] = ()
    footer: Part = ""
    ephemeral: bool = True
    # A question whose answer a user may share to the channel.
    shareable: bool = False
    # True when the command changed the group's data.
    changed: bool = False
    # False when the command was refused; the sections say why.
    ok: bool = True
    # Theme proposals whose posts in the channels no longer show their votes or state: the edge
    # updates them (handlers/proposals.py).
    proposals: tuple[int, ...] = ()

    def parts(self, flavour: Flavour, language: str = DEFAULT) -> tuple[str, list[str], str]:
        """Title, sections and footer rendered for an edge, in a language; empty sections left out."""
        sections = [s for s in (shown(p, flavour, language) for p in self.sections) if s.strip()]
        return shown(self.title, flavour, language), sections, shown(self.footer, flavour, language)

    def mrkdwn(self, language: str = DEFAULT) -> str:
        """The whole answer as mrkdwn in one string (Slack's fallback text)."""
        title, sections, footer = self.parts("mrkdwn", language)
        return "\n".join([f"*{title}*", *sections, footer])

    @property
    def text(self) -> str:
        """The whole answer in English mrkdwn (logs and tests)."""
        return self.mrkdwn()

    def plain(self, language: str = DEFAULT) -> str:
        """The answer for a terminal."""
        title, sections, footer = self.parts("plain", language)
        return "\n".join([title, *sections, footer]).strip()
