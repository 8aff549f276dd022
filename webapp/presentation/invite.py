"""The invitation to a room: its link and a QR code as inline SVG, so others join by camera."""
import segno
from flask import url_for
from markupsafe import Markup


def room_url(code: str) -> str:
    return url_for("room.show", code=code, _external=True)


def qr_svg(url: str) -> Markup:
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=5, border=2, dark="#111", light="#fff", title="QR-code om mee te doen")
    return Markup(svg.replace("<svg ", '<svg role="img" aria-label="QR-code om mee te doen" ', 1))
