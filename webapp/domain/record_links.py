"""The link to the verslag in each person's mail: it opens the sent verslag on any device, without the
phone's cookie, until it expires or the stagedocent revokes it. It expires RECORD_LINK_DAYS after sending, but
never before the stage's next conversation has taken place (the afspraken are looked back on there), and never
later than the stage is kept (a conversation past its retention is gone, and its link with it).

The link is a token signed with the app's SECRET_KEY by itsdangerous (HMAC-SHA256, with the time it was
made, by the app's clock): [room id, participant id, that person's record_link_version]. Nothing is stored for
it; revoking raises every deelnemer's record_link_version, so every link made before names an old number.
"""
import hashlib
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from webapp.clock import utcnow
from webapp.domain.closing import follow_up_of, record_of
from webapp.domain.refusals import RoomError
from webapp.domain.rooms import change
from webapp.extensions import db
from webapp.models import Participant, Record, Room
from webapp.models.room import RoomStatus

SALT = "verslag-link"

# No name, no code, nothing of the conversation: the same for a link that was never made here, one that
# was changed, and one of a conversation that is gone.
NOT_VALID = RoomError("Deze link naar het verslag werkt niet. Kijk of je de hele link uit de mail hebt "
                      "gebruikt. Of vraag de stagedocent om het verslag.", 404)
REVOKED = RoomError("Deze link naar het verslag werkt niet meer. De stagedocent heeft de link ingetrokken. "
                    "Vraag de stagedocent om het verslag.", 404)
EXPIRED = RoomError("Deze link naar het verslag is verlopen. Een link werkt maar een tijdje. "
                    "Het verslag zit ook als PDF bij de mail. Of vraag de stagedocent om het verslag.", 410)


class _AppClockSigner(TimestampSigner):
    """The time in a link is the app's (webapp.clock), like every other date it keeps."""

    def get_timestamp(self) -> int:
        return int(utcnow().replace(tzinfo=timezone.utc).timestamp())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT, signer=_AppClockSigner,
                                  signer_kwargs={"digest_method": hashlib.sha256})


def lifetime() -> timedelta:
    return timedelta(days=current_app.config["RECORD_LINK_DAYS"])


def valid_until(room: Room) -> date:
    """The last day a link made now surely works, for the mail: RECORD_LINK_DAYS from now, or the day of the
    next conversation set while closing when that is later (and longer still while it has not taken place)."""
    return max(filter(None, ((utcnow() + lifetime()).date(), room.next_meeting_date)))


def _needed_until(room: Room, made: datetime) -> datetime | None:
    """Until when this conversation's links work: RECORD_LINK_DAYS after they were made, and at least until the
    end of the day the stage's next conversation took place; while that one is still to come, None (no end but
    the stage's own retention)."""
    until = made + lifetime()
    follow_up = follow_up_of(room)
    if follow_up is None:
        return until
    if follow_up.status != RoomStatus.CLOSED:
        return None
    return max(until, datetime.combine(follow_up.held_at.date() + timedelta(days=1), time()))


def token_for(participant: Participant) -> str:
    """This person's link to the verslag of their conversation, as it is now (revoking ends it)."""
    return _serializer().dumps([participant.room_id, participant.id, participant.record_link_version])


def open_link(token: str) -> tuple[Room, Record]:
    """The conversation and its sent verslag that this link opens, or a RoomError without any data:
    404 for a link that is wrong, revoked or of a conversation that is gone, 410 for one that expired."""
    try:
        payload, made = _serializer().loads(token, return_timestamp=True)
    except BadSignature:
        raise NOT_VALID from None
    if not (isinstance(payload, list) and len(payload) == 3 and all(type(n) is int for n in payload)):
        raise NOT_VALID
    room_id, participant_id, version = payload
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.room_id != room_id or participant.removed_at is not None:
        raise NOT_VALID
    room = participant.room
    record = record_of(room)
    if record is None or room.is_expired():
        raise NOT_VALID
    if participant.record_link_version != version:
        raise REVOKED
    until = _needed_until(room, made.replace(tzinfo=None))
    if until is not None and utcnow() >= until:  # the signature was right: the link was ours
        raise EXPIRED
    return room, record


def revoke(room: Room, actor: Participant) -> None:
    """The stagedocent ends every link to the verslag that went out by mail, for everyone in the room."""
    with change(room, actor, "revoke_record_links"):
        for participant in room.participants:
            participant.record_link_version += 1
        room.activity = f"{actor.name} heeft de links naar het verslag in de mail ingetrokken."


def revoked(room: Room) -> bool:
    """Whether the stagedocent revoked the links at least once (links are only made when the verslag is sent)."""
    return any(p.record_link_version for p in room.participants)
