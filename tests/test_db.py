"""The kit's database helpers that are not exercised through a service."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from samstat_kit.db import writer_lock


def test_sqlite_writers_of_one_process_take_turns_in_order() -> None:
    lock = writer_lock("sqlite:////tmp/samstat-writer-lock-test.db")
    assert lock is writer_lock("sqlite:////tmp/samstat-writer-lock-test.db")
    inside = 0
    most = 0
    guard = threading.Lock()

    def write(_: int) -> None:
        nonlocal inside, most
        with lock:
            with guard:
                inside += 1
                most = max(most, inside)
            time.sleep(0.01)
            with guard:
                inside -= 1

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(12)))
    assert most == 1


def test_other_databases_need_no_writer_lock() -> None:
    lock = writer_lock("postgresql+psycopg://127.0.0.1/test")
    with lock, lock:  # re-entrant and shared: it holds nothing
        pass


def test_json_columns_take_what_json_takes() -> None:
    from samstat_kit.db import json_text

    assert json.loads(json_text({"window": 2**70, 3: "x"})) == {"window": 2**70, "3": "x"}


def test_a_failed_statement_never_carries_its_values(db_url: str) -> None:
    # Messages of database errors are logged; the values would be true values of hidden
    # cells or the rows of an upload.
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from tests.conftest import rolled_back

    with rolled_back(db_url) as s, pytest.raises(DBAPIError) as caught:
        s.execute(text("INSERT INTO no_such_table (x) VALUES (:secret)"), {"secret": 4321.5})
    assert "4321" not in str(caught.value)
