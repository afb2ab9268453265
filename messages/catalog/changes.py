"""The admins' changes: terms, themes, the rotation, members and focal points; what each answers and
why one is refused."""

from messages.catalog.template import Template

MESSAGES: dict[str, Template] = {
    # Free text too long
    "change.theme_too_long": "The theme title is {length} characters long; keep it to {limit}.",
    "change.description_too_long": "The description is {length} characters long; keep it to {limit}.",
    "change.name_too_long": "The name is {length} characters long; keep it to {limit}.",
    "change.code_too_long": "The code is {length} characters long; keep it to {limit}.",
    # /gmg term set | clear
    "change.period_needed": "Give a PERIOD: {forms}.",
    "change.chair_needed": "Name the chair: `/gmg term set 2019 ILO`, co-chairs as `FAO+IOM`.",
    "change.chair_twice": "A member is named twice among the chairs.",
    "change.former_chair": "*{code}* is a former member; add it back first.",
    "change.overlap": "{days} overlaps the term {other} ({chairs}). Clear it first with {command}, or "
    "choose days that do not overlap.",
    "change.term_saved": "Term saved",
    "change.term_set": {
        "one": "{chairs} chairs the {group} {days}.",
        "other": "{chairs} chair the {group} {days}.",
    },
    "change.term_set_theme": "{term} Theme: *{theme}*.",
    "change.term_replaced": "Replaced the term's chairs.",
    "change.clear_period_only": "`term clear` takes only a PERIOD, e.g. `/gmg term clear 2019`.",
    "change.reaches_outside": "The term {days} reaches outside {period}. Clear it whole: {command}.",
    "change.nothing_to_clear": "No term to clear in {period}. See `/gmg history` and `/gmg schedule`.",
    "change.cleared": "Cleared {terms}",
    "change.terms": {"one": "{count} term", "other": "{count} terms"},
    "change.no_term": "no term",
    # /gmg theme set
    "change.which_term": "{period} covers {found}; name one term, e.g. its days `FIRST..LAST` as shown "
    "by `/gmg history` or `/gmg schedule`.",
    "change.title_needed": "Give a theme title: `/gmg theme set [PERIOD] TITLE | DESCRIPTION`.",
    "change.no_term_to_theme": "No current or coming term is decided, so there is no term to give a "
    "theme. Decide one first: `/gmg term set PERIOD CHAIR`.",
    "change.theme_saved": "Theme saved",
    "change.theme_set": "{chairs}, {days}: *{theme}*",
    # {languages}: language names, `French, Spanish`.
    "change.translations_dropped": "The theme changed, so its translations ({languages}) were removed: "
    "translate it again with `/gmg theme translate`.",
    # /gmg theme translate
    "change.translate_usage": "Give the language and the translated title: `/gmg theme translate [PERIOD] "
    "fr|es TITLE | DESCRIPTION`, e.g. `/gmg theme translate 2011-H1 fr Les jeunes et les migrations "
    "mondiales`.",
    "change.translate_original": "{language} is the language the theme itself is written in: change the "
    "theme with `/gmg theme set [PERIOD] TITLE | DESCRIPTION`.",
    "change.translate_no_theme": "The term {days} has no theme to translate yet: set it first with "
    "`/gmg theme set [PERIOD] TITLE | DESCRIPTION`.",
    "change.translation_title_needed": "Give the translated title: `/gmg theme translate [PERIOD] "
    "{language} TITLE | DESCRIPTION`.",
    "change.translation_saved": "Translation saved",
    # {original}: the theme as written; {language}: a language's name (`French`); {theme}: its translation.
    "change.translation_set": "{chairs}, {days}: *{original}*, in {language}: *{theme}*",
    # /gmg rotation set | clear
    "change.rotation_clear_alone": "`/gmg rotation clear` takes nothing after it.",
    "change.rotation_needed": "List the members in order: `/gmg rotation set ILO, IOM, UNDP` (or "
    "`/gmg rotation clear`).",
    "change.rotation_twice": "A member appears twice in the rotation; name each once.",
    "change.rotation_former": "*{code}* is a former member and cannot be in the rotation.",
    "change.rotation_saved": "Rotation saved",
    "change.rotation": "Order: {codes}.",
    "change.rotation_empty": "Order: none (nothing will be projected).",
    # /gmg member add | remove
    "change.member_usage": 'Use `/gmg member add CODE Full name` (quote a code with spaces: `"UN Women"`) '
    "or `/gmg member remove CODE`.",
    "change.code_needs_letters": "A member code needs letters or digits, e.g. `WHO`.",
    "change.already_member": "*{code}* is already a member ({name}).",
    "change.member_added": "Member added",
    "change.member": "*{code}*: {name}.",
    "change.already_former": "*{code}* is already a former member.",
    "change.member_removed": "Member removed",
    "change.now_former": "*{code}* is now a former member; its past terms stay.",
    "change.now_former_rotation": "*{code}* is now a former member and left the rotation; its past "
    "terms stay.",
    # /gmg focal
    "change.focal_usage": "Use `/gmg focal CODE @user @user` or `/gmg focal CODE clear`.",
    "change.focal_or_clear": "Either list focal points or say `clear`, not both.",
    "change.focal_needed": "Mention the focal points: `/gmg focal {code} @user`.",
    "change.not_a_user": "`{word}` is not a Slack user; mention people with @.",
    "change.focal_saved": "Focal points saved",
    "change.focal": "*{code}*: {users}.",
    "change.no_focal": "none",
}
