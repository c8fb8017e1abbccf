"""The upload pages' words, Swedish first (the presentation kit switches)."""

from __future__ import annotations

UPLOAD = {
    "sv": {
        "title": "Ladda upp statistik",
        "intro": "Välj en fil från Excel (.xlsx), en CSV-fil eller SDMX-CSV. Du ser först vad "
                 "samstat säger om varje rad; inget publiceras förrän du trycker på Publicera.",
        "file": "Fil", "check": "Granska filen", "as": "Du laddar upp för",
        "formats": "Första raden är rubriker: measure, area, period, value (och unit, dim_…) "
                   "– eller SDMX-kolumnerna REF_AREA, TIME_PERIOD, OBS_VALUE …",
        "history": "Era uppladdningar", "none": "Inga uppladdningar ännu.",
        "when": "Tid", "filename": "Fil", "rows": "Rader", "status": "Status",
        "accepted": "Publicerade", "rejected": "Avvisade", "show": "Visa",
        "published": "Publicerad", "checked": "Granskad, ej publicerad",
        "refused": "Filen togs inte emot", "personal": "Personnummer hittades – inget av "
        "filen sparades. Personnummer får aldrig lämna er myndighet.",
        "row": "Rad", "column": "Kolumn", "problem": "Problem",
        "agency_only": "Bara den som laddar upp för en myndighet eller kommun kan använda "
                       "den här sidan.",
    },
    "en": {
        "title": "Upload figures",
        "intro": "Choose an Excel file (.xlsx), a CSV file or SDMX-CSV. You first see what "
                 "samstat says about every row; nothing is published until you press Publish.",
        "file": "File", "check": "Check the file", "as": "You upload for",
        "formats": "The first row holds the headings: measure, area, period, value (and unit, "
                   "dim_…) – or the SDMX columns REF_AREA, TIME_PERIOD, OBS_VALUE …",
        "history": "Your uploads", "none": "No uploads yet.",
        "when": "Time", "filename": "File", "rows": "Rows", "status": "Status",
        "accepted": "Published", "rejected": "Rejected", "show": "Show",
        "published": "Published", "checked": "Checked, not published",
        "refused": "The file was not taken", "personal": "A personal identity number was "
        "found – nothing of the file was kept. Personal numbers must never leave your agency.",
        "row": "Row", "column": "Column", "problem": "Problem",
        "agency_only": "Only people uploading for an agency or municipality can use this page.",
    },
}

PREVIEW = {
    "sv": {
        "title": "Granska uppladdningen",
        "summary": "{rows} rader: {good} kan publiceras, {bad} har fel.",
        "all_good": "Alla {rows} rader kan publiceras.",
        "problems": "Det här behöver rättas", "fix": "Rätta rad {n}", "save": "Spara raden",
        "rows_title": "Alla rader", "ok": "OK", "error": "Fel",
        "publish": "Publicera {good} rader", "publish_note": "Rader med fel publiceras inte; "
        "rätta dem först eller publicera bara de godkända.",
        "receipt": "Kvitto", "published_at": "Publicerad", "by": "av",
        "accepted": "Publicerade", "duplicates": "Redan mottagna", "rejected": "Avvisade",
        "suppressed": "Sekretessmarkerade", "batches": "Kvittonummer",
        "suppressed_title": "Värden som inte visas (för få personer)",
        "back": "Tillbaka till uppladdningar", "row": "Rad", "column": "Kolumn",
        "problem": "Problem", "nothing": "Inga rader kan publiceras ännu.",
        "fixed": "Rad {n} är ändrad och granskad igen.",
    },
    "en": {
        "title": "Check the upload",
        "summary": "{rows} rows: {good} can be published, {bad} have problems.",
        "all_good": "All {rows} rows can be published.",
        "problems": "What needs fixing", "fix": "Fix row {n}", "save": "Save the row",
        "rows_title": "All rows", "ok": "OK", "error": "Problem",
        "publish": "Publish {good} rows", "publish_note": "Rows with problems are not "
        "published; fix them first or publish only the good ones.",
        "receipt": "Receipt", "published_at": "Published", "by": "by",
        "accepted": "Published", "duplicates": "Already received", "rejected": "Rejected",
        "suppressed": "Withheld", "batches": "Receipt numbers",
        "suppressed_title": "Values not shown (too few persons)",
        "back": "Back to uploads", "row": "Row", "column": "Column", "problem": "Problem",
        "nothing": "No row can be published yet.",
        "fixed": "Row {n} was changed and checked again.",
    },
}


# What a finding about a field means, in the page's language, before ingest's own reason
# (which names the exact rule, in English). Keyed by the field (``dimensions`` for any
# dimension); a field not listed shows the reason alone.
FIELD_HINTS = {
    "sv": {
        "area": "Området finns inte, eller måttet redovisas inte för den sortens område.",
        "value": "Värdet är inte tillåtet för måttet.",
        "unit": "Fel enhet för måttet.",
        "period": "Perioden är fel skriven eller tas inte emot för måttet.",
        "measure": "Måttet finns inte, eller ni får inte publicera det.",
        "dimensions": "Koden är inte tillåten här, eller saknas.",
        "revision": "Cellen har redan en lika ny eller nyare revision.",
        "agency": "Raden gäller en annan myndighet än er.",
        "": "Raden kan inte läsas.",
    },
    "en": {
        "area": "Unknown area, or the measure is not reported for this kind of area.",
        "value": "The value is not allowed for the measure.",
        "unit": "Wrong unit for the measure.",
        "period": "The period is mistyped or not taken for the measure.",
        "measure": "Unknown measure, or you may not publish it.",
        "dimensions": "The code is not allowed here, or is missing.",
        "revision": "The cell already has an equal or newer revision.",
        "agency": "The row is another agency's.",
        "": "The row cannot be read.",
    },
}


def hint(field: str, lang: str) -> str:
    return FIELD_HINTS.get(lang, FIELD_HINTS["sv"]).get(field.split(".", 1)[0], "")
