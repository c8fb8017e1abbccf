"""``samstat privacy audit``: the interval attack on everything published; for cron jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

privacy_app = typer.Typer(help="Disclosure control: audit what is published.",
                          no_args_is_help=True, rich_markup_mode=None)


@privacy_app.command("audit")
def audit_command(
    agency: Annotated[str | None, typer.Option("--agency", help="Only this agency")] = None,
    measure: Annotated[str | None, typer.Option("--measure", help="Only this measure")] = None,
    metrics_file: Annotated[Path | None, typer.Option(
        "--metrics-file", help="Write the figures in Prometheus text format (for the node "
        "exporter's textfile collector) besides ingest's /metrics")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="No line per linked table on "
                                        "standard error (the summary only)")] = False,
) -> None:
    """Attack every suppressed cell by LP over everything published; exit 1 if any is exposed."""
    from samstat_kit.contracts import load_catalogue
    from samstat_kit.db import session_factory, session_scope
    from services.ingest.config import get_settings
    from services.ingest.disclosure.audit import audit
    from services.ingest.disclosure.service import record_audit

    settings = get_settings()
    with session_scope(session_factory(settings.db_url)) as session:
        result = audit(session=session, catalogue=load_catalogue(),
                       threshold=settings.suppression_threshold, agency=agency, measure=measure,
                       progress=None if quiet else lambda line: typer.echo(line, err=True))
        record_audit(session=session, exposed=len(result.exposed), checked=result.checked,
                     seconds=result.seconds)
    for name in result.exposed:
        typer.echo(f"EXPOSED {name}")
    typer.echo(f"{result.tables} linked tables, {result.cells} cells, {result.checked} "
               f"protected values attacked, {len(result.exposed)} exposed, "
               f"{result.seconds:.1f} s")
    if metrics_file is not None:
        try:
            metrics_file.write_text(
                "# TYPE ingest_privacy_exposed_cells gauge\n"
                f"ingest_privacy_exposed_cells {len(result.exposed)}\n"
                "# TYPE ingest_privacy_audit_seconds gauge\n"
                f"ingest_privacy_audit_seconds {result.seconds:.3f}\n", encoding="utf-8")
        except OSError as exc:  # str(exc) quotes the path, whose name may hold a number
            from samstat_kit.agency_scan import shown_path

            typer.echo(f"cannot write {shown_path(metrics_file)}: {exc.strerror or 'error'}",
                       err=True)
            raise typer.Exit(2) from None
    raise typer.Exit(1 if result.exposed else 0)
