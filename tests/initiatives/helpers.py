"""Helpers shared by the initiatives tests."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient

from samstat_kit.auth.service import issue
from samstat_kit.db import session_factory, session_scope


@dataclass
class Api:
    client: TestClient
    admin: dict[str, str]
    agency: dict[str, str]


def tokens(url: str) -> tuple[str, str]:
    with session_scope(session_factory(url)) as s:
        return (issue(session=s, scope="admin"),
                issue(session=s, scope="agency", agency="forsakringskassan"))


def bearer(token: str, **extra: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **extra}


