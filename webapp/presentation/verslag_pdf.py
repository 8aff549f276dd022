"""The verslag as a PDF, from the same template as its page and its mail (fpdf2, no browser needed)."""
import os

from flask import render_template
from markupsafe import escape

from webapp.domain.verslag import subject

FONTS = os.path.join(os.path.dirname(__file__), "fonts")


def render_pdf(data: dict, content_hash: str, stage: list[str] = ()) -> bytes:
    """`stage`: the stage's conversations in order, each in words (timeline.stage_lines), as on the page."""
    # fpdf2 is loaded by the first PDF, not at import: it adds 0.2 s to the start of every process (a test run
    # starts dozens of servers), and most processes make few PDFs or none.
    from fpdf import FPDF

    title = subject(data)
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Stagegesprek")
    pdf.add_font("DejaVu", "", os.path.join(FONTS, "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", os.path.join(FONTS, "DejaVuSans-Bold.ttf"))
    pdf.set_font("DejaVu", size=10)
    pdf.set_margins(18, 15, 18)
    pdf.add_page()
    body = render_template("verslag/inhoud.html", data=data, final=True)
    lines = "".join(f"<li>{escape(line)}</li>" for line in stage)
    pdf.write_html(f"<h1>{escape(title)}</h1>{body}"
                   + (f"<h2>De stage tot nu toe</h2><ol>{lines}</ol>" if lines else "")
                   + "<p>Dit verslag is vastgezet en verandert niet meer.</p>",
                   font_family="DejaVu")
    # The small print, for whoever checks a copy: the version everyone agreed to, and the SHA-256 of the record
    # as stored (Record.content_hash); nobody needs them to read the verslag, so the page and the mail leave them out.
    pdf.ln(4)
    pdf.set_font("DejaVu", size=7)
    pdf.set_text_color(85, 85, 85)
    pdf.multi_cell(0, 3.5, f"Versie van de tekst: {data.get('version', '')}. Controlecode (SHA-256): {content_hash}")
    return bytes(pdf.output())
