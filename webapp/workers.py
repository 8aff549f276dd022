"""Which server process this is: connections are recorded with it, so a crashed process's
connections can be told apart from the living ones (see housekeeping.py)."""
import os
import secrets
import socket

from flask import Flask, current_app

EXTENSION_KEY = "stagegesprek_worker_id"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = f"{socket.gethostname()[:50]}:{os.getpid()}:{secrets.token_hex(4)}"


def worker_id() -> str:
    return current_app.extensions[EXTENSION_KEY]
