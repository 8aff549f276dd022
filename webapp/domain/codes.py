"""Gesprekscodes: short, easy to type on a phone, without look-alike characters."""
import re
import secrets

# No 0/O, 1/I/L: a code read aloud or copied from a screen is typed right the first time.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 8  # 31**8 is about 8.5 * 10**11 codes

_VALID = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize(text: str) -> str | None:
    """The canonical code for what a person typed ('k7mp-3xq9 ' -> 'K7MP3XQ9'), or None if it cannot be one."""
    cleaned = re.sub(r"[\s\-.]", "", text or "").upper()
    return cleaned if _VALID.match(cleaned) else None


def display(code: str) -> str:
    """Split in two groups of four, the way it is shown and read aloud."""
    return f"{code[:4]}-{code[4:]}"
