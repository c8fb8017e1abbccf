"""People: the service functions on SQLite and PostgreSQL, the migration, and the
``samstat user`` commands as an operator runs them (real subprocesses)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import Session

from samstat_kit.auth import sessions as store
from samstat_kit.auth.models import Base
from samstat_kit.auth.people import (
    PersonError,
    active_person,
    add_person,
    disable_person,
    list_people,
)
from samstat_kit.db import downgrade, migrate
from samstat_kit.netguard import MAIL_RULE

PG_BASE = os.environ.get("SAMSTAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TABLES = {"auth_users", "auth_sessions", "auth_signin_links", "auth_oidc_requests"}


def unique() -> str:
    return f"u-{uuid.uuid4().hex[:10]}@example.se"


def test_add_find_list_and_disable(session: Session) -> None:
    email = unique()
    person = add_person(session=session, email=f"  {email.upper()} ", agency="kommun-2480",
                        name="Bo Berg", role="analyst")
    assert (person.email, person.name, person.agency, person.role) == (
        email, "Bo Berg", "kommun-2480", "analyst")
    assert active_person(session=session, email=email.title()) == person
    assert active_person(session=session, person_id=person.id) == person
    assert (person, True) in list_people(session=session)

    secret = store.start_session(session=session, person=person, method="email",
                                 max_age=timedelta(hours=1))
    assert store.session_person(session=session, secret=secret, idle=timedelta(hours=1))
    assert disable_person(session=session, email=email)
    assert active_person(session=session, email=email) is None
    assert (person, False) in list_people(session=session)
    assert (person, False) not in list_people(session=session, include_disabled=False)
    # disabling ends their sessions at once
    assert store.session_person(session=session, secret=secret, idle=timedelta(hours=1)) is None
    assert not disable_person(session=session, email=unique())


def test_name_defaults_to_the_address(session: Session) -> None:
    email = unique()
    assert add_person(session=session, email=email, agency="scb").name == email


@pytest.mark.parametrize(("email", "agency", "role", "field"), [
    ("not-an-address", "scb", "convener", "email"),
    ("a@b", "scb", "convener", "email"),
    ("a b@example.se", "scb", "convener", "email"),
    ("a@example.se,evil@example.se", "scb", "convener", "email"),
    ("a@example.se\r\nBcc: x@example.se", "scb", "convener", "email"),
    ("x" * 250 + "@example.se", "scb", "convener", "email"),
    ("ok@example.se", "no-such-agency", "convener", "agency"),
    ("ok@example.se", "scb", "king", "role"),
])
def test_bad_people_are_refused_naming_the_field(session: Session, email: str, agency: str,
                                                 role: str, field: str) -> None:
    with pytest.raises(PersonError, match=f"^{field} "):
        add_person(session=session, email=email, agency=agency, role=role)


@pytest.mark.parametrize("email", [
    "ops@127.0.0.1", "ops@10.0.0.5", "ops@0x7f.1", "ops@127.1",
    "ops@hooks.localhost", "ops%10.0.0.5@relay.example.se", "10.0.0.5!ops@relay.example.se",
    "ops@1.2.3.4.5"])
def test_a_sign_in_address_passes_the_mail_receiver_rule(session: Session, email: str) -> None:
    """The sign-in link is mailed to the address: the relay delivers to what its domain names
    (or what the percent hack or a bang path routes to), a host of the adder's choosing
    inside the deployment. The same rule as notify's receivers (netguard.MAIL_RULE)."""
    with pytest.raises(PersonError, match=f"^email {re.escape(repr(email))}: "
                                          f"{re.escape(MAIL_RULE)}$"):
        add_person(session=session, email=email, agency="scb")
    assert active_person(session=session, email=email) is None


def test_one_address_is_one_person(session: Session) -> None:
    email = unique()
    add_person(session=session, email=email, agency="scb")
    with pytest.raises(PersonError, match="exists already"):
        add_person(session=session, email=email.upper(), agency="kriminalvarden")


# ---------------------------------------------------------------------------- migration


def test_migration_matches_the_models_and_goes_back_to_tokens_only(empty_url: str) -> None:
    migrate(empty_url, "samstat_kit.auth")
    eng = create_engine(empty_url)
    try:
        with eng.connect() as conn:
            assert set(inspect(conn).get_table_names()) >= TABLES | {"auth_tokens"}
            ctx = MigrationContext.configure(conn, opts={
                "version_table": "alembic_version_auth",
                "include_name": lambda name, kind, _parent: kind != "table"
                or str(name).startswith("auth_")})
            diff = compare_metadata(ctx, Base.metadata)
            assert diff == [], diff
        downgrade(empty_url, "samstat_kit.auth", "0001")
        with eng.connect() as conn:
            left = set(inspect(conn).get_table_names())
        assert "auth_tokens" in left and not (TABLES & left)
        migrate(empty_url, "samstat_kit.auth")
    finally:
        eng.dispose()


# ---------------------------------------------------------------------------------- CLI


def samstat(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SAMSTAT_DATA_DIR": str(data_dir)}
    env.pop("SAMSTAT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "samstat", "user", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_user_commands(tmp_path: Path) -> None:
    added = samstat("add", "Karin.Lund@FK.example.se", "--agency", "forsakringskassan",
                    "--name", "Karin Lund", data_dir=tmp_path)
    assert added.returncode == 0, added.stderr
    assert "karin.lund@fk.example.se" in added.stdout and "convener" in added.stdout
    analyst = samstat("add", "olle@umea.example.se", "--agency", "kommun-2480", "--role",
                      "analyst", data_dir=tmp_path)
    assert analyst.returncode == 0, analyst.stderr

    unknown = samstat("add", "x@example.se", "--agency", "nasa", data_dir=tmp_path)
    assert unknown.returncode == 2 and "agency 'nasa'" in unknown.stderr
    twice = samstat("add", "KARIN.LUND@fk.example.se", "--agency", "scb", data_dir=tmp_path)
    assert twice.returncode == 2 and "exists already" in twice.stderr
    role = samstat("add", "y@example.se", "--agency", "scb", "--role", "boss",
                   data_dir=tmp_path)
    assert role.returncode == 2 and "role 'boss'" in role.stderr
    inside = samstat("add", "ops@10.0.0.5", "--agency", "scb", data_dir=tmp_path)
    assert inside.returncode == 2 and MAIL_RULE in inside.stderr.replace("\n", " ")

    disabled = samstat("disable", "olle@umea.example.se", data_dir=tmp_path)
    assert disabled.returncode == 0, disabled.stderr
    assert samstat("disable", "nobody@example.se", data_dir=tmp_path).returncode == 1

    rows = [line.split("\t") for line in samstat("list", data_dir=tmp_path).stdout.splitlines()]
    assert rows == [
        ["karin.lund@fk.example.se", "Karin Lund", "forsakringskassan", "convener", "active"],
        ["olle@umea.example.se", "olle@umea.example.se", "kommun-2480", "analyst",
         "disabled"]]


def test_an_expired_oidc_request_goes_when_the_next_is_saved(session: Session) -> None:
    """Each anonymous GET /login/oidc saved a row that stayed 30 days past its expiry: a loop
    of requests grew the table without bound (a review)."""
    from sqlalchemy import select

    from samstat_kit.auth.models import OidcRequest

    pending = store.PendingOidc("n", "v", "/")
    for i in range(3):
        store.save_oidc_request(session=session, state=f"old-{i}", pending=pending,
                                ttl=timedelta(seconds=-1))
    store.save_oidc_request(session=session, state="live", pending=pending,
                            ttl=timedelta(minutes=10))
    # Only this test's rows: other tests' sign-ins may have left live requests of their own
    # (the suite's order decided whether this passed).
    ids = {store._hash(s): s for s in [f"old-{i}" for i in range(3)] + ["live"]}
    left = session.scalars(select(OidcRequest.id).where(OidcRequest.id.in_(ids))).all()
    assert [ids[i] for i in left] == ["live"]
    assert store.take_oidc_request(session=session, state="live") == pending
