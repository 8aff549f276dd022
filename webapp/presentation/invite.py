"""The invitation to a room: its link and a QR code as inline SVG, so others join by camera."""
import segno
from markupsafe import Markup

from webapp.origin import public_url


def room_url(code: str) -> str:
    return public_url("room.show", code=code)


def qr_svg(url: str) -> Markup:
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=5, border=2, dark="#111", light="#fff", title="QR-code om mee te doen",
                         omitsize=True)  # a viewBox: the CSS sizes the code instead of cropping it
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR-code om mee te doen" ', 1))
