"""One address rule (webapp/domain/addresses.py) for every form and the outbox: an address a form accepts is queued
and sent to that very address over real SMTP (aiosmtpd on loopback); any other is refused with the same Dutch 400 on
every form, never a 500."""
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.provisional import domains

from tests.support.actions import agree, post_action, seat_three, state, text_of
from tests.support.mail import deliver
from tests.support.stages import ask_link, plan
from webapp.domain import addresses, outbox
from webapp.domain.refusals import RoomError
from webapp.extensions import db
from webapp.models import OutboxMessage

SIGN_IN_ANSWER = "Als dit adres bij een gesprek hoort, krijg je zo een mail met een link."
TOO_LONG = "Dit e-mailadres is te lang."

# The odd addresses of issue 18, and what the rule makes of them: refused with this message, or accepted and sent
# to the address as the rule writes it.
REFUSED = [
    ("po(werk)@bedrijf.nl", addresses.NOT_AN_ADDRESS),  # a comment: passed the old form, then the outbox raised
    ("a:b@x.nl", addresses.NOT_AN_ADDRESS),
    ('"sanne de vries"@school.nl', addresses.NOT_AN_ADDRESS),  # quoted local parts
    ('"sanne"@school.nl', addresses.NOT_AN_ADDRESS),
    ("x@[127.0.0.1]", addresses.NOT_AN_ADDRESS),  # an IP address as the domain
    ("jöran@school.nl", addresses.NOT_AN_ADDRESS),  # a non-ASCII local part needs SMTPUTF8, which is not sent
    ("sanne@school.nl.", addresses.NOT_AN_ADDRESS),  # a trailing dot
    ("=?utf-8?q?kees?=@school.nl", addresses.NOT_AN_ADDRESS),  # the sender would decode it to kees@school.nl
    ("s" * 65 + "@school.nl", addresses.NOT_AN_ADDRESS),  # a local part over 64 characters
    ("sanne@" + "a" * 64 + ".nl", addresses.NOT_AN_ADDRESS),  # a domain label over 63
    ("sanne@" + ".".join(["a" * 60] * 5) + ".nl", TOO_LONG),  # over 254 characters
]
ACCEPTED = [
    ("piet@bücher.nl", "piet@xn--bcher-kva.nl"),  # an international domain goes out in its ASCII form
    ("Sanne@School.NL", "Sanne@school.nl"),
    ("o'brien+stage@school.nl", "o'brien+stage@school.nl"),
]


def agree_with(app, address):
    """A conversation in closing where the student gives Akkoord with `address`; the others with theirs."""
    code, people = seat_three(app)
    post_action(people["stagedocent"], code, "/close")
    answer = agree(people["student"], code, address)
    agree(people["stagedocent"], code, "marieke@school.example")
    agree(people["praktijkopleider"], code, "kees@bedrijf.example")
    return code, people, answer


def queued_to(app) -> list[str]:
    """The recipient of every queued mail."""
    with app.app_context():
        return [m.recipient for m in db.session.query(OutboxMessage)]


def forms_with(app, address):
    """The address typed in every form that takes one: the Akkoord, planning, the sign-in for Mijn gesprekken."""
    code, people, akkoord = agree_with(app, address)
    return code, people, {"akkoord": akkoord,
                          "plannen": plan(app.test_client(), **{"name-student": "Sanne", "email-student": address}),
                          "inloggen": ask_link(app.test_client(), address)}


@pytest.mark.parametrize(("typed", "message"), REFUSED)
def test_an_odd_address_is_refused_with_the_same_dutch_400_on_every_form(app, typed, message):
    _code, _people, answers = forms_with(app, typed)
    for form, answer in answers.items():
        assert answer.status_code == 400, (form, answer.status_code)
        assert message in text_of(answer.get_data(as_text=True)), form
    assert queued_to(app) == []  # and nothing is queued: no invitation, no sign-in link


@pytest.mark.parametrize(("typed", "sent_to"), ACCEPTED)
def test_an_address_every_form_accepts_is_queued_and_delivered_to_itself(app, smtp, typed, sent_to):
    code, people, answers = forms_with(app, typed)
    assert {form: answer.status_code for form, answer in answers.items()} == \
        {"akkoord": 200, "plannen": 303, "inloggen": 200}
    assert SIGN_IN_ANSWER in text_of(answers["inloggen"].get_data(as_text=True))
    assert post_action(people["stagedocent"], code, "/finalize").status_code == 200
    queued = queued_to(app)
    assert queued.count(sent_to) >= 2  # the invitation and the verslag, at least
    assert deliver(app) == {"sent": len(queued), "failed": 0, "skipped": 0}
    # The mail server is asked for exactly the queued addresses, one each, and To: says the same.
    received = smtp.recorder.wait_for(len(queued))
    assert sorted(r.rcpt_tos[0] for r in received) == sorted(queued)
    assert all(len(r.rcpt_tos) == 1 and r.message["To"] == r.rcpt_tos[0] for r in received)


def test_the_akkoord_address_shows_as_it_will_be_sent(app):
    code, people, answer = agree_with(app, "piet@bücher.nl")
    assert answer.status_code == 200
    assert "piet@xn--bcher-kva.nl" in people["student"].get(f"/r/{code}").get_data(as_text=True)
    assert state(people["student"], code)["status"] == "closing"


# Addresses for the property: mostly plausible ones (so many are accepted), with the characters that tripped
# the old rules mixed in, and whatever text at all.
LOCAL_CHARACTERS = string.ascii_letters + string.digits + "!#$%&'*+-/=?^_`{|}~." + '()<>[]:;@\\," öé'
LOCAL = st.text(alphabet=LOCAL_CHARACTERS, min_size=1, max_size=70)
DOMAIN = st.one_of(domains(max_length=80), st.just("[127.0.0.1]"), st.just("bücher.nl"),
                   st.text(alphabet=string.ascii_lowercase + "-.ü", min_size=1, max_size=20))
TYPED = st.one_of(st.builds("{}@{}".format, LOCAL, DOMAIN), st.emails(), st.text(max_size=80))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=TYPED)
def test_whatever_a_form_accepts_the_outbox_queues_and_sends_to_that_address(app, smtp, raw):
    with app.app_context():
        try:
            address = addresses.clean_email(raw)
        except RoomError:
            address = None
        if address is None:  # refused, or empty: the outbox takes it no more than the form did
            with pytest.raises(ValueError):
                outbox.enqueue(kind=outbox.VERSLAG, recipient=raw, subject="Verslag", text_body="Het verslag.")
            return
        assert addresses.sendable(address) == address
        message = outbox.enqueue(kind=outbox.VERSLAG, recipient=address, subject="Verslag", text_body="Het verslag.")
        db.session.commit()
        assert message.recipient == address
        before = len(smtp.received)
        assert outbox.deliver_due() == {"sent": 1, "failed": 0, "skipped": 0}
        [received] = smtp.recorder.wait_for(before + 1)[before:]
        assert received.rcpt_tos == [address] and received.message["To"] == address


def test_every_form_and_the_outbox_use_the_one_rule():
    from webapp.domain import closing, planning
    from webapp.views import mine
    assert closing.clean_email is planning.clean_email is mine.clean_email is addresses.clean_email
