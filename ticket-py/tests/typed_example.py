"""A small typed program: mypy --strict must accept it against the stubs."""
from datetime import datetime, timezone
from typing import List

import ticket


def titles(silo: ticket.Silo, key: str) -> List[str]:
    return [t.title for t in silo.search(key, "n", limit=10)]


def main(path: str) -> None:
    silo = ticket.Silo.create(path, now=datetime(2024, 1, 1, tzinfo=timezone.utc), user="me")
    t = silo.new_ticket("typed", summary="checked by mypy")
    with silo.edit(t.number) as e:
        e.add_tag("typed")
    n: int = silo.count("g=typed")
    print(n, titles(silo, ""), silo.get(t.number).deadline_state)
    try:
        silo.count("s:x")
    except ticket.SearchSyntaxError as err:
        print(err.start, err.end, err.hint)
