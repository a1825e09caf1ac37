"""What an uploaded material really is, and a name safe to keep for it.

The declared content type is whatever the client wrote; the first bytes say what the file is. A
material is accepted only when both agree and the type is allowed, so an executable declared as
a PDF, or an HTML page declared as a PNG (which a browser would run when an officer opens it),
never reaches the blob store.
"""

from __future__ import annotations

import unicodedata

# Leading bytes of each type Tongban accepts. OFD (GB/T 33190) is a ZIP container.
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/ofd": (b"PK\x03\x04",),
}

MAX_FILENAME_CHARS = 200
"""Longer names are cut (keeping the extension): a name is shown in lists and stored per row."""


def sniff_content_type(data: bytes) -> str | None:
    """The type the bytes announce, or None when they match no accepted signature."""
    for content_type, prefixes in SIGNATURES.items():
        if data.startswith(prefixes):
            return content_type
    return None


def safe_filename(name: str) -> str:
    """The last path segment, without control or format characters (NUL, newlines, bidi
    overrides that disguise an extension), trimmed and bounded; "" when nothing is left."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if unicodedata.category(ch) not in ("Cc", "Cf"))
    cleaned = cleaned.strip().lstrip(".").strip()
    if len(cleaned) > MAX_FILENAME_CHARS:
        stem, dot, extension = cleaned.rpartition(".")
        if dot and 0 < len(extension) <= 10 and stem:
            cleaned = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            cleaned = cleaned[:MAX_FILENAME_CHARS]
    return cleaned
