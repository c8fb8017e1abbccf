"""``samstat user add|list|disable``: the people who sign in to the pages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from samstat_kit.settings import KitSettings

user_app = typer.Typer(help="Add, list and disable the people who sign in to the pages.",
                       no_args_is_help=True, rich_markup_mode=None)

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="SQLite file and local state "
                                              "(default var/, or SAMSTAT_DATA_DIR)")]
Role = Annotated[str, typer.Option(help="convener | analyst | operator | admin")]


def _db_url(data_dir: Path | None) -> str:
    settings = KitSettings(data_dir=data_dir) if data_dir is not None else KitSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.db_url


@user_app.command("add")
def user_add(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their sign-in)")],
    agency: Annotated[str, typer.Option(help="Agency code, e.g. forsakringskassan")],
    name: Annotated[str, typer.Option(help="Full name (default: the address)")] = "",
    role: Role = "convener",
    data_dir: DataDir = None,
) -> None:
    """Add a person who may sign in (by e-mailed link, or OpenID Connect with this address)."""
    from samstat.components import migrate_all
    from samstat_kit.auth.people import PersonError, add_person
    from samstat_kit.db import session_factory, session_scope

    url = _db_url(data_dir)
    migrate_all(url)
    try:
        with session_scope(session_factory(url)) as session:
            person = add_person(session=session, email=email, agency=agency, name=name,
                                role=role)
    except PersonError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"added {person.email} ({person.name}), {person.role} at {person.agency}")


@user_app.command("list")
def user_list(data_dir: DataDir = None) -> None:
    """Everyone, active or disabled, by e-mail address (tab-separated)."""
    from samstat_kit.auth.people import list_people
    from samstat_kit.db import session_factory, session_scope

    with session_scope(session_factory(_db_url(data_dir))) as session:
        people = list_people(session=session)
    for person, active in people:
        typer.echo(f"{person.email}\t{person.name}\t{person.agency}\t{person.role}\t"
                   f"{'active' if active else 'disabled'}")


@user_app.command("disable")
def user_disable(email: Annotated[str, typer.Argument(help="The person's e-mail address")],
                 data_dir: DataDir = None) -> None:
    """Disable a person: they cannot sign in, and their open sessions end at once."""
    from samstat_kit.auth.people import disable_person
    from samstat_kit.db import session_factory, session_scope

    with session_scope(session_factory(_db_url(data_dir))) as session:
        if not disable_person(session=session, email=email):
            typer.echo(f"error: no person with the address {email!r}", err=True)
            raise typer.Exit(1)
    typer.echo(f"disabled {email.strip().lower()}; their sessions have ended")
