"""Background work every server process does: keep its heartbeat, drop the connections of processes that
died (their phones would otherwise show online forever) and delete conversations past retention; and the same
deletion as a command (`flask purge`). A commit here renders the screens of the rooms it changed as any other
does (realtime/sync.py builds their links on the app's own address when there is no request)."""
from datetime import timedelta

import click
from flask import Flask
from sqlalchemy import delete, select

from webapp import admission
from webapp.clock import utcnow
from webapp.domain import accounts, rooms
from webapp.domain.outbox import start_sender
from webapp.extensions import db, socketio
from webapp.models import Connection, Room, Worker
from webapp.workers import worker_id


def heartbeat() -> None:
    worker = db.session.get(Worker, worker_id())
    if worker is None:
        db.session.add(Worker(id=worker_id(), seen_at=utcnow()))
    else:
        worker.seen_at = utcnow()
    db.session.commit()


def sweep_dead_workers(dead_after: float) -> None:
    """Drop connections held by processes silent for `dead_after` seconds; their rooms' phones are told at
    commit."""
    cutoff = utcnow() - timedelta(seconds=dead_after)
    alive = select(Worker.id).where(Worker.seen_at >= cutoff)
    orphaned = db.session.scalars(select(Connection).where(Connection.worker_id.not_in(alive))).all()
    room_ids = {connection.participant.room_id for connection in orphaned}
    for connection in orphaned:
        connection.participant.connections.remove(connection)  # delete-orphan: gone from the table too
    db.session.execute(delete(Worker).where(Worker.seen_at < cutoff))
    for room in db.session.scalars(select(Room).where(Room.id.in_(room_ids))):
        rooms.bump_version(room)  # presence changed: in the same transaction as the deletes
    db.session.commit()


def tidy(app: Flask) -> None:
    """One round of housekeeping."""
    heartbeat()
    sweep_dead_workers(app.config["WORKER_DEAD_AFTER"])
    rooms.purge_expired()
    accounts.forget_old()
    db.session.commit()


def run_housekeeping(app: Flask) -> None:
    while True:
        with app.app_context():
            try:
                tidy(app)
            except Exception:  # the database may be away for a while; try again next round
                db.session.rollback()
                app.logger.exception("housekeeping failed")
        socketio.sleep(app.config["HOUSEKEEPING_INTERVAL"])


def start_background_work(app: Flask) -> None:
    """What every serving process runs beside the app: the mail sender, the housekeeping and the load monitor."""
    with app.app_context():
        heartbeat()  # before the first connection arrives, so this process is never taken for dead
    start_sender(app)
    socketio.start_background_task(run_housekeeping, app)
    socketio.start_background_task(admission.watch_load, app)


@click.command("purge")
def purge_command() -> None:
    """Delete conversations past their retention date, with all their personal data."""
    count = rooms.purge_expired()
    click.echo(f"{count} verlopen gesprek(ken) verwijderd.")


def init_app(app: Flask) -> None:
    app.cli.add_command(purge_command)
