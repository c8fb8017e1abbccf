"""``samstat import scb``: SCB's statistical database (PxWeb API v2 JSON-stat 2.0, PX files).

Read a file (or fetch a table live with ``--table``), map it by the table's mapping
(``mappings/scb/<table>.json``) and publish the observations as agency ``scb`` with
:func:`samstat.publish.main` (same options, same summary, same checks). See the package
docstring for the choice of libraries.
"""

from __future__ import annotations

import codecs
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pandas as pd

from samstat.agency_files import PublishError
from samstat.importers.common import fatal, publish_docs
from samstat.importers.mapping import (
    LABEL,
    Mapping,
    MappingError,
    apply,
    load_mapping,
    shipped,
)

AGENCY = "scb"
SCB_API = "https://api.scb.se/OV0104/v2beta/api/v2"


def read_jsonstat(text: str) -> pd.DataFrame:
    """A JSON-stat 2.0 dataset as a long table of codes (pyjstat), with each variable's
    labels beside its codes (``ContentsCode:label``) for mappings that match labels."""
    from pyjstat import pyjstat

    try:
        _check_shape(json.loads(text))
        frame: pd.DataFrame = pyjstat.Dataset.read(text).write("dataframe", naming="id")
        dimensions = json.loads(text)["dimension"]
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise MappingError(f"not a JSON-stat 2.0 dataset: {exc}") from None
    frame = frame.astype({c: str for c in frame.columns if c != "value"})
    for name in [c for c in frame.columns if c != "value"]:
        # From the dataset's own category labels (a code without one keeps its code): one
        # reading of the cube, whatever the dimensions are called.
        labels = ((dimensions.get(name) or {}).get("category") or {}).get("label") or {}
        frame[name + LABEL] = frame[name].map(lambda code, labels=labels: labels.get(code, code))
    return frame


def _check_shape(doc: Any) -> None:
    """The cube's ``size`` is its dimensions' category counts, and a dense ``value`` holds
    exactly their product: a value array one short or long would otherwise put every figure
    after the gap into the next cell (or fail deep in pyjstat)."""
    ids, size, dims = doc["id"], doc["size"], doc["dimension"]
    if not isinstance(ids, list) or not isinstance(size, list) or len(ids) != len(size):
        raise ValueError(f"'id' names {len(ids)} dimensions, 'size' {len(size)}")
    cells = 1
    for name, n in zip(ids, size, strict=True):
        index = dims[name]["category"].get("index")
        count = len(index) if index is not None else len(dims[name]["category"]["label"])
        repeated = (len(set(index)) != len(index) if isinstance(index, list) else
                    isinstance(index, dict) and sorted(index.values()) != list(range(count)))
        if repeated:
            raise ValueError(f"dimension {name} repeats a category or a position")
        if count != n:
            raise ValueError(f"dimension {name} has {count} categories, 'size' says {n}")
        cells *= n
    values = doc["value"]
    if isinstance(values, list) and len(values) != cells:
        raise ValueError(f"'value' holds {len(values)} figures, the size {size} makes {cells}")


_CODEPAGE = re.compile(r'CODEPAGE\s*=\s*"([^"]*)"', re.I)


def px_encoding(data: bytes) -> str:
    """The encoding a PX file says (``CODEPAGE="UTF8"``, ``codepage = "utf-8"``, …: only
    the exact ``CODEPAGE="utf-8"`` was read, and a UTF-8 file said otherwise got "VÃ¤nnÃ¤s"
    for labels; a review). Without one, UTF-8 if the file reads as UTF-8 (a Latin-1 file
    with å, ä or ö hardly does), else the format's default, ISO 8859-1."""
    said = _CODEPAGE.search(data[:4000].decode("latin-1"))
    if said is not None:
        try:
            return codecs.lookup(said.group(1).strip()).name
        except LookupError:
            pass  # a name Python does not know: as if none were given
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "iso-8859-1"
    return "utf-8"


def read_px(path: Path) -> tuple[pd.DataFrame, str | None]:
    """A PX file as a long table of codes (pyaxis), and its MATRIX.

    pyaxis names columns and values by their labels; the file's ``VARIABLE-CODE`` and
    ``CODES`` keywords turn them back into SCB's codes, as the mappings use.
    """
    from pyaxis import pyaxis

    try:
        parsed = pyaxis.parse(str(path), encoding=px_encoding(path.read_bytes()))
    except Exception as exc:  # pyaxis raises bare errors on malformed files
        raise MappingError(f"not a readable PX file: {exc.__class__.__name__}: {exc}") from None
    meta, data = parsed["METADATA"], parsed["DATA"]
    columns: dict[str, str] = {}
    for label in [c for c in data.columns if c != "DATA"]:
        labels, codes = meta.get(f"VALUES({label})"), meta.get(f"CODES({label})")
        code = (meta.get(f"VARIABLE-CODE({label})") or [label])[0]
        data[code + LABEL] = data[label]
        if labels and codes and len(labels) == len(codes):
            data[label] = data[label].map(dict(zip(labels, codes, strict=True)))
        columns[label] = code
    frame = data.rename(columns={**columns, "DATA": "value"})
    matrix = (meta.get("MATRIX") or [None])[0]
    return frame, matrix


def read_file(path: Path) -> tuple[pd.DataFrame, str | None]:
    """The file's table and the table id it names, if any."""
    raw = path.read_bytes()
    if raw.lstrip()[:1] == b"{":
        text = raw.decode("utf-8-sig")
        doc = json.loads(text)
        table = (((doc.get("extension") or {}).get("px") or {}).get("tableid")
                 if isinstance(doc, dict) else None)
        return read_jsonstat(text), table
    return read_px(path)


def fetch(table: str, mapping: Mapping, *, base_url: str = SCB_API,
          client: httpx.Client | None = None) -> str:
    """The table's data from PxWeb API v2 as JSON-stat 2.0, with the mapping's selection."""
    params = {"lang": "sv", "outputFormat": "json-stat2"}
    params |= {f"valueCodes[{k}]": v for k, v in (mapping.spec.get("query") or {}).items()}
    own = client is None
    http = client or httpx.Client(timeout=60, follow_redirects=True)
    try:
        response = http.get(f"{base_url.rstrip('/')}/tables/{table}/data", params=params)
    except httpx.HTTPError as exc:
        raise PublishError(f"cannot fetch {table} from {base_url}: "
                           f"{exc.__class__.__name__}") from None
    finally:
        if own:
            http.close()
    if response.status_code != 200:
        raise PublishError(f"SCB answered {response.status_code} for table {table}: "
                           f"{response.text[:200]}")
    return response.text


def choose_mapping(*, table: str | None, mapping: Path | None, path: Path | None,
                   named: str | None) -> Mapping:
    """An explicit mapping file, else the shipped one for --table, the file's own table id
    or the file's stem (``TAB638.px``)."""
    if mapping is not None:
        return load_mapping(mapping)
    known = shipped("scb")  # by table id and alias
    for candidate in (table, named, path.stem if path else None):
        if candidate and candidate in known:
            return known[candidate]
    raise MappingError(f"no mapping for this table; shipped: {', '.join(sorted(known))} "
                       "(name one with --table, or give --mapping FILE)")


def observations(path: Path | None, *, table: str | None = None, mapping: Path | None = None,
                 scb_url: str = SCB_API) -> tuple[Mapping, list[dict[str, Any]]]:
    """The mapped observations of a file, or of a table fetched live when no file is given."""
    if path is None:
        if not table:
            raise MappingError("give a FILE, or --table ID to fetch it from SCB")
        chosen = choose_mapping(table=table, mapping=mapping, path=None, named=None)
        # API v2 knows a table by its id (TAB1386), not by the matrix a user may name; a
        # table named beside an explicit --mapping is fetched as named
        frame = read_jsonstat(fetch(chosen.table if table in chosen.names else table, chosen,
                                    base_url=scb_url))
    else:
        frame, named = read_file(path)
        chosen = choose_mapping(table=table, mapping=mapping, path=path, named=named)
    return chosen, apply(chosen, frame)


def main(path: Path | None, *, table: str | None = None, mapping: Path | None = None,
         scb_url: str = SCB_API, json_output: bool = False, **options: Any) -> int:
    """Run ``samstat import scb``: map, then publish as ``scb`` exactly as ``samstat publish``
    does (exit code 0 ok, 1 rejections, 2 nothing could be sent)."""
    try:
        chosen, docs = observations(path, table=table, mapping=mapping, scb_url=scb_url)
    except (MappingError, PublishError) as exc:
        return fatal(str(exc), json_output)
    if not docs:
        return fatal(f"table {chosen.table} gave no observations", json_output)
    return publish_docs(docs, name=chosen.table, agency=AGENCY, json_output=json_output,
                        **options)
