"""统一社会信用代码 (unified social credit code, GB 32100-2015): format and check digit.

The code has 18 characters from a 31-character alphabet (digits and capital letters without
I, O, S, V, Z): 1 registration authority, 1 organisation type, 6 administrative division
(220200 = 吉林市), 9 organisation code (GB 11714, with its own check character), 1 check character.
It is the part of a 索引号 before the slash, e.g. ``11220200795219742W/2014-09752``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{9}[0-9A-HJ-NPQRTUWXY]$")

# GB 11714 organisation code (the 9 characters at positions 9-17): 8 body characters + check.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUES = {c: i for i, c in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}


def credit_code_check_character(first17: str) -> str:
    """Return the GB 32100 check character for the first 17 characters of a code."""
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organization_code_check_character(body8: str) -> str:
    """Return the GB 11714 check character for an 8-character organisation code body."""
    total = sum(_ORG_VALUES[char] * weight for char, weight in zip(body8, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def credit_code_build(*, authority: str, kind: str, division: str, organization_body: str) -> str:
    """Assemble a complete, valid code from its parts (used by the demo city and the tests).

    ``organization_body`` is the 8-character body of the organisation code; both check characters
    are computed.
    """
    organization = organization_body + organization_code_check_character(organization_body)
    first17 = f"{authority}{kind}{division}{organization}"
    return first17 + credit_code_check_character(first17)


def credit_code_is_valid(value: str) -> bool:
    """Return whether ``value`` has the right format and check character."""
    return bool(PATTERN.match(value or "")) and credit_code_check_character(value[:17]) == value[17]


def validate_credit_code(value: str) -> None:
    """Model/form validator: raise ``ValidationError`` unless ``value`` is a valid code."""
    if not PATTERN.match(value or ""):
        raise ValidationError(
            _("统一社会信用代码应为 18 位数字或大写字母（不含 I、O、S、V、Z）。"), code="credit_code_format"
        )
    expected = credit_code_check_character(value[:17])
    if value[17] != expected:
        raise ValidationError(
            _("统一社会信用代码校验位错误：应为 %(expected)s。"),
            code="credit_code_check",
            params={"expected": expected},
        )
