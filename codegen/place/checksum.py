"""The checksum in a generated header's banner.

It is the sha256 of the whole file with the checksum itself zeroed, so a hand
edit anywhere, banner included, is caught (like the kernel's generated
atomics headers, which carry a hash of themselves on their last line).
"""

from __future__ import annotations

import hashlib
import re

PLACEHOLDER = "sha256:" + "0" * 64
_RECORDED = re.compile(r"^ \* (sha256:[0-9a-f]{64})$", re.MULTILINE)


def _digest(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def seal(text_with_placeholder: str) -> str:
    """Replace the banner's placeholder with the checksum of the whole text."""
    assert text_with_placeholder.count(PLACEHOLDER) == 1
    return text_with_placeholder.replace(PLACEHOLDER, _digest(text_with_placeholder))


def unsealed(text: str) -> str:
    """The text with its recorded checksum zeroed, as the checksum sees it."""
    return _RECORDED.sub(" * " + PLACEHOLDER, text, count=1)


def verify(text: str) -> bool:
    found = _RECORDED.search(text)
    if found is None:
        return False
    zeroed = text[: found.start(1)] + PLACEHOLDER + text[found.end(1) :]
    return found.group(1) == _digest(zeroed)
