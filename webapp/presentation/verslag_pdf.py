"""The verslag as a PDF, from the same template as its page and its mail (fpdf2, no browser needed)."""
import os

from flask import render_template
from fpdf import FPDF

FONTS = os.path.join(os.path.dirname(__file__), "fonts")


def render_pdf(data: dict, content_hash: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title("Verslag van het stagegesprek")
    pdf.set_creator("Stagegesprek")
    pdf.add_font("DejaVu", "", os.path.join(FONTS, "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(FONTS, "DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", size=10)
    pdf.set_margins(18, 15, 18)
    pdf.add_page()
    body = render_template("verslag/inhoud.html", data=data, final=True)
    pdf.write_html(f"<h1>Verslag van het stagegesprek</h1>{body}"
                   f"<p>Dit verslag is vastgezet. Controlecode (SHA-256):<br>{content_hash}</p>",
                   font_family="DejaVu")
    return bytes(pdf.output())
