"""One message: its Chinese and English wording."""

from __future__ import annotations

import msgspec


class Entry(msgspec.Struct, frozen=True):
    zh: str
    en: str


def entry(zh: str, en: str) -> Entry:
    return Entry(zh=zh, en=en)
