"""The one rule for an e-mail address: every form that takes one (the Akkoord, planning, the sign-in for Mijn
gesprekken) and the outbox ask `sendable`, so an address a form accepts is always queued and sent, to that address.

The rule is the email-validator package's (RFC 5321/5322 syntax, no DNS look-up), narrowed to what the sender can
send: no quoted local part, no [IP address] as the domain, no SMTPUTF8 (Flask-Mailman would encode a non-ASCII
local part as a MIME word, which is no address; an international domain goes out as its ASCII form), a local part
of at most 64 characters. The outbox compares the result once more with what the sender puts on the envelope.
"""
from email_validator import EmailNotValidError, validate_email
from flask_mailman.message import sanitize_address

from webapp.domain import text
from webapp.domain.refusals import RoomError

MAX_LENGTH = 254  # RFC 5321's limit for a whole address
NOT_AN_ADDRESS = "Dit e-mailadres klopt niet. Kijk het goed na, bijvoorbeeld naam@school.nl."


def sendable(raw: str) -> str | None:
    """The address as the mail goes to it (the domain in lower case and ASCII), or None when it is not one address
    the outbox can send to. sendable(sendable(x)) == sendable(x)."""
    if not isinstance(raw, str):
        return None
    try:
        address = validate_email(raw, check_deliverability=False, allow_smtputf8=False, allow_quoted_local=False,
                                 allow_domain_literal=False, allow_display_name=False, strict=True).ascii_email
    except EmailNotValidError:
        return None
    # The sender writes the envelope with Flask-Mailman's sanitize_address, which decodes a local part that looks
    # like a MIME encoded word: =?utf-8?q?x?=@school.nl would go to x@school.nl, an address nobody typed.
    return address if sanitize_address(address, "utf-8") == address else None


def clean_email(raw: str | None) -> str | None:
    """An address typed in a form: None when the field is empty, else the address as it will be sent; anything
    else is refused with a Dutch 400."""
    typed = text.line(raw, MAX_LENGTH, "Dit e-mailadres is te lang.")
    if not typed:
        return None
    address = sendable(typed)
    if address is None:
        raise RoomError(NOT_AN_ADDRESS, 400)
    return address
