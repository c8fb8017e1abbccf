"""``python -m bench [--quick] [--keep] [NAME ...]``: run the benchmarks, write docs/benchmarks.md.

Names: ingest, worker, e2e, replay, memory, recompute, load, dryrun, vintages (default: all,
in that order).
Each benchmark's result is kept in bench/results/NAME.json; the document is rebuilt from all
of them, so running one benchmark replaces only its section.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import common, report

BENCHMARKS = ("ingest", "worker", "e2e", "replay", "memory", "recompute", "load", "dryrun",
              "vintages")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    ap.add_argument("names", nargs="*", metavar="NAME",
                    help=f"one or more of {', '.join(BENCHMARKS)} (default: all)")
    ap.add_argument("--quick", action="store_true", help="smaller sizes (about 3 minutes)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, DBs)")
    args = ap.parse_args(argv)
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        ap.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    work = Path(tempfile.mkdtemp(prefix="samstat-bench-"))
    ctx = common.Ctx(quick=args.quick, work=work)
    machine = common.machine_info()
    common.RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    machine_file = common.RESULTS_DIR / "machine.json"
    if machine_file.exists():  # keep what the last complete run took
        previous = json.loads(machine_file.read_text())
        if "last complete run" in previous:
            machine["last complete run"] = previous["last complete run"]
    machine_file.write_text(json.dumps(machine, indent=1))
    common.say(f"benchmarks {', '.join(names)} ({'quick' if args.quick else 'full'}); "
               f"work dir {work}")
    failed = []
    t_all = time.monotonic()
    for name in names:
        t0 = time.monotonic()
        common.say(f"== {name}")
        try:
            code = common.code_fingerprint()
            module = __import__(f"bench.{name}", fromlist=["run"])
            section = module.run(ctx)
            section.raw["elapsed_seconds"] = time.monotonic() - t0
            section.raw["code"] = code
            section.save()
        except Exception:
            failed.append(name)
            traceback.print_exc()
            common.Section(name, report.TITLES[name], "quick" if args.quick else "full",
                           time.strftime("%Y-%m-%d %H:%M"), notes=[
                               "This benchmark failed in its last run: "
                               + traceback.format_exc().strip().splitlines()[-1]]).save()
        common.say(f"== {name} done in {time.monotonic() - t0:.0f}s")
        report.write(machine)
    if len(names) == len(BENCHMARKS):
        machine["last complete run"] = (
            f"{machine['invoked']}, {'quick' if args.quick else 'full'} sizes, "
            f"{(time.monotonic() - t_all) / 60:.1f} min")
        machine_file.write_text(json.dumps(machine, indent=1))
    report.write(machine)
    common.say(f"wrote {report.DOC} in {time.monotonic() - t_all:.0f}s"
               + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    if args.keep or failed:
        common.say(f"work directory kept: {work}")
    else:
        common.remove_tree(work)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
