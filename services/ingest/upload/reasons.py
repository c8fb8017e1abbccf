"""What the reader and ingest say, in the upload page's language. Their reasons stay English
for the API and the CLI (and name the exact rule); a page for agency staff says the same in
Swedish or English words, with what to write instead: a refused file's reason, a row's
finding (a publishing right it lacks included), a header no field is known by (said once,
not on every row), and why a value is not shown.

A reason is matched by its wording (samstat_kit.checks, contracts.publish_denial,
agency_files, workbook, pydantic, the disclosure control); a finding not matched shows as it
is, under the field's hint, rather than not at all; a hidden value's, in general words."""

from __future__ import annotations

import re

from samstat_kit.agency_files import RowError
from samstat_kit.agency_rows import unit_word
from samstat_kit.anonymity import NOT_SHOWN, shown
from samstat_kit.contracts import Catalogue
from samstat_kit.headers import DIM_PREFIX, DIMENSION_NAMES, HeaderProblem, heading, key
from samstat_kit.present import formatting
from services.ingest.upload.texts import (
    FIELD_HINTS,
    HIDDEN,
    LEVEL_WORDS,
    NOT_SHOWN_WORDS,
    PERIOD_WORDS,
    PLACES,
    REASONS,
    REFUSALS,
    UPLOAD,
)

MAX_LISTED = 8  # unknown headings named; more are counted


def refusal(reason: str, lang: str) -> str:
    """Why a file was not taken, in ``lang``: the reader's reason matched to a text of the
    page (the numbers and names it quotes kept), else the page's general one."""
    texts = REFUSALS["en" if lang == "en" else "sv"]
    for pattern, name in _REFUSED:
        found = re.search(pattern, reason)
        if found:
            parts = list(found.groups())
            if name == "same_field":  # the field both name, as a heading calls it
                parts[-1] = heading(parts[-1], lang)
            if name == "too_large":  # "10 MB", not "10485760 byte"
                parts[0] = formatting.file_size(int(parts[0]), lang)
            return texts[name].format(*parts)
    return texts["unreadable"]


# Not a file refused: there was none ("Filen togs inte emot. Ingen fil valdes." said nothing).
_NO_LEAD = ("the form has no file",)


def refused(reason: str, lang: str) -> str:
    """The page's whole message for a file not taken: "Filen togs inte emot." and then why
    (:func:`refusal`), every reason composed the same way; the reasons never open with the
    file again (texts.REFUSALS)."""
    why = refusal(reason, lang)
    if reason in _NO_LEAD:
        return why
    return f"{UPLOAD['en' if lang == 'en' else 'sv']['refused']}. {why}"


_REFUSED = [
    (r"holds no rows under its header", "no_rows"),
    (r"at most (\d+) rows per file", "too_many_rows"),
    (r"at most (\d+) columns per file", "too_many_columns"),
    (r"the file holds more than (\d+) cells", "too_wide"),
    (r"rows beyond row (\d+)", "beyond_last_row"),
    (r"the CSV file cannot be read", "csv_unreadable"),
    (r"the header names the column (.+) twice", "twice"),
    (r"the columns (.+) and (.+) both name (\S+)$", "same_field"),
    (r"not UTF-8", "not_utf8"),
    (r"not an Excel workbook", "not_xlsx"),
    (r"the workbook holds more than (\d+) cells", "too_many_cells"),
    (r"the workbook unpacks to more than (\d+) MiB", "unpacks"),
    (r"the workbook has more than (\d+) parts", "too_many_parts"),
    (r"a cell of the workbook cannot be read", "bad_cell"),
    (r"personal identity number", "personal"),
    (r"the file is larger than (\d+) bytes", "too_large"),
    (r"the form has no file", "no_file"),
    (r"unknown format", "format"),
    (r"already published", "published"),
]


def header_lines(problem: HeaderProblem, lang: str) -> list[str]:
    """A header no row can be read by, said once: each unknown heading with what it could
    be, then the required columns that no heading (or likely meaning) names."""
    words = REASONS["en" if lang == "en" else "sv"]
    lines = []
    for name, could in problem.unknown[:MAX_LISTED]:
        quoted = f"”{shown(name, 40)}”"
        lines.append(words["heading_could_be"].format(quoted, heading(could, lang))
                     if could else words["heading_unknown"].format(quoted))
    if len(problem.unknown) > MAX_LISTED:
        lines.append(words["more_headings"].format(len(problem.unknown) - MAX_LISTED))
    suggested = {could for _name, could in problem.unknown}
    missing = [heading(f, lang) for f in problem.missing if f not in suggested]
    if missing:
        lines.append(words["missing_columns"].format(", ".join(missing)))
    return lines


class Lookup:
    """The catalogue's words a finding is said in: a dimension's allowed codes, a code or
    an area with what it means ("_T (totalt)", "2460 (Vännäs)")."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def codes(self, dim: str, measure: str | None, lang: str) -> list[str]:
        """The allowed codes of a dimension: the measure's, or every measure's if the row
        names none the catalogue knows."""
        found = self.catalogue.codes_of(dim, measure)
        return [self.code(c, lang) for c in sorted(found)]

    def code(self, code: str, lang: str) -> str:
        """"ill_health (ohälsa)"; in English, where the English name only spells the code
        out, with its Swedish name ("ill_health (Swedish: ohälsa)"): a file may be written
        in either, and the English list lost the meanings the Swedish one gives."""
        said = _named(code, self.catalogue.code_name(code, lang))
        if lang != "en" or said != code:
            return said
        swedish = _named(code, self.catalogue.code_name(code, "sv"))
        return said if swedish == code else \
            f"{code} (Swedish: {self.catalogue.code_name(code, 'sv')})"

    def measure_named(self, text: str | None) -> str | None:
        """The code of the measure ``text`` is the name of ("Personer med ekonomiskt
        bistånd", as the template's sheet of measures lists it), or None."""
        wanted = key(text or "")
        return next((m.code for m in self.catalogue.measures.values()
                     if wanted and wanted in (key(m.title_sv), key(m.title_en))), None)

    def area(self, code: str) -> str:
        area = self.catalogue.areas.get(code)
        return f"{code} ({area.name})" if area is not None else code


def _named(code: str, name: str) -> str:
    """"ill_health (ohälsa)"; "other", not "other (other)"."""
    return code if name.casefold() == code.replace("_", " ").casefold() else f"{code} ({name})"


def explain(error: RowError, measure: str | None, lang: str,
            lookup: Lookup) -> tuple[str, str]:
    """A row's finding as (what it means, what to write), both in ``lang``; the second is
    ingest's own reason where no wording of the page matches it."""
    lang = "en" if lang == "en" else "sv"
    words, hints = REASONS[lang], FIELD_HINTS[lang]
    where, reason = error.field, error.reason
    hint = hints.get(where.split(".", 1)[0], "")
    dim = where.split(".", 1)[1] if where.startswith("dimensions.") else ""
    if reason == "Field required":
        return words["missing_cell"], ""
    if reason == "Extra inputs are not permitted":
        return words["unknown_column"], words["unknown_column_fix"]
    denied = _denial(error, lang, lookup)
    if denied is not None:
        return denied
    allowed = words["allowed"].format(", ".join(lookup.codes(dim, measure, lang))) \
        if dim else ""
    if where == "measure" and reason.startswith("String should match pattern"):
        named = lookup.measure_named(measure)  # its name written for its code
        return hint, (words["measure_by_name"].format(named) if named
                      else words["measure_syntax"])
    if dim and (reason.startswith("String should match pattern")
                or reason == "required dimension is missing"):
        return hint, allowed
    for pattern, name in _FINDINGS:
        found = re.search(pattern, reason)
        if found and name == "stale" and not error.column:
            name = "stale_row"  # no revision to leave out: the row is what to act on
        if found:
            said = _said(name, found, error.row, allowed, lang)
            return ("", said) if name in _WHOLE else (hint, said)
    if where == "period":
        return hint, words["period_syntax"]
    return hint, reason


# Publishing rights (samstat_kit.contracts.publish_denial, checks.authorize): the named
# groups are what the page's words quote.
_DENIALS = [
    (r"^agency \S+ may publish only its own area (?P<area>\S+)$", "own_area"),
    (r"^agency \S+ has no own area and may not publish \S+$", "no_own_area"),
    (r"^agency \S+ may not publish measure (?P<measure>\S+)$", "measure_denied"),
    (r"^agency \S+ may publish measure \S+ only with (?P<dim>\w+) in \((?P<codes>.*)\)$",
     "only_with"),
    (r"^agency \S+ may not publish (?P<dim>\w+)=(?P<code>.+) for measure \S+$", "code_denied"),
    (r"^agency \S+ may not publish as (?P<other>.+)$", "as_other"),
    (r"^unknown agency \S+$", "unknown_agency"),
]


def _denial(error: RowError, lang: str, lookup: Lookup) -> tuple[str, str] | None:
    """A publishing right the row lacks, as (what it means, what to write instead)."""
    for pattern, name in _DENIALS:
        found = re.search(pattern, error.reason)
        if found is None:
            continue
        parts = found.groupdict()
        column = error.column or heading(error.field.replace("dimensions.", DIM_PREFIX), lang)
        if "dim" in parts:  # the file's heading of the dimension, else its name
            column = error.column or heading(DIM_PREFIX + parts["dim"], lang)
        if "codes" in parts:
            parts["codes"] = ", ".join(lookup.code(c.strip(), lang)
                                       for c in parts["codes"].split(","))
        if "area" in parts:
            parts["area"] = lookup.area(parts["area"])
        words = REASONS[lang]
        return (words[name].format(column=column, **parts),
                words[f"{name}_fix"].format(column=column, **parts))
    return None


def _said(name: str, found: re.Match[str], row: int, allowed: str, lang: str) -> str:
    """A matched finding in the page's words, what it quotes in them too."""
    groups = tuple(NOT_SHOWN_WORDS[lang] if g == NOT_SHOWN else g for g in found.groups())
    if name in ("out_of_range", "unit_mult"):  # "från 0 till 1 000 000", as the page writes
        groups = tuple(_number(g, lang) for g in groups)
    if name == "unit":  # "dagar", as the template's sheet of measures writes it
        groups = (unit_word(groups[0], lang),)
    if name == "one_of" and lang == "sv":  # "'A', 'P', 'E' or 'B'"
        groups = (groups[0].replace(" or ", " eller "),)
    level = LEVEL_WORDS[lang].get(groups[0], groups[0]) if groups else ""
    return REASONS[lang][name].format(*groups, allowed=allowed, level=level, row=row,
                                      periods=_periods(found, lang))


def _number(text: str, lang: str) -> str:
    try:
        return formatting.number(float(text), lang)
    except ValueError:
        return text


_FINDINGS = [
    (r"^code (.+) is not allowed for \w+ \(allowed: .*\)$", "code_not_allowed"),
    (r"^String should match pattern", "code_syntax"),
    (r"^unknown measure (.+)$", "unknown_measure"),
    (r"^unknown area (.+)$", "unknown_area"),
    (r"is not reported for (\w+) areas$", "area_level"),
    (r"takes periods of (.+)$", "granularity"),
    (r"is in '(.+)', not .+$", "unit"),
    (r"^(?:value must be a finite number|Input should be a valid number)", "not_a_number"),
    (r"takes whole numbers$", "whole_numbers"),
    (r"^value out of range \[(.+), (.+)\]$", "out_of_range"),
    (r"^(\d+) cell\(s\) more than the header", "extra_cells"),
    (r"has no dimension (.+)$", "no_such_dimension"),
    (r"personal identity number", "personal"),
    (r"^stale: the cell already has revision (\d+)", "stale"),
    # Said in full, under no hint of the field (each names what to write).
    (r"^the same cell as row (\d+)", "same_cell"),
    (r"value may be null only when conf_status", "value_missing"),
    (r"a withdrawal \(withdrawn true\) carries no value", "withdrawal_value"),
    (r"^the period has not begun yet", "not_begun"),
    (r"^lies in the future", "future"),
    (r"^unknown ACTION .* \(I, A, R or D\)$", "action"),
    (r"^UNIT_MULT must be a whole number from (\S+) to (\S+)$", "unit_mult"),
    (r"^String should have at most (\d+) characters?$", "too_long"),
    (r"^String should have at least (\d+) characters?$", "too_short"),
    (r"must be a whole number, not text", "whole_number_cell"),
    (r"^Input should be greater than or equal to (\S+)$", "at_least"),
    (r"^Input should be less than or equal to (\S+)$", "at_most"),
    (r"must be a date and time", "moment"),
    (r"^Input should be a valid (?:UUID|datetime|string|dictionary|integer|boolean)",
     "not_valid"),
    (r"^Input should be ('.+')$", "one_of"),
]
# Findings said in full: the field's hint would say something else ("Raden kan inte läsas").
_WHOLE = {"same_cell", "value_missing", "withdrawal_value", "not_begun", "future", "action",
          "unit_mult"}


def column(error: RowError) -> str:
    """The column the problem list names for a finding: the file's heading; a field the file
    has no column for by its name ("period": the column to add). Not a revision the file
    did not give: samstat numbered the row itself, so a row refused as stale names no column
    (it said "revision" beside "remove one of the rows"); the reader acts on the row."""
    if error.column:
        return error.column
    return "" if error.field == "revision" else error.field


def _periods(found: re.Match[str], lang: str) -> str:
    if "takes periods of" not in found.string:
        return ""
    return ", ".join(PERIOD_WORDS[lang].get(g.strip(), g.strip())
                     for g in found.group(1).split(","))


def place(column: str, lang: str) -> str:
    """Where a personal number was found ("(sheet 2)", "(file name)") in ``lang``."""
    words = PLACES["en" if lang == "en" else "sv"]
    return words.get(column) or column.replace("(sheet ", f"({words['sheet']} ") \
        .replace("(comment ", f"({words['comment']} ")


def hidden(reason: str, lang: str) -> str:
    """Why a value is not shown, in ``lang``: the disclosure control's reason (English, for
    the API and the audit trail) by its kind, a secondary one with the sums it is hidden
    from ("summorna per orsak, varaktighet och kön")."""
    words = HIDDEN["en" if lang == "en" else "sv"]
    secondary = re.fullmatch(r"secondary: would narrow a protected (.+) through (.+)", reason)
    if secondary:
        kinds = [k.strip() for k in secondary.group(2).split(",") if k.strip()]
        name = "secondary_cell" if secondary.group(1) == "cell" else "secondary_sum"
        if not kinds:
            return words["secondary_total"]
        return words[name].format(via=_listed([_kind(k, lang) for k in kinds], words["and"]))
    for prefix, name in _HIDDEN:
        if reason.startswith(prefix):
            return words[name]
    return words["other"]


_HIDDEN = [
    ("secondary: would reveal a suppressed cell via the total", "secondary_total"),
    ("primary:", "primary"),
    ("held:", "held"),
    ("hidden by the agency", "agency"),
    ("superseded within the batch", "superseded"),
    ("withdrawn", "withdrawn"),
]


def _kind(kind: str, lang: str) -> str:
    """A linked table's relation kind (a dimension, ``area`` or ``period``) in words."""
    words = HIDDEN["en" if lang == "en" else "sv"]
    if kind in ("area", "period"):
        return words[kind]
    names = DIMENSION_NAMES.get(kind)
    return (names[1 if lang == "en" else 0] if names else kind.replace("_", " ")).lower()


def _listed(names: list[str], and_word: str) -> str:
    """"orsak, varaktighet och kön"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {and_word} {names[-1]}"
