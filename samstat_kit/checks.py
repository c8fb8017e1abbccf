"""The checks of an observation batch that need no database: one verdict for ingest, the
upload preview and ``samstat publish --dry-run`` (offline), from this one module.

In the order ingest applies them:

1. :func:`shape_problem` — the body's shape: nesting at most :data:`MAX_DEPTH` deep and every
   integer within 64 bits (deeper or larger input is refused with a reason, never a crash);
2. :func:`refusal` — a personal identity number anywhere (:mod:`samstat_kit.anonymity`):
   the whole batch is refused and nothing of the number is echoed, only where it was;
3. :func:`judge` — per record: the contract (pydantic, :class:`ObservationCreate`), the
   publishing rights (:func:`authorize`, *denials*) and the catalogue (:func:`check_catalogue`,
   *problems*). Every finding names the record's index in the sent batch, a field and a reason.

Pure: no I/O and no server framework (pydantic and the catalogue loader only), and it runs on
Python 3.9, because the agencies' client runs it too: ``from __future__ import annotations``,
and ``typing.Optional``/``Dict`` where pydantic evaluates annotations at run time.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Dict, List, Literal, Optional, Tuple  # noqa: UP035 (3.9)
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictFloat,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from samstat_kit.anonymity import (
    NOT_SHOWN,
    contains_personal_number,
    is_personal_number,
    personal_number_fields,
    shown,
)
from samstat_kit.catalogue_rules import BatchRules, Problem, authorize, check_catalogue
from samstat_kit.contracts import Catalogue

# Deeper than any observation batch (body → observations → record → dimensions is 4).
MAX_DEPTH = 32
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# The ingest log's revision column is a 32-bit integer on PostgreSQL.
MAX_REVISION = 2**31 - 1

# A date and a time of day (RFC 3339; the zone is read as pydantic reads it).
_MOMENT = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}")

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_+\-]+$", max_length=64)]


class ObservationCreate(BaseModel):
    """Pydantic mirror of schemas/observation.v1.schema.json (tests check they agree)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    event_id: UUID
    agency: Annotated[str, StringConstraints(max_length=64)]
    measure: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
    area: Annotated[str, StringConstraints(max_length=32)]
    period: Annotated[str, StringConstraints(max_length=8)]
    dimensions: Dict[Code, Code] = Field(default_factory=dict)  # noqa: UP006 (Python 3.9)
    # Strict: a number, never true or the text "24800" (the JSON Schema's type), in C.
    value: Optional[StrictFloat]  # noqa: UP045 (Python 3.9)
    unit: Annotated[str, StringConstraints(max_length=32)]
    obs_status: Literal["A", "P", "E", "B"] = "A"
    conf_status: Literal["F", "C", "N"] = "F"
    revision: Annotated[int, Field(ge=1, le=MAX_REVISION)] = 1
    produced_at: datetime
    # A withdrawal (SDMX ACTION=D): this revision removes the cell (no value). Strict, as
    # the JSON Schema's boolean: "yes" or 1 is not a withdrawal.
    withdrawn: Annotated[bool, Field(strict=True)] = False

    # The JSON Schema's types, not pydantic's lax conversions: true is not the number 1, the
    # text "24800" is not a number, -1 or "2023-10-01" is not a moment (an agency programming
    # against schemas/ must get the verdict its validator gives). A file's cells are read as
    # numbers by their readers before this, as JSON is.
    @field_validator("revision", mode="before")
    @classmethod
    def _an_integer(cls, v: Any) -> Any:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or \
                (isinstance(v, float) and not v.is_integer()):
            raise ValueError("must be a whole number, not text or true/false")
        return int(v) if isinstance(v, float) else v  # finite: inf and nan are not integers

    @field_validator("produced_at", mode="before")
    @classmethod
    def _a_moment(cls, v: Any) -> Any:
        if isinstance(v, str) and not _MOMENT.match(v):
            raise ValueError("must be a date and time, e.g. 2023-11-05T08:00:00Z")
        if not isinstance(v, (str, datetime)):
            raise ValueError("must be a date and time as text, e.g. 2023-11-05T08:00:00Z")
        return v

    @model_validator(mode="after")
    def _null_only_when_confidential(self) -> ObservationCreate:
        if self.withdrawn:
            if self.value is not None:
                raise ValueError("a withdrawal (withdrawn true) carries no value")
            # It needs no conf_status, and the log tells a withdrawal (no value, F) from a
            # withheld value (no value, C or N) by it: one sent with C was published as a
            # withdrawal and logged, served and replayed as withheld (an independent review).
            self.conf_status = "F"
        elif self.value is None and self.conf_status == "F":
            raise ValueError("value may be null only when conf_status is C or N")
        return self


# ---------------------------------------------------------------------------- the body


def shape_problem(doc: Any, *, max_depth: int = MAX_DEPTH) -> str | None:
    """Why ``doc`` (parsed JSON) is refused whole, or None: nested deeper than ``max_depth``,
    or an integer beyond 64 bits. The reason names a place, never a value."""
    if _shape_ok(doc, max_depth):
        return None
    return _shape_problem(doc, max_depth)


def _shape_ok(doc: Any, max_depth: int) -> bool:
    """The common case, fast: containers and integers only, no paths built."""
    if type(doc) is not dict and type(doc) is not list:
        return not (type(doc) is int and not INT64_MIN <= doc <= INT64_MAX)
    stack: list[tuple[Any, int]] = [(doc, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return False
        for v in (item.values() if type(item) is dict else item):
            t = type(v)
            if t is dict or t is list:
                stack.append((v, depth + 1))
            elif t is int and not INT64_MIN <= v <= INT64_MAX:
                return False
    return True


def _shape_problem(doc: Any, max_depth: int) -> str | None:
    stack: list[tuple[Any, int, str]] = [(doc, 1, "")]
    while stack:
        item, depth, where = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return f"JSON nested deeper than {max_depth} levels (at {where or 'the top'})"
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((v, depth + 1, f"{where}.{_key(k)}" if where else _key(k))
                         for k, v in pairs)
        elif isinstance(item, int) and not isinstance(item, bool) \
                and not INT64_MIN <= item <= INT64_MAX:
            return f"integer out of range (beyond 64 bits) at {where or 'the top'}"
    return None


def _key(k: Any) -> str:
    """A path element as a reason may name it: a list index, or a key that cannot hold a
    personal number (:func:`~samstat_kit.anonymity.shown`)."""
    if isinstance(k, int):
        return str(k)
    text = shown(str(k))
    return "<key>" if text == NOT_SHOWN else text


@dataclass(frozen=True)
class Refusal:
    """A personal identity number in the request: nothing of the batch may be stored.

    ``places`` are dotted paths (``observations.3.dimensions.sex``), never the number. When
    every place is a record's ``event_id`` (a random id that happens to hold one), ``records``
    lists those records so the producer can send them with new ids."""

    places: tuple[str, ...]
    records: tuple[int, ...] = ()

    @property
    def only_event_ids(self) -> bool:
        return bool(self.records) and len(self.records) == len(self.places)

    def problems(self) -> list[Problem]:
        """Per-record findings (index, field, reason) for the places inside ``observations``."""
        out = []
        for place in self.places:
            parts = place.split(".")
            if len(parts) >= 2 and parts[0] == "observations" and parts[1].isdigit():
                where = ".".join(parts[2:]) or "observation"
                reason = (EVENT_ID_REASON if where == "event_id"
                          else "a personal identity number; nothing of the batch was stored")
                out.append(Problem(int(parts[1]), where, reason))
        return out

    def detail(self) -> str:
        if self.only_event_ids:
            records = ", ".join(str(i) for i in self.records)
            return (f"the event_id of record(s) {records} contains digits shaped like a "
                    "personal identity number (about one random uuid4 in 11 700 does); "
                    "nothing was stored: send these records with new event_ids")
        return ("the request contains a personal identity number (at "
                f"{', '.join(self.places)}); nothing of it was stored")


EVENT_ID_REASON = ("event_id contains digits shaped like a personal identity number; "
                   "send the record with a new event_id")


def refusal(body: Any, *, dumped: Optional[bytes] = None) -> Refusal | None:  # noqa: UP045 (3.9)
    """A :class:`Refusal` if a personal identity number is anywhere in ``body`` (the whole
    request body, or a list of records), keys and numbers included, else None. ``dumped``:
    ``body`` as orjson wrote it, if the caller has it (see contains_personal_number)."""
    places = personal_number_fields(body, dumped=dumped)
    if not places:
        return None
    records = []
    for place in places:
        parts = place.split(".")
        if parts[-1] == "event_id" and len(parts) >= 2 and parts[-2].isdigit():
            records.append(int(parts[-2]))
    return Refusal(tuple(places), tuple(records))


DUPLICATE_KEY = ("duplicate key: a JSON object names the same key twice; refused whole "
                 "(which of the two would count is not the sender's to leave open)")


def no_duplicate_keys(pairs: List[Tuple[str, Any]]) -> Dict[str, Any]:  # noqa: UP006 (3.9)
    """``object_pairs_hook`` for :func:`json.loads`: a dict, or ValueError on a key twice.
    Used by every reader of observations (ingest's body and topic, agencies' files)."""
    doc = dict(pairs)
    if len(doc) != len(pairs):
        raise ValueError(DUPLICATE_KEY)
    return doc


# More digits than any integer within 64 bits has (2**63 has 19, and a sign).
_INT64_DIGITS = 20


def json_int(digits: str) -> int:
    """``parse_int`` for :func:`json.loads`: the integer, or, for one of more digits than
    any 64-bit integer has, a stand-in just beyond 64 bits of its sign, so that
    :func:`shape_problem` names its place. Python's ``int()`` refuses more than 4,300
    digits with a ValueError that json.loads lets through, and readers said "not valid
    JSON" of valid JSON (a red team). Such a number is refused whatever its digits, and a
    digit run that long holds no personal number, so nothing is lost."""
    if len(digits) - digits.startswith("-") > _INT64_DIGITS:
        return INT64_MIN - 1 if digits.startswith("-") else INT64_MAX + 1
    return int(digits)


def json_float(text: str) -> Any:
    """``parse_float`` for :func:`json.loads`: the float, except where a double cannot hold
    the number's whole part as written and that whole part is a personal identity number:
    then the whole part itself, an integer, so that the gate finds it where it is and
    refuses the request. ``8802089717.99999999999`` reads as 8802089718.0, no number to the
    gate, while the text sent holds 8802089717 as a float's whole part (a red team: ingest
    answered "out of range", and Kafka dead-lettered the record as sent). Nothing else
    changes: such a document is refused whole."""
    value = float(text)
    if len(text) < 16:  # fewer digits than a double holds: its whole part is as written
        return value
    try:
        exact = Decimal(text)
    except InvalidOperation:
        return value
    if not exact.is_finite() or exact.adjusted() > 20:  # no number has that many digits
        return value
    whole = int(exact)
    if math.isfinite(value) and int(value) == whole:
        return value
    return whole if is_personal_number(str(abs(whole))) else value


# -------------------------------------------------------------------------- the records

_RECORDS = TypeAdapter(List[ObservationCreate])  # noqa: UP006 (Python 3.9)


def parse_records(records: list[Any]) -> tuple[list[tuple[int, ObservationCreate]],
                                               list[Problem]]:
    """(index, observation) of every record that parses, and the problems of the others.

    A batch that parses whole takes one call into pydantic's core; only a batch with a bad
    record is parsed again record by record, to name each problem.
    """
    try:
        return list(enumerate(_RECORDS.validate_python(records))), []
    except ValidationError:
        pass
    good, problems = [], []
    for i, raw in enumerate(records):
        obs, errs = parse_record(i, raw)
        if obs is None:
            problems.extend(errs)
        else:
            good.append((i, obs))
    return good, problems


def dump_records(observations: list[ObservationCreate]) -> list[dict[str, Any]]:
    """The observations as JSON-ready dicts, in one call."""
    return _RECORDS.dump_python(observations, mode="json")


def parse_record(index: int, raw: Any) -> tuple[ObservationCreate | None, list[Problem]]:
    if not isinstance(raw, dict):
        return None, [Problem(index, "", "an observation must be a JSON object")]
    try:
        return ObservationCreate.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        # include_input=False: the messages never repeat what was sent.
        for err in exc.errors(include_input=False, include_url=False):
            where = ".".join(_key(p) for p in err["loc"]) or _about(err["msg"])
            problems.append(Problem(index, where, err["msg"]))
        return None, problems


def _about(message: str) -> str:
    """The field a finding about the whole record is about: the value (null, or sent with a
    withdrawal) is the file's value column, not "observation" (a black-box test)."""
    return "value" if "value may be null" in message or "carries no value" in message \
        else "observation"


@dataclass
class Verdict:
    """What :func:`judge` found: the records that pass, and every finding."""

    good: list[tuple[int, ObservationCreate]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # contract and catalogue
    denials: list[Problem] = field(default_factory=list)  # publishing rights (403)
    refusal: Optional[Refusal] = None  # noqa: UP045 (3.9): a number parsing made (422)
    # Every parsed record as JSON-ready data (dump_records), by its index in the sent batch:
    # made once, for made_by_parsing and for the caller that stores the good ones.
    docs: dict[int, dict[str, Any]] = field(default_factory=dict)


def judge(records: list[Any], catalogue: Catalogue, agency: str | None) -> Verdict:
    """Contract, publishing rights and catalogue for every record of a batch, as the agency
    ``agency``. (The body's shape and personal numbers are checked before: :func:`refusal`.)"""
    verdict = Verdict()
    parsed, verdict.problems = parse_records(records)
    docs = dump_records([obs for _, obs in parsed])
    verdict.refusal = made_by_parsing(parsed, docs)
    if verdict.refusal is not None:
        return verdict
    verdict.docs = {i: doc for (i, _), doc in zip(parsed, docs)}  # noqa: B905 (Python 3.9)
    rules = BatchRules(catalogue, agency)  # each shape of cell judged once
    for i, obs in parsed:
        denial = rules.authorize(i, obs)
        if denial is not None:
            verdict.denials.append(denial)
            continue
        errs = rules.check_catalogue(i, obs)
        if errs:
            verdict.problems.extend(errs)
        else:
            verdict.good.append((i, obs))
    return verdict


# The fields whose stored form parsing makes from what was sent: the text was scanned as sent
# (refusal()), but a UUID without hyphens gets them (32 digits become 8-4-4-4-12, and a
# 12-digit personal number can be one of the groups), and "01001011236" or "1_001_011_236"
# become the number 1001011236. The other fields are stored as sent.
_CONVERTED = ("event_id", "revision", "value")


def made_by_parsing(parsed: list[tuple[int, ObservationCreate]],
                    docs: list[dict[str, Any]]) -> Refusal | None:
    """A personal number that the parsed records hold in a form the request did not.
    ``docs``: the same records dumped (:func:`dump_records`): there the UUID is its text
    already (str() of 500 UUIDs in Python cost more than the dump)."""
    stored = [[doc[name] for name in _CONVERTED] for doc in docs]
    if not contains_personal_number(stored):  # one pass at memory speed, mostly
        return None
    places = [f"observations.{i}.{name}"
              for (i, _), values in zip(parsed, stored)  # noqa: B905 (Python 3.9)
              for name, v in zip(_CONVERTED, values)  # noqa: B905 (Python 3.9)
              if contains_personal_number(v)]
    return Refusal(tuple(places), tuple(int(p.split(".")[1]) for p in places
                                        if p.endswith(".event_id")))


def sorted_problems(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.index)


__all__ = [
    "DUPLICATE_KEY", "EVENT_ID_REASON", "MAX_DEPTH", "ObservationCreate", "Problem", "Refusal",
    "Verdict",
    "authorize", "check_catalogue", "dump_records", "judge", "made_by_parsing",
    "no_duplicate_keys", "parse_record",
    "parse_records",
    "refusal", "shape_problem",
]
