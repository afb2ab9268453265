"""Changes to how a group works, for admins: subscriptions, reminder lead times, admins, settings, and
the audit log."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    # /gmg subscribe and /gmg unsubscribe
    "subscriptions.saved": "Subscriptions saved",
    "subscriptions.now": "{channel} now follows: {kinds}.",
    "subscriptions.unchanged": "Nothing to change: {channel} follows {kinds}.",
    "subscriptions.nothing": "nothing",
    "subscriptions.bad_word": "`{word}` is neither a channel nor a kind. Use "
    "`/gmg {verb} [#channel] [reminders|themes|all]`; pick the channel with #.",
    # A channel's posts can be in a language of their own: `en`, `fr` or `es` after the channel.
    "subscriptions.two_languages": "Give one language: {first} or {second}, not both.",
    "subscriptions.bad_word_language": "`{word}` is neither a channel, a kind nor a language. Use "
    "`/gmg {verb} [#channel] [reminders|themes|all] [en|fr|es]`; pick the channel with #.",
    # {language} is a language's name: `French`.
    "subscriptions.now_language": "{channel} now follows: {kinds}, in {language}.",
    "subscriptions.no_channel": "Name the channel: `/gmg {verb} #channel [reminders|themes|all]`.",
    # /gmg reminders
    "reminders.title": "Handover reminders",
    "reminders.leads": "Reminders go out {leads} before each handover.",
    "reminders.none": "No reminders go out before handovers.",
    "reminders.never": "No reminders will go out before handovers.",
    "reminders.footer": "Admins change them with `/gmg reminders 30d 7d 1d`.",
    "reminders.saved": "Reminders saved",
    "reminders.forms": "`30d`, `7d`, `1d`, `12h`, `90m`, `45s` or a sum like `1d12h` (at most {days}d)",
    "reminders.not_a_lead": "`{text}` is not a lead time; use {forms}.",
    "reminders.out_of_range": "`{text}` is out of range; use {forms}.",
    "reminders.too_many": "Ten lead times at most.",
    # /gmg admin add | remove
    "admins.usage": "Use `/gmg admin add @user` or `/gmg admin remove @user`.",
    "admins.already": "Nothing to change: they are already admins.",
    "admins.not_listed": "Nothing to change: none of them was added as an admin.",
    "admins.saved": "Admins saved",
    "admins.now": "Added admins: {users}.",
    "admins.none": "none",
    # /gmg settings
    "settings.title": "{group} settings",
    "settings.name": "Name: {name} ({short})",
    "settings.clock": {
        "one": "Timezone: {timezone} · handover at {handover} · terms of {count} month",
        "other": "Timezone: {timezone} · handover at {handover} · terms of {count} months",
    },
    "settings.topic": "Channel topic: {channel} shows the chair and theme from each handover",
    "settings.topic_off": "Channel topic: off",
    # {language} is a language's name: `French`.
    "settings.language": "Language of channel posts: {language} (a channel may choose its own with "
    "`/gmg subscribe #channel fr`)",
    "settings.forms": "`timezone Europe/Zurich`, `handover 09:00`, `term-months 12`, `topic #channel` "
    "(`topic off`), `language fr` or `theme-deadline 14d` (`theme-deadline off`)",
    "settings.footer": "Admins change them with `/gmg settings` and {forms}.",
    "settings.one_at_a_time": "Change one setting at a time: {forms}.",
    "settings.unknown": "`{key}` is not a setting. Use {forms}.",
    "settings.bad_timezone": "Unknown timezone '{value}'; use an IANA name like Europe/Geneva.",
    "settings.not_a_time": "'{value}' is not a time; use HH:MM, e.g. 09:00.",
    "settings.not_a_time_of_day": "'{value}' is not a time of day; use HH:MM from 00:00 to 23:59.",
    "settings.bad_months": "'{value}' is not a number of months from 1 to {most}.",
    "settings.topic_usage": "Name the channel whose topic follows the chair: `/gmg settings topic #channel`, "
    "or `/gmg settings topic off`.",
    "settings.saved": "Settings saved",
    "settings.saved_language": "Channel posts are now in {language}; a channel that chose its own "
    "language keeps it.",
    "settings.saved_body": {
        "one": "Timezone {timezone}, handover at {handover}, terms of {count} month.",
        "other": "Timezone {timezone}, handover at {handover}, terms of {count} months.",
    },
    # /gmg log
    "log.title": "Audit log",
    "log.line": "• {at} {who}: `{action}`",
    "log.none": "No changes recorded.",
    "log.usage": "Use `/gmg log [N]` with N from 1 to 50.",
}
