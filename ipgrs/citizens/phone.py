"""Indian mobile numbers, validated and normalised with `phonenumbers`."""
from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

from ..i18n import tr


class InvalidMobile(ValueError):
    pass


def normalise_mobile(raw) -> str:
    """'98765 43210', '+91-9876543210', '09876543210' → '+919876543210'; anything else raises InvalidMobile."""
    text = str(raw or "").strip()
    if not text or len(text) > 20:
        raise InvalidMobile(tr("Enter a 10-digit Indian mobile number."))
    try:
        number = phonenumbers.parse(text, "IN")
    except NumberParseException:
        raise InvalidMobile(tr("Enter a 10-digit Indian mobile number.")) from None
    if number.country_code != 91 or not phonenumbers.is_valid_number(number):
        raise InvalidMobile(tr("Enter a valid Indian mobile number (10 digits, starting with 6, 7, 8 or 9)."))
    if phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidMobile(tr("Enter a mobile number: the code is sent by SMS."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
