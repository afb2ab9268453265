"""The public schedule page (handlers/page.py), rendered as HTML."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    # Also the calendar feed's description.
    "page.about": "Who chairs the {group}, when, and on what theme.",
    "page.title": "{group} chair rotation",
    "page.kicker": "Chair rotation",
    # The label of the links to the page in each language.
    "page.language": "Language",
    "page.heading": "{name} ({short})",
    "page.chair_now": {"one": "Chair now", "other": "Co-chairs now"},
    "page.next_handover": "Next handover",
    "page.terms": "Current and coming terms",
    "page.past": "Past terms",
    "page.chairs": "{chairs}",
    "page.days": "{days}",
    "page.decided": "decided",
    "page.projected": "projected",
    "page.now": "now",
    "page.no_chair": "No chair is recorded for today.",
    "page.when_projected": "{days} · projected from the rotation, not decided yet",
    "page.no_next": "No next chair is known yet.",
    "page.ends": "The current term ends on {day}; no next chair is decided yet.",
    "page.countdown": "{when}",
    "page.takes_over": {"one": "{chairs} takes over on {at}.", "other": "{chairs} take over on {at}."},
    "page.projected_chairs": "{chairs} (projected from the rotation)",
    "page.none_ahead": "No term is decided ahead.",
    "page.none_past": "No past term is on record.",
    "page.footer": "Times are in {timezone}. Projected terms follow the rotation order until the group "
    "decides them. As of {now}.",
    # The index of a workspace's groups
    "page.rotations": "Chair rotations",
    "page.groups": "Groups",
}
