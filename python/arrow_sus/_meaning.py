"""The arguments every reader and scan takes about what columns mean (docs/labels.md): ``typed``, ``labels``,
``codes_as`` and ``label_language``, checked once and handed to the engine as it names them."""

from __future__ import annotations

from typing import Any, Literal

from arrow_sus._messages import argument
from arrow_sus.errors import InvalidArgumentError

#: ``labels=``: the codes (False), their labels in place (True), or both side by side ("both").
LabelsArg = bool | Literal["both"]
#: ``codes_as=``: coded columns as Arrow dictionary arrays, or as plain text.
CodesAs = Literal["dictionary", "string"]
#: ``label_language=``: Portuguese (as the official documents write them) or English.
LabelLanguage = Literal["pt", "en"]


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgumentError(f"{argument(name)} must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return value


def meaning_arguments(labels: Any, codes_as: Any, label_language: Any) -> dict[str, str]:
    """The engine's keyword arguments for ``labels``, ``codes_as`` and ``label_language``, after checking
    them (errors name the arguments as the caller wrote them)."""
    if labels not in (False, True, "both") or (labels != "both" and not isinstance(labels, bool)):
        raise InvalidArgumentError(f"{argument('labels')} must be False, True or 'both', not {labels!r}")
    return {
        "labels": "both" if labels == "both" else "labels" if labels else "codes",
        "codes_as": _choice("codes_as", codes_as, ("dictionary", "string")),
        "label_language": _choice("label_language", label_language, ("pt", "en")),
    }
