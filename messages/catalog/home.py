"""The App Home tab and the admins' modals."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    "home.heading": "{name} ({short})",
    "home.heading_default": "{name} ({short})",
    "home.chair_now": "Chair now",
    "home.next_handover": "Next handover",
    "home.coming_terms": "Coming terms",
    "home.channels": "*Channels*: {channels}\n*Reminders*: {leads} before each handover",
    "home.channel": "{channel} ({kinds})",
    # {language}: a language's name, `French`: the channel's posts are in it.
    "home.channel_language": "{channel} ({kinds}; in {language})",
    "home.kind_reminders": "reminders",
    "home.kind_themes": "themes",
    "home.no_channels": "none yet",
    "home.no_reminders": "none",
    "home.failed": "*:x: Failed deliveries*\n{lines}\nMore with `/gmg deliveries`.",
    "home.calendar": "*Calendar feed* (admins see this): {address}\nSubscribe in Outlook (Add calendar → "
    "Subscribe from web) or Google Calendar (Other calendars → From URL). `/gmg calendar new-key` "
    "replaces the address.",
    "home.set_term": "Set a term",
    "home.set_theme": "Set a theme",
    "home.footer": "Ask anything with `/gmg help`.",
    "home.footer_admin": "You are an admin: `/gmg help` lists every change you can make.",
    "home.more_groups": "More groups than fit here: see them all with `/gmg groups`.",
    "modal.term_title": "{short}: set a term",
    "modal.theme_title": "{short}: set a theme",
    "modal.group_gone": "This group is no longer followed in this workspace: nothing was saved.",
    "modal.save": "Save",
    "modal.cancel": "Cancel",
    "modal.period": "Period",
    "modal.period_hint": "2027, 2027-H1, 2027-03 or 2027-01-01..2027-12-31",
    "modal.chairs": "Chair(s)",
    "modal.chairs_hint": "Two or more for co-chairs",
    "modal.chairs_placeholder": "Choose members",
    "modal.theme": "Theme",
    "modal.theme_hint": "Optional; up to 150 characters",
    "modal.term": "Term",
    "modal.term_hint": "The term's days, a year or half-year",
    "modal.title": "Title",
    "modal.title_hint": "Up to 150 characters",
    "modal.description": "Description",
    "modal.description_hint": "Optional; up to 3,000 characters",
    # A modal's field that its command could not read as meant
    "modal.theme_plus": "A theme cannot start with +.",
    "modal.quotes_in_pairs": 'Use quotes in pairs ("...").',
    "modal.title_pipe": "A title cannot contain |; put the rest in the description.",
}
