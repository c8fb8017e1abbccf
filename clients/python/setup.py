"""Builds the samstat-client wheel. The publishing code, the checks the server runs and the
contract are not copied into this folder: the build takes them from the repository
(``SHARED`` below), so the wheel carries exactly the code the services and the ``samstat``
CLI import. Build a wheel (``pip wheel clients/python --no-deps``), not an sdist."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# The repository the shared code comes from: this folder's, unless the build runs on a copy.
REPO = Path(os.environ.get("SAMSTAT_REPO") or Path(__file__).resolve().parents[2])
SHARED = {
    "samstat": ["__init__.py", "publish.py", "agency_send.py", "agency_files.py"],
    "samstat_kit": ["__init__.py", "agency_csv.py", "agency_files.py", "agency_rows.py",
                    "agency_scan.py",
                    "agency_sdmx.py", "anonymity.py", "ole.py", "catalogue_entries.py",
                    "catalogue_names.py", "catalogue_rules.py", "cells.py", "cellvalues.py",
                    "checks.py",
                    "headers.py", "contracts.py", "kafka_names.py", "periods.py", "sdmx.py",
                    "settings.py", "workbook.py", "zipparts.py"],
}


class BuildWithSharedCode(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib)
        for package, modules in SHARED.items():
            (target / package).mkdir(parents=True, exist_ok=True)
            for module in modules:
                shutil.copy2(REPO / package / module, target / package / module)
        schemas = target / "samstat_kit" / "schemas"
        shutil.rmtree(schemas, ignore_errors=True)
        shutil.copytree(REPO / "schemas", schemas, ignore=shutil.ignore_patterns("examples"))


setup(cmdclass={"build_py": BuildWithSharedCode})
