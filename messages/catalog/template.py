from collections.abc import Mapping

# A message's English: text with `{name}` fields, or its plural forms by `count` (`one`, `other`).
Template = str | Mapping[str, str]
