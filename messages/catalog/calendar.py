"""`/gmg calendar`: the feed's address."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "calendar.title": "{group} calendar feed",
    "calendar.title_new": "{group} calendar feed: new address",
    "calendar.url": "{url}",
    "calendar.path": "{url} on the bot's public address. Set PUBLIC_BASE_URL (e.g. "
    "`https://gmg.example.org`) and the full address shows here.",
    "calendar.subscribe": "Subscribe to this address to see every {group} term and handover:\n{address}",
    "calendar.old_gone": "The old address no longer works: subscribers must subscribe again with this one.",
    "calendar.how": "*Outlook*: Add calendar → Subscribe from web, paste the address, then Import.\n"
    "*Google Calendar*: Other calendars → + → From URL, paste the address, then Add calendar.\n"
    "Any other calendar app that subscribes to iCalendar (.ics) addresses works too.",
    "calendar.refresh": "Calendar apps fetch the feed again on their own schedule (Google Calendar every "
    "few hours). Projected terms show as tentative; handovers carry alarms at the reminder lead times.",
    "calendar.languages": "The feed is in English; add {fr} to the address for French, {es} for Spanish.",
    "calendar.footer": "Anyone with this address can read the schedule. `/gmg calendar new-key` replaces it.",
}
