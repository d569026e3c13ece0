"""Personal data: masking for display and redaction before anything is published.

Phone numbers, ID numbers and addresses are shown in full only to roles that need them (and each
such view is audited with ``audit_personal_data_view``); everyone else sees masked values. Text that
will be published (replies, letters, opinion reports) is passed through :func:`redact_text` first.
"""

from __future__ import annotations

import datetime
import re

# Mainland mobile numbers (1[3-9]x, 11 digits), optionally +86 / 0086 prefixed, and landlines
# with an area code (0432 is Jilin City's), e.g. 0432-62012345.
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[- ]?|0086[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{7,8})(?!\d)")
# 18-digit resident ID numbers (last character may be X) and the old 15-digit form.
_ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])|(?<!\d)(\d{6})(\d{6})(\d{3})(?!\d)"
)
_EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\.[A-Za-z]{2,})")

# GB 11643-1999: the check character of an 18-character resident ID (ISO 7064 MOD 11-2).
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_SHAPE = re.compile(r"\d{17}[\dX]")


def resident_id_check_character(body: str) -> str:
    """The 18th character of the resident ID whose first 17 digits are ``body``."""
    total = sum(int(digit) * weight for digit, weight in zip(body, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def resident_id_is_valid(value: str, *, birth_date: bool = True) -> bool:
    """An 18-character resident ID number (upper-case X) with its check character (GB 11643) and,
    with ``birth_date``, a real date of birth in characters 7–14."""
    if not _ID_SHAPE.fullmatch(value or ""):
        return False
    if birth_date:
        try:
            datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        except ValueError:
            return False
    return resident_id_check_character(value[:17]) == value[17]


def mask_phone(value: str | None) -> str:
    """138****1234 for mobiles; keep the area code and the last 2 digits of landlines."""
    if not value:
        return ""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 7:
        return f"{digits[:4]}****{digits[-2:]}"
    return "*" * len(digits)


def mask_id_number(value: str | None) -> str:
    """220202********123X: keep the region code and the last four characters."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str | None) -> str:
    """张*, 欧阳** : keep the first character (the family name)."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= 1:
        return value
    return value[0] + "*" * (len(value) - 1)


def mask_address(value: str | None, keep: int = 6) -> str:
    """Keep the beginning (district, street), hide the rest (building, door number)."""
    if not value:
        return ""
    value = value.strip()
    if len(value) <= keep:
        return value
    return value[:keep] + "****"


def redact_text(text: str) -> str:
    """Mask every phone number, ID number and e-mail address in free text before publication."""
    if not text:
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)[-2:]}", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***{m.group(2)}", text)
    return text
