"""Rate limits shared by several views."""
from flask import current_app

from webapp.extensions import limiter

# Every way of trying a code shares one budget per address, and only failures count: a deelnemer
# reloading their room is never limited, while guessing codes runs into the limit fast.
join_guard = limiter.shared_limit(
    lambda: current_app.config["JOIN_RATE_LIMIT"],
    scope="join",
    deduct_when=lambda response: response.status_code in (400, 403, 404, 410),
)
