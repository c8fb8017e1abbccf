from __future__ import annotations

import asyncio

from rich.progress import Progress

from samstat_kit.db import session_factory
from samstat_kit.settings import KitSettings
from services.ingest.replay import replay


def replay_log(settings: KitSettings) -> int:
    with Progress() as bar:
        task = bar.add_task("replaying the ingest log", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return asyncio.run(replay(settings, session_factory(settings.db_url), progress))
