"""Invitation mail, within budgets. Planning needs no account, so whoever plans makes the school's mail server
write to the addresses they type; without limits that is an open relay. Every invitation goes through `queue`,
which holds the three budgets in one place:

- per conversation: one mail per place (PER_CONVERSATION);
- per recipient, across every sender: INVITATION_RECIPIENT_LIMIT (3 a day), counted by the key of the address
  (accounts.email_key), so the counters hold no address;
- per client address: INVITATION_CLIENT_LIMIT (30 an hour), against the 60 plans an hour CREATE_RATE_LIMIT allows.

The counters live where the rate limits' do (RATELIMIT_STORAGE_URI: this process's memory, or Redis shared by
every process). A mail over budget is not queued; the conversation is planned all the same, and the planner is
told to give that person their link by hand (`not_mailed`). The mail carries no text of the planner's beyond
names (templates/uitnodiging/mail.txt), and names carry no links (text.refuse_links).
"""
from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from sqlalchemy import func, select

from webapp.domain import accounts, outbox
from webapp.domain.roles import ROLES
from webapp.extensions import db, limiter
from webapp.models import OutboxMessage, Participant, Room

PER_CONVERSATION = len(ROLES)  # one invitation per place


def queue(room: Room, participant: Participant, parts: dict) -> bool:
    """Queue this place's invitation (`parts`: subject, text_body, attachments) in the caller's transaction, when
    every budget allows; False when one is spent. A budget counts only mail that is queued."""
    if _queued_for(room) >= PER_CONVERSATION:
        return False
    budgets = _budgets(participant.email)
    if not all(limiter.limiter.test(limit, *keys) for limit, keys in budgets):
        return False
    for limit, keys in budgets:
        limiter.limiter.hit(limit, *keys)
    outbox.enqueue(kind=outbox.INVITATION, recipient=participant.email, room_id=room.id,
                   participant_id=participant.id, **parts)
    return True


def not_mailed(room: Room) -> list[Participant]:
    """The places with an address whose invitation was not queued: the planner gives them their link by hand."""
    mailed = set(db.session.scalars(select(OutboxMessage.participant_id).where(
        OutboxMessage.room_id == room.id, OutboxMessage.kind == outbox.INVITATION)))
    return [p for p in room.active_participants if p.email and p.id not in mailed]


def _queued_for(room: Room) -> int:
    """Invitations of this conversation, sent or not (a sent row keeps its kind and room)."""
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.room_id == room.id, OutboxMessage.kind == outbox.INVITATION))


def _budgets(address: str) -> list[tuple[RateLimitItem, tuple[str, str]]]:
    """The recipient's budget and the client's. Planning is always a request; its client is counted as every
    rate limit counts it (behind TRUSTED_PROXIES, the real client)."""
    config = current_app.config
    return [(parse(config["INVITATION_RECIPIENT_LIMIT"]), ("invitation-recipient", accounts.email_key(address))),
            (parse(config["INVITATION_CLIENT_LIMIT"]), ("invitation-client", get_remote_address()))]
