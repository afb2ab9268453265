"""The public schedule page at `/` (when GMG_PUBLIC_PAGE=on): HTML rendered here, one small
stylesheet, no script. It shows only what the group has made public: its terms, their chairs and
themes. Never focal points, channels, admins or the audit log. Its words are the catalog's
(messages/catalog/page.py) rendered as HTML, which escapes what people wrote; anything else written
into the page goes through html.escape.

Its database reads: the terms and the rotation (Schedule.timeline); the caller reads the group.
"""

import base64
import hashlib
from datetime import date, datetime
from html import escape
from urllib.parse import quote

from sqlmodel import Session

from handlers.calendar import theme_line
from handlers.translated import description_of, theme_of
from messages import At, Countdown, Days, Text, Words, say
from messages.languages import LANGUAGES, NAMES
from messages.render import render
from storage.models import Group
from storage.schedule import Schedule, Slot, handover_instant, schedule_day, zone

# Projected terms shown after the one in office, as in the calendar feed.
PROJECTED_TERMS = 4

# Every pair of text and background colour contrasts 7:1 or more (WCAG AAA), in both schemes;
# tests/test_page.py checks it.
STYLE = """
:root { color-scheme: light dark; --bg: #fff; --fg: #1b1b1b; --muted: #4d4d4d; --line: #d0d0d0;
  --accent: #0a4f8a; --now: #e8f1fa; --decided-bg: #e4f2e7; --decided-fg: #1d4a29;
  --projected-bg: #fdf1d3; --projected-fg: #5a3f00; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #141414; --fg: #ededed; --muted: #c2c2c2; --line: #3d3d3d; --accent: #9cc7f2;
    --now: #1d2a36; --decided-bg: #1f3325; --decided-fg: #c4ebcd; --projected-bg: #3a3017;
    --projected-fg: #f6dc9c; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 1rem/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main, footer { max-width: 42rem; margin: 0 auto; padding: 1rem; }
header { border-bottom: 3px solid var(--accent); }
h1 { font-size: 1.6rem; line-height: 1.2; margin: 0.2rem 0 0; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 0.6rem; }
p { margin: 0.3rem 0; }
.kicker, .when, footer { color: var(--muted); }
.kicker { margin: 0; font-size: 0.9rem; text-transform: uppercase; letter-spacing: 0.05em; }
.chair { font-size: 1.5rem; font-weight: 700; }
.countdown { font-size: 1.25rem; font-weight: 700; color: var(--accent); }
.terms { list-style: none; margin: 0; padding: 0; }
.terms li { border-left: 4px solid var(--line); padding: 0.5rem 0.8rem; margin: 0 0 0.6rem; }
.terms li.current { border-left-color: var(--accent); background: var(--now); }
.who { font-weight: 700; }
.tag { display: inline-block; font-size: 0.8rem; font-weight: 600; padding: 0 0.45rem;
  border-radius: 0.6rem; margin-left: 0.3rem; vertical-align: 0.1em; }
.decided { background: var(--decided-bg); color: var(--decided-fg); }
.projected { background: var(--projected-bg); color: var(--projected-fg); }
.now { background: var(--accent); color: var(--bg); }
.theme, .what { overflow-wrap: anywhere; }
a { color: var(--accent); }
.languages { float: right; font-size: 0.9rem; }
.languages a[aria-current] { font-weight: 700; text-decoration: none; color: var(--fg); }
footer { border-top: 1px solid var(--line); font-size: 0.9rem; }
"""
# The page's one stylesheet is allowed by its hash; nothing else may load or run.
CSP = (
    "default-src 'none'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()}'; "
    "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def _html(text: Text, language: str) -> str:
    return render(text, "html", language)


def _plain(text: Text, language: str) -> str:
    """A message where HTML holds text only (the title, an attribute): plain, then escaped."""
    return escape(render(text, "plain", language))


def _switcher(language: str) -> str:
    """Links to the page in each language, each named in its own; the one shown is marked."""
    links = []
    for code in LANGUAGES:
        current = ' aria-current="true"' if code == language else ""
        links.append(
            f'<a href="?lang={code}" hreflang="{code}" lang="{code}"{current}>{escape(NAMES[code])}</a>'
        )
    label = _plain(say("page.language"), language)
    return f'<nav class="languages" aria-label="{label}">{" · ".join(links)}</nav>'


def _chairs(slot: Slot) -> Text:
    return say("page.chairs", chairs=Words(tuple(say("code", code=c) for c in slot.chairs)))


def _days(first: date, last: date, language: str) -> str:
    """The term's days, each end a machine-readable <time>."""
    return _html(say("page.days", days=Days(first, last)), language)


def _tag(kind: str, text: Text, language: str) -> str:
    return f'<span class="tag {kind}">{_html(text, language)}</span>'


def _item(slot: Slot, today: date, language: str) -> str:
    # Decided or projected, and "now", are said in words: colour only adds to them.
    status = "projected" if slot.projected else "decided"
    tags = _tag(status, say(f"page.{status}"), language)
    opening = "<li>"
    if slot.covers(today):
        tags += _tag("now", say("page.now"), language)
        opening = '<li class="current" aria-current="true">'
    theme = f'<p class="what">{_html(say("code", code=theme_of(slot)), language)}</p>' if slot.theme else ""
    return (
        f'{opening}<p class="when">{_days(slot.first_day, slot.last_day, language)}</p>'
        f'<p class="who">{_html(_chairs(slot), language)} {tags}</p>{theme}</li>'
    )


def _list(slots: list[Slot], today: date, empty: Text, language: str) -> str:
    if not slots:
        return f"<p>{_html(empty, language)}</p>"
    # role="list": some screen readers drop list semantics when the markers are styled away.
    items = "".join(_item(s, today, language) for s in slots)
    return f'<ol class="terms" role="list">{items}</ol>'


def _now_section(current: Slot | None, language: str) -> str:
    if current is None:
        return f"<p>{_html(say('page.no_chair'), language)}</p>"
    when = _days(current.first_day, current.last_day, language)
    if current.projected:
        when = _html(say("page.when_projected", days=Days(current.first_day, current.last_day)), language)
    parts = [
        f'<p class="chair">{_html(_chairs(current), language)}</p>',
        f'<p class="when">{when}</p>',
        f'<p class="theme">{_html(theme_line(current), language)}</p>',
    ]
    if current.theme and current.description:
        description = _html(say("code", code=description_of(current)), language)
        parts.append(f'<p class="theme">{description}</p>')
    return "\n".join(parts)


def _next_section(
    group: Group, now: datetime, current: Slot | None, coming: Slot | None, language: str
) -> str:
    z = zone(group)
    if coming is None:
        if current is None:
            return f"<p>{_html(say('page.no_next'), language)}</p>"
        return f"<p>{_html(say('page.ends', day=current.last_day), language)}</p>"
    at = handover_instant(group, coming.first_day)
    days = (coming.first_day - now.astimezone(z).date()).days
    when = _html(say("page.countdown", when=Countdown(days)), language)
    who = say("page.projected_chairs", chairs=_chairs(coming)) if coming.projected else _chairs(coming)
    takes_over = _html(
        say("page.takes_over", count=len(coming.chairs), chairs=who, at=At(at, group.timezone)), language
    )
    # The countdown stands alone, as a sentence would: capitalized.
    return f'<p class="countdown">{when[:1].upper()}{when[1:]}</p><p>{takes_over}</p>'


def page(*, session: Session, group: Group, now: datetime, language: str) -> str:
    """The whole page, as of `now`, in `language`."""
    today = schedule_day(group, now)
    slots = Schedule(session=session, group=group).timeline(today, PROJECTED_TERMS)
    current = next((s for s in slots if s.covers(today)), None)
    coming = [s for s in slots if s.first_day > today]
    past = [s for s in reversed(slots) if s.last_day < today]
    short = group.short_name or group.name
    name = say("page.heading", name=group.name, short=group.short_name) if group.short_name else None
    now_heading = say("page.chair_now", count=len(current.chairs) if current else 1)
    return f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_plain(say("page.title", group=short), language)}</title>
<meta name="description" content="{_plain(say("page.about", group=group.name), language)}">
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>
<header>
{_switcher(language)}
<p class="kicker">{_html(say("page.kicker"), language)}</p>
<h1>{_html(name, language) if name else escape(group.name)}</h1>
</header>
<main>
<section aria-labelledby="now">
<h2 id="now">{_html(now_heading, language)}</h2>
{_now_section(current, language)}
</section>
<section aria-labelledby="next">
<h2 id="next">{_html(say("page.next_handover"), language)}</h2>
{_next_section(group, now, current, coming[0] if coming else None, language)}
</section>
<section aria-labelledby="terms">
<h2 id="terms">{_html(say("page.terms"), language)}</h2>
{_list(([current] if current else []) + coming, today, say("page.none_ahead"), language)}
</section>
<section aria-labelledby="past">
<h2 id="past">{_html(say("page.past"), language)}</h2>
{_list(past, today, say("page.none_past"), language)}
</section>
</main>
<footer>
<p>{_html(say("page.footer", timezone=group.timezone, now=At(now, group.timezone)), language)}</p>
</footer>
</body>
</html>
"""


def index(*, groups: list[Group], prefix: str, language: str) -> str:
    """The groups of the workspace, each a link to its page in the same language."""
    items = "".join(
        f'<li><p class="who"><a href="{escape(f"{prefix}{quote(g.short_name)}?lang={language}")}">'
        f"{escape(g.short_name)}</a></p>"
        f'<p class="what">{escape(g.name)}</p></li>'
        for g in groups
    )
    return f"""<!doctype html>
<html lang="{language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_plain(say("page.rotations"), language)}</title>
<link rel="icon" href="data:,">
<style>{STYLE}</style>
</head>
<body>
<header>
{_switcher(language)}
<p class="kicker">{_html(say("page.rotations"), language)}</p>
<h1>{_html(say("page.groups"), language)}</h1>
</header>
<main>
<ol class="terms" role="list">{items}</ol>
</main>
</body>
</html>
"""
