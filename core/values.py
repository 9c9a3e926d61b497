"""What a value must look like, written once: text as people type it, e-mail addresses, mobiles.

The form handler, the register import, the data package check, the office's figures and the
personal-data guard all ask here, so a mobile or an address is the same thing everywhere.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that reorder or hide text (the "RTL override" trick) or are noise.
# Zero-width joiners stay: emoji sequences need them.
_INVISIBLE = dict.fromkeys(
    [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C, 0xFEFF, 0x200B, 0x2028, 0x2029]
)
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}")
_MAINLAND_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_INTERNATIONAL = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_NOISE = re.compile(r"[\s\-()]")

# Shapes to look for inside published text (the personal-data guard): a mainland mobile not
# part of a longer number, and anything shaped like an e-mail address.
MOBILE_IN_TEXT = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")


def clean_text(value: str, multiline: bool = False) -> str:
    """NFC, no control or direction-changing characters, no surrounding spaces."""
    value = unicodedata.normalize("NFC", value)
    if value.isprintable():  # the usual case: nothing invisible or controlling to remove
        return " ".join(value.split()) if not multiline else value.strip()
    value = value.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(
        ch if unicodedata.category(ch) != "Cc" or (multiline and ch == "\n") else " "
        for ch in value
        if ch != "\x00"
    )
    return kept.strip() if multiline else " ".join(kept.split())


def is_email(value: str) -> bool:
    """An e-mail address: something, @, a domain with a dot (what a person can mistype is caught)."""
    return bool(_EMAIL.fullmatch(value))


def is_mobile(value: str) -> bool:
    """A normalised mobile: 11 digits from 1 (mainland China), or + and a country code."""
    return bool(_MAINLAND_MOBILE.fullmatch(value) or _INTERNATIONAL.fullmatch(value))


def normalise_mobile(value: str) -> str:
    """+86 138-0000 0000 and (0086)13800000000 are one number: keep digits and a leading +."""
    value = _PHONE_NOISE.sub("", unicodedata.normalize("NFKC", value))
    for prefix in ("+86", "0086"):
        if value.startswith(prefix) and _MAINLAND_MOBILE.fullmatch(value[len(prefix) :]):
            return value[len(prefix) :]
    return value
