"""Ids in a query string or form: one parse, bounded to what an id column holds, so a number no row can have (twenty
digits, zero, a negative one) names no row and never reaches the database, where PostgreSQL's integer overflows."""
from flask import request

MAX_ID = 2**31 - 1  # PostgreSQL's integer, the type of the id columns (the routes' int(max=...) converters say it too)


def id_from(name: str) -> int | None:
    """The id in the request's value `name`, or None when it is absent, not a whole number or out of range."""
    value = request.values.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None
