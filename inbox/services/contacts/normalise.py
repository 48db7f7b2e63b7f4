"""One written form for phone numbers (E.164) and email addresses, so that the same person's
number typed as 0912 345 678, +84 912345678 or shared by Zalo as 84912345678 is one value."""

from __future__ import annotations

import re

import phonenumbers

from inbox.search import fold, terms

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PREFIX_MIN = 2


def email(value: str) -> str | None:
    """The address lower-cased, or None if it is not one."""
    value = value.strip().lower()
    return value if EMAIL.match(value) and len(value) <= 254 else None


def phone(value: str, region: str) -> str | None:
    """The number in E.164 (+84912345678), or None if it cannot be a phone number."""
    value = value.strip()
    if not value:
        return None
    for candidate in (value, "+" + value.lstrip("+")):
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def phone_forms(e164: str, region: str) -> list[str]:
    """The digit strings people type for a number: international and national."""
    number = phonenumbers.parse(e164, region)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return [e164.lstrip("+"), re.sub(r"\D", "", national)]


def prefixes(*texts: str | None) -> list[str]:
    """Every word of the texts and its beginnings, so a search box finds "Nguyễn" at "ngu"."""
    found: dict[str, None] = {}
    for word in terms(*texts):
        for end in range(PREFIX_MIN, len(word) + 1):
            found[word[:end]] = None
    return list(found)


def folded_key(value: str) -> str:
    return fold(value).strip()
