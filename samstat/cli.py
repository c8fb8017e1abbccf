"""``samstat``: run the exchange locally, operate it, and publish as an agency."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from samstat.privacy_cli import privacy_app
from samstat.user_cli import user_app
from samstat_kit.settings import KitSettings

app = typer.Typer(help="samstat: the statistics exchange of the Finsam partner agencies.",
                  no_args_is_help=True, rich_markup_mode=None, add_completion=False)
# rich_markup_mode=None: click's formatter reflows each paragraph to the terminal; typer's
# rich mode keeps the docstrings' own line breaks, which a narrow terminal cuts mid-sentence.
token_app = typer.Typer(help="Issue, list and revoke API tokens.", no_args_is_help=True,
                        rich_markup_mode=None)
app.add_typer(token_app, name="token")
app.add_typer(user_app, name="user")
app.add_typer(privacy_app, name="privacy")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="SQLite file and local state "
                                              "(default var/, or SAMSTAT_DATA_DIR)")]


def _readable_file(path: Path | None) -> Path | None:
    """``path``, or the command's own usage error if it is no file that can be read. Not
    typer's ``exists=True`` (nor click's ``dir_okay=False``): their errors quote the path,
    and a file's name may hold a personal identity number, which nothing prints
    (:func:`~samstat_kit.agency_scan.shown_path` says "the file" instead)."""
    if path is None:
        return None
    from samstat_kit.agency_scan import shown_path

    try:
        if path.is_dir():
            raise typer.BadParameter(f"{shown_path(path)} is a folder, not a file")
        with path.open("rb"):  # readable: what exists and permissions alone do not say
            pass
    except FileNotFoundError:
        raise typer.BadParameter(f"{shown_path(path)} does not exist") from None
    except OSError as exc:  # str(exc) quotes the path: its strerror alone
        raise typer.BadParameter(f"{shown_path(path)} cannot be read: "
                                 f"{exc.strerror or 'error'}") from None
    return path


def _settings(data_dir: Path | None = None) -> KitSettings:
    if data_dir is not None:
        import os

        os.environ["SAMSTAT_DATA_DIR"] = str(data_dir)
    settings = KitSettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


@app.command()
def run(
    no_demo: Annotated[bool, typer.Option("--no-demo", help="Start without the simulator")] = False,
    data_dir: DataDir = None,
    port_base: Annotated[int | None, typer.Option(
        envvar="SAMSTAT_PORT_BASE", help="Services on base+1..base+4 (default 8001..8004), "
        "the mail server on base+5 (default 8025), the worker's metrics on base+6 (default "
        "6066); the local broker listens where SAMSTAT_KAFKA_BOOTSTRAP_SERVERS says")] = None,
    demo_interval: Annotated[float, typer.Option(help="Seconds per simulated month")] = 10.0,
) -> None:
    """Start the broker, all four services, the worker and the demo agencies (Ctrl-C stops)."""
    from samstat.supervisor import run_all

    raise typer.Exit(run_all(_settings(data_dir), demo=not no_demo, port_base=port_base,
                             demo_interval=demo_interval))


@app.command()
def broker(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1")] = 9092,
    foreground: Annotated[bool, typer.Option(help="Stay attached until Ctrl-C")] = False,
) -> None:
    """Start the local Kafka-compatible broker (Tansu) and return once it answers."""
    from samstat_kit.broker import LocalBroker, broker_answers

    b = LocalBroker(port=port)
    if broker_answers(b.bootstrap):
        typer.echo(f"a broker already answers on {b.bootstrap}")
        return
    b.start(detach=not foreground)
    typer.echo(f"broker answering on {b.bootstrap} (pid {b.process.pid if b.process else '?'})")
    if foreground:
        try:
            b.process.wait() if b.process else None
        except KeyboardInterrupt:
            b.stop()


@app.command()
def worker() -> None:
    """Run the indicators stream processor (faust)."""
    from samstat_kit.logging import configure_logging
    from services.indicators.worker.app import main

    configure_logging(KitSettings().log_level, KitSettings().log_json, "worker")
    main()


@app.command()
def serve(
    service: Annotated[str, typer.Argument(help="ingest | indicators | initiatives | notify")],
    port: Annotated[int | None, typer.Option(help="Default: 8001..8004")] = None,
    host: Annotated[str, typer.Option()] = "127.0.0.1",
) -> None:
    """Run one HTTP service."""
    import uvicorn
    from uvicorn.importer import import_from_string

    from samstat.components import SERVICES
    from samstat_kit.heap import settle_heap
    from samstat_kit.logging import configure_logging

    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    factory, default_port = SERVICES[service]
    settings = KitSettings()
    configure_logging(settings.log_level, settings.log_json, service)

    def build() -> Any:
        built = import_from_string(factory)()
        settle_heap()
        return built

    uvicorn.run(build, factory=True, host=host, port=port or default_port,
                log_config=None, access_log=False)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Bring every component's tables up to date."""
    from samstat.components import migrate_all

    migrate_all(_settings(data_dir).db_url)


@app.command()
def seed(
    data_dir: DataDir = None,
    year: Annotated[int | None, typer.Option(help="Check the plan is for this year")] = None,
    plan: Annotated[Path | None, typer.Option(
        "--plan", callback=_readable_file, help="A plan file (YAML/JSON, schemas/plan.v1); "
                                                "default: Umeåregionen's 2024 plan")] = None,
) -> None:
    """Migrate, then load a plan file into the registry (default: the 2024 plan)."""
    from samstat.components import migrate_all
    from samstat_kit.db import session_factory, session_scope
    from services.initiatives.registry import service as registry
    from services.initiatives.registry.errors import RegistryError
    from services.initiatives.registry.plan_file import DEFAULT_PLAN, PlanFileError, load_plan

    try:
        loaded = load_plan(plan or DEFAULT_PLAN)
    except PlanFileError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    settings = _settings(data_dir)
    migrate_all(settings.db_url)
    try:
        with session_scope(session_factory(settings.db_url)) as session:
            report = registry.seed(session=session, year=year, plan=loaded)
    except (ValueError, RegistryError) as exc:  # pydantic's ValidationError is a ValueError
        typer.echo(f"{(plan or DEFAULT_PLAN).name}: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(f"seeded the {report.year} plan of {loaded.association['name']}: "
               f"{report.initiatives} initiatives, {report.indicators} indicators, "
               f"{report.contacts} contacts added")


@token_app.command("issue")
def token_issue(
    agency: Annotated[str | None, typer.Option(help="Agency code, e.g. forsakringskassan")] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An operator token")] = False,
    ttl_days: Annotated[int, typer.Option(help="Days until it expires")] = 365,
    data_dir: DataDir = None,
) -> None:
    """Print one new token (and nothing else) on stdout."""
    from samstat.components import migrate_all
    from samstat_kit.auth import service as tokens
    from samstat_kit.contracts import load_catalogue
    from samstat_kit.db import session_factory, session_scope

    if admin == (agency is not None):
        raise typer.BadParameter("give exactly one of --agency CODE or --admin")
    if agency is not None and agency not in load_catalogue().agencies:
        raise typer.BadParameter(f"unknown agency {agency!r}")
    settings = _settings(data_dir)
    migrate_all(settings.db_url)
    with session_scope(session_factory(settings.db_url)) as session:
        token = tokens.issue(session=session, scope="admin" if admin else "agency",
                             agency=agency, ttl_days=ttl_days)
    sys.stdout.write(token + "\n")


@token_app.command("revoke")
def token_revoke(token_id: Annotated[str, typer.Argument(help="The id (2nd part of a token)")],
                 data_dir: DataDir = None) -> None:
    """Revoke a token; services stop accepting it within 30 seconds."""
    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope

    if token_id.startswith("sst_"):
        token_id = token_id.split("_")[1]
    with session_scope(session_factory(_settings(data_dir).db_url)) as session:
        if not tokens.revoke(session=session, token_id=token_id):
            typer.echo(f"no token {token_id}", err=True)
            raise typer.Exit(1)
    typer.echo(f"revoked {token_id}")


@token_app.command("list")
def token_list(data_dir: DataDir = None) -> None:
    """List tokens (never their secrets)."""
    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope

    with session_scope(session_factory(_settings(data_dir).db_url)) as session:
        for t in tokens.list_tokens(session=session):
            state = "revoked" if t.revoked_at else "active"
            typer.echo(f"{t.id}\t{t.scope}\t{t.agency or '-'}\t{state}\texpires {t.expires_at}")


@app.command()
def demo(
    ingest_url: Annotated[str, typer.Option()] = "http://127.0.0.1:8001",
    initiatives_url: Annotated[str, typer.Option()] = "http://127.0.0.1:8003",
    interval: Annotated[float, typer.Option(help="Seconds per simulated month")] = 10.0,
    data_dir: DataDir = None,
) -> None:
    """Simulated agencies playing the demo scenario (samstat/demo_data/scenario.yaml): every
    measure the 2024 plan reads, SCB's official figures, one agency over Kafka."""
    from samstat.demo import run_demo

    run_demo(_settings(data_dir), ingest_url=ingest_url, initiatives_url=initiatives_url,
             interval=interval)


@app.command()
def replay(data_dir: DataDir = None) -> None:
    """Republish the whole ingest log to Kafka (into an empty local broker, for one)."""
    from samstat.replay import replay_log

    n = replay_log(_settings(data_dir))
    typer.echo(f"replayed {n} observations")



# --- samstat publish (agency CLI; the logic lives in samstat/publish.py) ---
@app.command()
def publish(
    file: Annotated[Path, typer.Argument(callback=_readable_file,
                                         help="CSV, XLSX, JSON or SDMX-CSV file")],
    agency: Annotated[str, typer.Option(help="Your agency code, e.g. forsakringskassan")],
    fmt: Annotated[str, typer.Option("--format",
                                     help="auto | csv | json | sdmx-csv | xlsx")] = "auto",
    via: Annotated[str, typer.Option(help="http | kafka (the agency's raw topic)")] = "http",
    url: Annotated[str, typer.Option(help="Ingest base URL")] = "http://127.0.0.1:8001",
    token: Annotated[str | None, typer.Option(envvar="SAMSTAT_TOKEN", show_envvar=True,
                                              help="Agency token (HTTP)")] = None,
    batch_size: Annotated[int, typer.Option(help="Observations per HTTP batch")] = 500,
    bootstrap_servers: Annotated[str | None, typer.Option(
        help="Kafka (default SAMSTAT_KAFKA_BOOTSTRAP_SERVERS)")] = None,
    stable_ids: Annotated[bool, typer.Option(
        "--stable-ids", help="Missing event_ids derived from cell and revision (uuid5), "
                             "so resending a file gives duplicates; default: new uuid4s")] = False,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Check only, store nothing: ingest's own checks (?dry_run=true) when "
                          "it can be asked, else the same checks run here")] = False,
    offline: Annotated[bool, typer.Option(
        "--offline", help="With --dry-run: judge here (contract, rights, catalogue), ask no "
                          "server")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Summary as JSON")] = False,
) -> None:
    """Publish observations as an agency, over HTTP or Kafka.

    Rows are completed (agency, event_id uuid4, produced_at now when missing) and judged as
    ingest judges them (over HTTP by ingest itself; over Kafka by the same checks, here, first);
    errors are listed per row (row number, field, reason) and those rows are not stored. A
    personal identity number anywhere stops everything.
    Exit code 0 = all accepted, 1 = some row rejected, 2 = nothing could be sent.

    Errors name the file row (the header is row 1; JSON: the n-th observation) and column.

    CSV or XLSX (first sheet): a header of observation fields; dimensions as dim_<name>
    columns (dim_benefit,dim_sex); an empty value is null. JSON: a list, or
    {"observations": [...]}.

    SDMX-CSV: MEASURE (or the DATAFLOW id) -> measure, lower-cased; REF_AREA -> area;
    TIME_PERIOD -> period (2023-A1 -> 2023, 2023-S2 -> 2023-H2, 2023-M10 -> 2023-10, 2023-Q3);
    OBS_VALUE -> value (x 10^UNIT_MULT); OBS_STATUS, CONF_STATUS as is; UNIT_MEASURE -> unit,
    lower-cased; AGENCY, EVENT_ID, REVISION, PRODUCED_AT -> the same fields; SDMX-CSV 2.0's
    STRUCTURE_ID (or 1.0's DATAFLOW) names the measure when MEASURE is absent; ACTION I/A/R
    send the value, D withdraws the cell; FREQ, DECIMALS, UNIT_MULT, OBS_COM, COMMENT, TITLE,
    TIME_FORMAT are ignored; every other column is a dimension (SEX -> sex) with its codes
    translated by schemas/sdmx/codemap.json (SEX F -> K, AGE Y20T64 -> 20-64).
    """
    from samstat.publish import FORMATS
    from samstat.publish import main as publish_main

    if fmt not in FORMATS:
        raise typer.BadParameter(f"one of {', '.join(FORMATS)}", param_hint="--format")
    if via not in ("http", "kafka"):
        raise typer.BadParameter("http or kafka", param_hint="--via")
    raise typer.Exit(publish_main(
        file, json_output=json_output, agency=agency, fmt=fmt, via=via, url=url, token=token,
        batch_size=batch_size, bootstrap_servers=bootstrap_servers, stable_ids=stable_ids,
        dry_run=dry_run, offline=offline))
# --- end samstat publish ---


# --- samstat import (other producers' publications; the logic lives in samstat/importers/) ---
import_app = typer.Typer(help="Import SCB's and Kolada's publications and publish them.",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(import_app, name="import")


@import_app.command("scb")
def import_scb(
    file: Annotated[Path | None, typer.Argument(callback=_readable_file,
                                                help="PxWeb API v2 JSON-stat 2.0 or PX file")
                    ] = None,
    table: Annotated[str | None, typer.Option(help="SCB table id (e.g. TAB638); without FILE "
                                                   "it is fetched live")] = None,
    mapping: Annotated[Path | None, typer.Option(callback=_readable_file,
                                                 help="A mapping file instead of the "
                                                      "shipped one")] = None,
    scb_url: Annotated[str, typer.Option(help="PxWeb API v2 base URL")] =
        "https://api.scb.se/OV0104/v2beta/api/v2",
    via: Annotated[str, typer.Option(help="http | kafka")] = "http",
    url: Annotated[str, typer.Option(help="Ingest base URL")] = "http://127.0.0.1:8001",
    token: Annotated[str | None, typer.Option(envvar="SAMSTAT_TOKEN", show_envvar=True,
                                              help="The scb agency's token (HTTP)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only, send nothing")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Summary as JSON")] = False,
) -> None:
    """Map an SCB table (population 20-64 by single year of age, official full-year
    equivalents) by its declarative mapping and publish it as agency scb, like publish."""
    from samstat.importers.scb import main as scb_main

    if via not in ("http", "kafka"):
        raise typer.BadParameter("http or kafka", param_hint="--via")
    raise typer.Exit(scb_main(file, table=table, mapping=mapping, scb_url=scb_url, via=via,
                              url=url, token=token, dry_run=dry_run, json_output=json_output))


@import_app.command("kolada")
def import_kolada(
    file: Annotated[Path, typer.Argument(callback=_readable_file,
                                         help="Kolada API v3 data answer (JSON)")],
    agency: Annotated[str, typer.Option(help="Who publishes it (Kolada has no agency code "
                                             "yet)")] = "samordningsforbundet",
    via: Annotated[str, typer.Option(help="http | kafka")] = "http",
    url: Annotated[str, typer.Option(help="Ingest base URL")] = "http://127.0.0.1:8001",
    token: Annotated[str | None, typer.Option(envvar="SAMSTAT_TOKEN", show_envvar=True,
                                              help="The publishing agency's token")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check only, send nothing")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Summary as JSON")] = False,
) -> None:
    """Map Kolada KPIs (one catalogue measure kolada_<kpi> each) and publish them."""
    from samstat.importers.kolada import main as kolada_main

    if via not in ("http", "kafka"):
        raise typer.BadParameter("http or kafka", param_hint="--via")
    raise typer.Exit(kolada_main(file, agency=agency, via=via, url=url, token=token,
                                 dry_run=dry_run, json_output=json_output))
# --- end samstat import ---


def main() -> None:
    app()
