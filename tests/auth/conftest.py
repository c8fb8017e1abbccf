"""Fixtures of the sign-in tests: people (removed afterwards) and a real SMTP server."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import delete

from samstat_kit.auth.models import SignInLink, User, WebSession
from samstat_kit.auth.people import Person, add_person
from samstat_kit.db import session_factory, session_scope

from .helpers import MailSink, smtp_server


@pytest.fixture
def make_person(db_url: str) -> Iterator[Callable[..., Person]]:
    """Adds people with unique addresses; removes them (and their sessions, links) after."""
    made: list[str] = []

    def make(agency: str = "forsakringskassan", role: str = "convener",
             name: str = "Anna Andersson") -> Person:
        with session_scope(session_factory(db_url)) as s:
            person = add_person(session=s, email=f"p-{uuid.uuid4().hex[:10]}@example.se",
                                agency=agency, name=name, role=role)
        made.append(person.id)
        return person

    yield make
    with session_scope(session_factory(db_url)) as s:
        for model in (WebSession, SignInLink):
            s.execute(delete(model).where(model.user_id.in_(made)))
        s.execute(delete(User).where(User.id.in_(made)))


@pytest.fixture
def mail() -> Iterator[tuple[MailSink, int]]:
    with smtp_server() as sink_port:
        yield sink_port
