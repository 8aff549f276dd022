"""The verslag through the link in the mail (/verslag/<token>): read-only, on any device, without the phone's
cookie. The token is the way in (webapp.domain.record_links), so it is treated like a code: every link that
does not work uses up a try of the same budget as a wrong code (webapp.views.limits), and its answer shows
nothing of any conversation."""
from flask import Blueprint, make_response, render_template, url_for

from webapp.domain import record_links, verslag
from webapp.domain.refusals import RoomError
from webapp.presentation import timeline
from webapp.presentation.verslag_pdf import render_pdf
from webapp.views.limits import count_failure, join_guard

bp = Blueprint("records", __name__, url_prefix="/verslag")
join_guard(bp)  # every route here is a way of trying a link


@bp.after_request
def keep_no_copy(response):
    # The verslag holds what people said, and the address holds the token: no copy in any cache, and the
    # address is never sent on as a Referer.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _open(token: str):
    try:
        return record_links.open_link(token)
    except RoomError:
        count_failure()
        raise


@bp.get("/<token>")
def record(token):
    """The sent verslag, for whoever holds this person's link."""
    room, stored = _open(token)
    return render_template("verslag/page.html", room=room, me=None, data=stored.data,
                           content_hash=stored.content_hash, follow_up=None,
                           pdf_url=url_for(".record_pdf", token=token))


@bp.get("/<token>.pdf")
def record_pdf(token):
    """The sent verslag as a PDF to download."""
    room, stored = _open(token)
    response = make_response(render_pdf(stored.data, stored.content_hash, timeline.stage_lines(room)))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{verslag.file_name(stored.data)}"'
    return response
