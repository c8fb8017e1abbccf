"""The upload pages' words, Swedish first (the presentation kit switches)."""

from __future__ import annotations

UPLOAD = {
    "sv": {
        "title": "Ladda upp statistik",
        "intro": "Välj en fil från Excel (.xlsx), en CSV-fil eller SDMX-CSV. Du ser först vad "
                 "samstat säger om varje rad; inget publiceras förrän du trycker på Publicera.",
        "file": "Fil", "check": "Granska filen", "as": "Du laddar upp för",
        "formats": "Första raden ska vara rubriker: Mått, Område, Period, Värde och en kolumn "
                   "för varje indelning, t.ex. Kön. Enklast är att fylla i Excel-mallen. "
                   "Rubrikerna får också vara på engelska. Filer i SDMX-CSV, ett "
                   "standardformat som många statistikprogram kan spara i, går också bra.",
        "template": "Ladda ner Excel-mallen",
        "template_note": "med rätt rubriker, och flikar med måtten, de tillåtna koderna och "
                         "vad de betyder, och koderna för de områden ni får rapportera för.",
        "headings": "Filen togs inte emot. Rubrikerna i första raden känns inte igen.",
        "headings_fix": "Ändra rubrikerna i filen, eller klistra in siffrorna i mallen.",
        "template_url": "/upload/samstat-mall.xlsx", "back": "Tillbaka till uppladdningar",
        "personal_cell": "Personnummer",
        "missing_title": "Uppladdningen finns inte",
        "missing": "Den här uppladdningen finns inte, eller hör till en annan myndighet.",
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
        "formats": "The first row holds the headings: Measure, Area, Period, Value and a "
                   "column for each breakdown, e.g. Sex. The simplest is to fill in the Excel "
                   "template. The headings may be in Swedish too. Files in SDMX-CSV, a standard "
                   "format many statistics programs can save in, work as well.",
        "template": "Download the Excel template",
        "template_note": "with the right headings, and sheets listing the measures, the "
                         "codes allowed and what they mean, and the codes of the areas you may "
                         "report for.",
        "headings": "The file was not taken. The headings in the first row are not known.",
        "headings_fix": "Change the headings in the file, or paste the figures into the "
                        "template.",
        "template_url": "/upload/samstat-template.xlsx", "back": "Back to uploads",
        "personal_cell": "Personal identity number",
        "missing_title": "No such upload",
        "missing": "This upload does not exist, or belongs to another agency.",
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
        "publish_one": "Publicera raden", "all_good_one": "Raden kan publiceras.",
        "summary_one": "Filens enda rad har fel.",
        "publish": "Publicera {good} rader", "publish_note": "Rader med fel publiceras inte; "
        "rätta dem först eller publicera bara de godkända.",
        "receipt": "Kvitto", "published_at": "Publicerad", "by": "av",
        # The receipt's counts: a hidden value's row is published too (without its value),
        # so "shown" and "hidden" together are what was published.
        "shown": "Publicerade och synliga", "hidden": "Publicerade men dolda",
        "hidden_note": "värdena visas inte av sekretesskäl, se nedan",
        "duplicates": "Redan mottagna",
        "duplicates_note": "samma värden fanns redan, inget ändrades",
        "rejected": "Avvisade", "rejected_note": "har fel och publicerades inte",
        "rows_one": "{} rad", "rows_many": "{} rader",
        "batch": "Kvittonummer", "batches": "Kvittonummer",
        "suppressed_title": "Värden som inte visas (sekretess)",
        "suppressed_note": "Raderna publiceras, men de här värdena visas inte för någon.",
        "withdrawn_title": "Celler som tas tillbaka",
        "withdrawn_note": "Raderna tar tillbaka cellerna: de visas inte längre.",
        "value": "Värde", "why": "Varför",
        "back": "Tillbaka till uppladdningar", "row": "Rad", "column": "Kolumn",
        "problem": "Problem", "nothing": "Inga rader kan publiceras ännu.",
        "fixed": "Rad {n} är ändrad och granskad igen.",
        "fixed_still": "Rad {n} är ändrad och granskad igen, men har fortfarande fel – se "
                       "nedan.",
        "receipt_title": "Kvitto på publiceringen",
        "personal_fix": "Rad {n} ändrades inte: det du skrev innehöll ett personnummer. "
                        "Personnummer får aldrig lämna er myndighet.",
        "published_fix": "Rad {n} ändrades inte: uppladdningen är redan publicerad. Ladda "
                         "upp filen igen för att ändra något.",
    },
    "en": {
        "title": "Check the upload",
        "summary": "{rows} rows: {good} can be published, problems in {bad}.",
        "all_good": "All {rows} rows can be published.",
        "problems": "What needs fixing", "fix": "Fix row {n}", "save": "Save the row",
        "rows_title": "All rows", "ok": "OK", "error": "Problem",
        "publish_one": "Publish the row", "all_good_one": "The row can be published.",
        "summary_one": "The file's one row has problems.",
        "publish": "Publish {good} rows", "publish_note": "Rows with problems are not "
        "published; fix them first or publish only the good ones.",
        "receipt": "Receipt", "published_at": "Published", "by": "by",
        "duplicates": "Already received", "rejected": "Refused",
        "shown": "Published and shown", "hidden": "Published but hidden",
        "hidden_note": "the values are not shown, for confidentiality, see below",
        "duplicates_note": "the same values were there already, nothing changed",
        "rejected_note": "have problems and were not published",
        "rows_one": "{} row", "rows_many": "{} rows",
        "batch": "Receipt number", "batches": "Receipt numbers",
        "suppressed_title": "Values not shown (confidentiality)",
        "suppressed_note": "The rows are published, but these values are shown to no one.",
        "withdrawn_title": "Cells taken back",
        "withdrawn_note": "The rows take the cells back: they are no longer shown.",
        "value": "Value", "why": "Why",
        "back": "Back to uploads", "row": "Row", "column": "Column", "problem": "Problem",
        "nothing": "No row can be published yet.",
        "fixed": "Row {n} was changed and checked again.",
        "fixed_still": "Row {n} was changed and checked again, but still has a problem – see "
                       "below.",
        "receipt_title": "Publication receipt",
        "personal_fix": "Row {n} was not changed: what you wrote held a personal identity "
                        "number. Personal numbers must never leave your agency.",
        "published_fix": "Row {n} was not changed: the upload is already published. Upload "
                         "the file again to change anything.",
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


# A refused file's reason (reasons.refusal): {0}, {1} … are what the reader's reason quotes.
# Each follows the page's "Filen togs inte emot." (reasons.refused), so none opens with the
# file again ("Filen togs inte emot: Filen är för stor" said it twice): "Den"/"It".
REFUSALS = {
    "sv": {
        "no_rows": "Den har inga rader under rubrikraden. Första raden ska vara rubriker "
                   "och varje rad under den ett värde.",
        "too_many_rows": "Den har fler än {0} rader. Dela upp den i flera filer.",
        "too_many_columns": "Den har fler än {0} kolumner. Ta bort de kolumner som inte "
                            "hör till statistiken.",
        "too_wide": "Den har fler än {0} celler (rader gånger kolumner). Dela upp den i "
                    "flera filer.",
        "beyond_last_row": "Den har rader efter rad {0}, den sista rad ett kalkylblad kan ha.",
        "csv_unreadable": "CSV-filen kan inte läsas. Spara den som Excel-fil (.xlsx) och "
                          "försök igen.",
        "twice": "Rubrikraden har kolumnen {0} två gånger. Ta bort den ena.",
        "same_field": "Kolumnerna {0} och {1} betyder samma sak ({2}). Ta bort den ena.",
        "not_utf8": "Den är inte sparad som UTF-8. Spara den i Excel som ”CSV UTF-8” eller "
                    "som Excel-fil (.xlsx).",
        "not_xlsx": "Den är ingen Excel-fil som går att läsa. Öppna den i Excel och spara "
                    "den som .xlsx.",
        "too_many_cells": "Arbetsboken har fler än {0} celler. Dela upp den i flera filer.",
        "unpacks": "Arbetsboken är för stor (mer än {0} MiB uppackad). Dela upp den.",
        "too_many_parts": "Arbetsboken består av fler än {0} delar. Öppna den i Excel och "
                          "spara den som .xlsx igen.",
        "bad_cell": "En cell i arbetsboken kan inte läsas. Spara filen på nytt i Excel.",
        "personal": "Personnummer hittades – inget av filen sparades.",
        "too_large": "Den är för stor (mer än {0}). Dela upp den i flera filer.",
        "no_file": "Ingen fil valdes. Välj en fil och försök igen.",
        "format": "Filformatet känns inte igen. Välj en Excel-fil (.xlsx) eller CSV-fil.",
        "published": "Uppladdningen är redan publicerad. Ladda upp filen igen för att ändra "
                     "något.",
        "unreadable": "Den kan inte läsas. Välj en Excel-fil (.xlsx) eller CSV-fil.",
    },
    "en": {
        "no_rows": "It has no rows under its heading row. The first row holds the "
                   "headings, and every row under it one value.",
        "too_many_rows": "It has more than {0} rows. Split it into several files.",
        "too_many_columns": "It has more than {0} columns. Remove the columns that "
                            "are not part of the figures.",
        "too_wide": "It has more than {0} cells (rows times columns). Split it into "
                    "several files.",
        "beyond_last_row": "It has rows after row {0}, the last row a sheet can have.",
        "csv_unreadable": "The CSV file cannot be read. Save it as an Excel file (.xlsx) and "
                          "try again.",
        "twice": "The heading row has the column {0} twice. Remove one of them.",
        "same_field": "The columns {0} and {1} mean the same ({2}). Remove one of them.",
        "not_utf8": "It is not saved as UTF-8. Save it from Excel as “CSV UTF-8” or as "
                    "an Excel file (.xlsx).",
        "not_xlsx": "It is not an Excel file that can be read. Open it in Excel and "
                    "save it as .xlsx.",
        "too_many_cells": "The workbook has more than {0} cells. Split it into several files.",
        "unpacks": "The workbook is too large (more than {0} MiB unpacked). Split it.",
        "too_many_parts": "The workbook is made of more than {0} parts. Open it in Excel and "
                          "save it as .xlsx again.",
        "bad_cell": "A cell of the workbook cannot be read. Save the file again from Excel.",
        "personal": "A personal identity number was found – nothing of the file was kept.",
        "too_large": "It is too large (more than {0}). Split it into several "
                     "files.",
        "no_file": "No file was chosen. Choose a file and try again.",
        "format": "Its format is not known. Choose an Excel file (.xlsx) or a CSV file.",
        "published": "The upload is already published. Upload the file again to change "
                     "anything.",
        "unreadable": "It cannot be read. Choose an Excel file (.xlsx) or a CSV file.",
    },
}

# The findings' and hidden values' words live in words.py (this module was over 400 lines);
# imported from here as before.
from services.ingest.upload.words import (  # noqa: E402
    HIDDEN,
    LEVEL_ONE,
    LEVEL_WORDS,
    NOT_SHOWN_WORDS,
    PERIOD_WORDS,
    PLACES,
    REASONS,
)

__all__ = ["FIELD_HINTS", "HIDDEN", "LEVEL_ONE", "LEVEL_WORDS", "NOT_SHOWN_WORDS", "PERIOD_WORDS",
           "PLACES", "PREVIEW", "REASONS", "REFUSALS", "UPLOAD", "hint"]
