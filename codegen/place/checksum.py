"""The checksum in a generated header's banner: sha256 of everything after the banner.

Like the kernel's generated atomics headers, a hand edit anywhere in the body
is caught because the recorded sum no longer matches.
"""

from __future__ import annotations

import hashlib
import re

_BANNER_END = "\n */\n"
_RECORDED = re.compile(r"^ \* (sha256:[0-9a-f]{64})$", re.MULTILINE)


def body_checksum(body: str) -> str:
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()


def split(text: str) -> tuple[str | None, str]:
    """(recorded checksum, body) of a generated header; (None, text) without a banner."""
    end = text.find(_BANNER_END)
    if end < 0:
        return None, text
    found = _RECORDED.search(text, 0, end + 1)
    if not found:
        return None, text
    return found.group(1), text[end + len(_BANNER_END) :]


def verify(text: str) -> bool:
    recorded, body = split(text)
    return recorded is not None and recorded == body_checksum(body)
