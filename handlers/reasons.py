"""Why a delivery was retried, failed or skipped. The database keeps each reason in English, as the
operators' logs show it; `reason_text` reads one back as a catalog message, so that `/gmg deliveries`
and the admins' alerts say it in their reader's language. Each reason is written and read here, so
that the two stay in step; a reason of another shape (a Slack error code) is shown as it is."""

import re
from collections.abc import Callable
from datetime import datetime

from messages import At, Code, Text, say
from storage.deliveries import REPLANNED

RATE_LIMITED = "rate limited by Slack"
UNNAMED_SCOPE = "a scope Slack did not name"
PROPOSAL_DECIDED = "the group decided the theme before this proposal was posted"


def too_late(due: datetime) -> str:
    return f"too late: it was due {due.isoformat()} and is no longer useful"


def connection_error(error: str) -> str:
    return f"connection error ({error})"


def slack_status(status: int) -> str:
    return f"Slack answered {status}"


def not_json(status: int) -> str:
    return f"Slack answered a page that is not JSON (HTTP {status})"


def missing_scope(code: str, scope: str | None) -> str:
    return (
        f"{code}: the app needs the {scope or UNNAMED_SCOPE} scope "
        "(add it on the app's OAuth & Permissions page, then reinstall the app)"
    )


def still_failing(reason: str, attempts: int) -> str:
    return f"{reason}, still after {attempts} attempts"


def subscription_ended(code: str) -> str:
    return f"the channel's subscription ended ({code})"


Reader = Callable[[re.Match[str], str], Text]
_SHAPES: list[tuple[re.Pattern[str], Reader]] = [
    (re.compile(re.escape(REPLANNED)), lambda m, tz: say("reason.replanned")),
    (re.compile(re.escape(RATE_LIMITED)), lambda m, tz: say("reason.rate_limited")),
    (re.compile(re.escape(PROPOSAL_DECIDED)), lambda m, tz: say("reason.proposal_decided")),
    (
        re.compile(r"too late: it was due (\S+) and is no longer useful"),
        lambda m, tz: say("reason.too_late", due=At(datetime.fromisoformat(m[1]), tz)),
    ),
    (re.compile(r"connection error \((\w+)\)"), lambda m, tz: say("reason.connection", error=Code(m[1]))),
    (re.compile(r"Slack answered (\d+)"), lambda m, tz: say("reason.slack_status", status=Code(m[1]))),
    (
        re.compile(r"Slack answered a page that is not JSON \(HTTP (\d+)\)"),
        lambda m, tz: say("reason.not_json", status=Code(m[1])),
    ),
    (
        re.compile(r"(\w+): the app needs the (.+) scope \(add it .*\)"),
        lambda m, tz: say(
            "reason.missing_scope", code=Code(m[1]), scope=Code(m[2]) if m[2] != UNNAMED_SCOPE else "?"
        ),
    ),
    (
        re.compile(r"the channel's subscription ended \((\w+)\)"),
        lambda m, tz: say("reason.subscription_ended", code=Code(m[1])),
    ),
]
_STILL_FAILING = re.compile(r"(.+), still after (\d+) attempts")


def reason_text(reason: str, timezone: str) -> Text:
    """A stored reason as a message; instants in it on the clock of `timezone`."""
    still = _STILL_FAILING.fullmatch(reason)
    if still:
        return say("reason.still_failing", reason=reason_text(still[1], timezone), count=int(still[2]))
    for shape, read in _SHAPES:
        match = shape.fullmatch(reason)
        if match:
            return read(match, timezone)
    return say("code", code=Code(reason))
