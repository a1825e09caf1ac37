"""What a person reads when something fails, in Chinese (the default) or English.

Every expected failure carries a stable problem code (``DomainError.problem``, ``Problem.code``)
or, for a refusal outside GraphQL execution, an error code; the catalogue (``entries.py``)
holds one Chinese and one English template per code, whose ``{placeholders}`` are filled from the
error's ``params``. Raise sites keep writing their English message: logs read it, and it stands in
where a template cannot be filled (``{message}`` in a template is that message).

The language of a request is chosen from its ``Accept-Language`` header (quality values
honoured, Chinese when neither is asked for) and held in :data:`language` for everything the
request runs — GraphQL resolvers, the error mapping, the HTTP refusals before GraphQL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, Literal

from tongban.messages.entries import CATALOGUE, LABELS, Entry

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
DEFAULT_LANGUAGE: Language = "zh"

language: ContextVar[Language] = ContextVar("tongban_language", default=DEFAULT_LANGUAGE)
"""The language of the request being served (set by the request middleware, and for a
WebSocket again at connection_init when its payload names one)."""

__all__ = [
    "CATALOGUE",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "Entry",
    "Language",
    "language",
    "localise",
    "pick_language",
]

_RANGE = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?")


def pick_language(accept_language: str | None) -> Language:
    """The language an ``Accept-Language`` header prefers (RFC 9110 §12.5.4): the highest
    quality among Chinese and English, the first listed on a tie; Chinese when the header is
    absent, names neither, or refuses both (``q=0``)."""
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        match = _RANGE.match(part)
        if match is None:
            continue
        tag, quality = match.group(1).lower(), match.group(2)
        try:
            q = 1.0 if quality is None else float(quality)
        except ValueError:
            continue
        primary = tag.split("-", 1)[0]
        if primary not in LANGUAGES or q <= 0:
            continue
        candidate = (q, -position, primary)
        if best is None or candidate[:2] > best[:2]:
            best = (q, -position, "zh" if primary == "zh" else "en")
    return DEFAULT_LANGUAGE if best is None else best[2]


_LABELLED = frozenset({"state", "action", "roles", "allowedActions", "limit"})
"""Parameters whose values are codes (states, actions, roles) a person should read as words."""


def _labelled(params: Mapping[str, Any], lang: Language) -> dict[str, Any]:
    labels = LABELS[lang]
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key not in _LABELLED:
            if isinstance(value, list | tuple):
                value = ("、" if lang == "zh" else ", ").join(str(v) for v in value)
            out[key] = value
            continue
        words = [
            labels.get(str(v), str(v) if lang == "zh" else str(v).replace("_", " "))
            for v in (value if isinstance(value, list | tuple) else [value])
        ]
        if key == "roles":
            out[key] = ("或" if lang == "zh" else " or ").join(words)
        else:
            out[key] = ("、" if lang == "zh" else ", ").join(words)
    return out


def localise(
    problem: str,
    message: str,
    params: Mapping[str, Any] | None = None,
    *,
    fallback: str | None = None,
    lang: Language | None = None,
) -> str:
    """The wording of ``problem`` in ``lang`` (the request's language by default).

    ``message`` is the raise site's English; ``fallback`` a broader code (the error's category)
    whose template is used when ``problem``'s needs a parameter the error did not give;
    ``params["cause"]``, the problem of a wrapped error, is worded in preference.
    """
    chosen = lang or language.get()
    values = {**_labelled(params or {}, chosen), "message": message}
    # A problem that wraps another (an invalid identifier inside an applicant) reads as the
    # more specific one; the last resort is the catch-all, never a missing message.
    cause = (params or {}).get("cause")
    for code in (cause, problem, fallback, "DOMAIN_ERROR"):
        entry = CATALOGUE.get(code or "")
        if entry is None:
            continue
        try:
            return (entry.zh if chosen == "zh" else entry.en).format_map(values)
        except (KeyError, IndexError, ValueError):
            continue
    return message
