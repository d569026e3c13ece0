"""The applicant's personal data on staff pages: masked by default, in full after an audited reveal.

Names, ID numbers, phones, e-mail addresses and postal addresses of natural persons are masked
(``personal_data.mask_*``); an organisation's name is public (it appears in the annual report's
counts only, but it is not personal data), its contact person and phone are masked like a person's.
"""

from __future__ import annotations

from typing import Any

from gongkai.core.personal_data import mask_address, mask_id_number, mask_name, mask_phone
from gongkai.disclosure.models import Application

FIELDS = (
    "applicant_name",
    "id_number",
    "legal_representative",
    "contact_name",
    "phone",
    "email",
    "address",
    "postal_code",
)


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return value and value[:1] + "***"
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def masked_name(application: Application) -> str:
    """The applicant's name as lists show it: a person's masked, an organisation's in full."""
    if application.is_organisation:
        return application.applicant_name
    return mask_name(application.applicant_name)


def masked(application: Application) -> dict[str, Any]:
    return {
        "applicant_name": masked_name(application),
        "id_number": mask_id_number(application.id_number),
        "legal_representative": mask_name(application.legal_representative),
        "contact_name": mask_name(application.contact_name),
        "phone": mask_phone(application.phone),
        "email": mask_email(application.email),
        "address": mask_address(application.address),
        "postal_code": application.postal_code[:3] + "***" if application.postal_code else "",
    }


def full(application: Application) -> dict[str, Any]:
    return {name: getattr(application, name) for name in FIELDS}


def filled_fields(application: Application) -> list[str]:
    return [name for name in FIELDS if getattr(application, name)]


def has_any(application: Application) -> bool:
    shown = masked(application)
    return any(shown[name] != getattr(application, name) for name in FIELDS)
