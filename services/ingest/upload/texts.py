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
        "headings": "Filen togs inte emot: rubrikerna i första raden känns inte igen.",
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
        "headings": "The file was not taken: the headings in the first row are not known.",
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
REFUSALS = {
    "sv": {
        "no_rows": "Filen har inga rader under rubrikraden. Första raden ska vara rubriker "
                   "och varje rad under den ett värde.",
        "too_many_rows": "Filen har fler än {0} rader. Dela upp den i flera filer.",
        "too_many_columns": "Filen har fler än {0} kolumner. Ta bort de kolumner som inte "
                            "hör till statistiken.",
        "too_wide": "Filen har fler än {0} celler (rader gånger kolumner). Dela upp den i "
                    "flera filer.",
        "beyond_last_row": "Filen har rader efter rad {0}, den sista rad ett kalkylblad kan ha.",
        "csv_unreadable": "CSV-filen kan inte läsas. Spara den som Excel-fil (.xlsx) och "
                          "försök igen.",
        "twice": "Rubrikraden har kolumnen {0} två gånger. Ta bort den ena.",
        "same_field": "Kolumnerna {0} och {1} betyder samma sak ({2}). Ta bort den ena.",
        "not_utf8": "Filen är inte sparad som UTF-8. Spara den i Excel som ”CSV UTF-8” eller "
                    "som Excel-fil (.xlsx).",
        "not_xlsx": "Filen är ingen Excel-fil som går att läsa. Öppna den i Excel och spara "
                    "den som .xlsx.",
        "too_many_cells": "Arbetsboken har fler än {0} celler. Dela upp den i flera filer.",
        "unpacks": "Arbetsboken är för stor (mer än {0} MiB uppackad). Dela upp den.",
        "too_many_parts": "Arbetsboken består av fler än {0} delar. Öppna den i Excel och "
                          "spara den som .xlsx igen.",
        "bad_cell": "En cell i arbetsboken kan inte läsas. Spara filen på nytt i Excel.",
        "personal": "Personnummer hittades – inget av filen sparades.",
        "too_large": "Filen är för stor (mer än {0} byte). Dela upp den i flera filer.",
        "no_file": "Ingen fil valdes. Välj en fil och försök igen.",
        "format": "Filformatet känns inte igen. Välj en Excel-fil (.xlsx) eller CSV-fil.",
        "published": "Uppladdningen är redan publicerad. Ladda upp filen igen för att ändra "
                     "något.",
        "unreadable": "Filen kan inte läsas. Välj en Excel-fil (.xlsx) eller CSV-fil.",
    },
    "en": {
        "no_rows": "The file has no rows under its heading row. The first row holds the "
                   "headings, and every row under it one value.",
        "too_many_rows": "The file has more than {0} rows. Split it into several files.",
        "too_many_columns": "The file has more than {0} columns. Remove the columns that "
                            "are not part of the figures.",
        "too_wide": "The file has more than {0} cells (rows times columns). Split it into "
                    "several files.",
        "beyond_last_row": "The file has rows after row {0}, the last row a sheet can have.",
        "csv_unreadable": "The CSV file cannot be read. Save it as an Excel file (.xlsx) and "
                          "try again.",
        "twice": "The heading row has the column {0} twice. Remove one of them.",
        "same_field": "The columns {0} and {1} mean the same ({2}). Remove one of them.",
        "not_utf8": "The file is not saved as UTF-8. Save it from Excel as “CSV UTF-8” or as "
                    "an Excel file (.xlsx).",
        "not_xlsx": "The file is not an Excel file that can be read. Open it in Excel and "
                    "save it as .xlsx.",
        "too_many_cells": "The workbook has more than {0} cells. Split it into several files.",
        "unpacks": "The workbook is too large (more than {0} MiB unpacked). Split it.",
        "too_many_parts": "The workbook is made of more than {0} parts. Open it in Excel and "
                          "save it as .xlsx again.",
        "bad_cell": "A cell of the workbook cannot be read. Save the file again from Excel.",
        "personal": "A personal identity number was found – nothing of the file was kept.",
        "too_large": "The file is too large (more than {0} bytes). Split it into several "
                     "files.",
        "no_file": "No file was chosen. Choose a file and try again.",
        "format": "The file format is not known. Choose an Excel file (.xlsx) or a CSV file.",
        "published": "The upload is already published. Upload the file again to change "
                     "anything.",
        "unreadable": "The file cannot be read. Choose an Excel file (.xlsx) or a CSV file.",
    },
}

# A row's finding (reasons.explain) and a header's (reasons.header_lines).
REASONS = {
    "sv": {
        "missing_cell": "Cellen är tom, eller kolumnen saknas.",
        "unknown_column": "Kolumnen känns inte igen.",
        "unknown_column_fix": "Byt rubrik eller ta bort kolumnen.",
        "allowed": "Tillåtna koder: {}",
        "code_not_allowed": "Koden {0} är inte tillåten. {allowed}",
        "code_syntax": "Skriv koden med bokstäverna a–z, siffror och _ + -.",
        "unknown_measure": "Måttet {0} finns inte. Mallens flik ”Mått och koder” listar "
                           "måtten.",
        "measure_by_name": "Skriv måttets kod {0} i stället för dess namn.",
        "measure_syntax": "Skriv måttets kod, inte dess namn. Mallens flik ”Mått och koder” "
                          "listar koderna.",
        "unknown_area": "Området {0} finns inte. Skriv områdets kod, t.ex. kommunkoden 2460.",
        "area_level": "Måttet redovisas inte för {level}.",
        "granularity": "Måttet tar perioder som {periods}.",
        "unit": "Enheten ska vara {0} – eller lämna cellen tom.",
        "not_a_number": "Skriv värdet som ett tal, t.ex. 41 eller 12,5.",
        "stale": "Samma cell finns redan (revision {0}), kanske på en annan rad i filen. Ta "
                 "bort den ena raden, eller låt bli att ange revision.",
        # the file has no revision column: samstat gave the row its revision
        "stale_row": "Samma cell finns redan (revision {0}), kanske på en annan rad i filen. "
                     "Ta bort den ena raden.",
        "whole_numbers": "Värdet ska vara ett heltal.",
        "out_of_range": "Värdet ska vara från {0} till {1}.",
        "extra_cells": "Raden har {0} ifyllda celler till höger om den sista rubriken.",
        "no_such_dimension": "Måttet har ingen indelning {0}. Lämna cellen tom.",
        "personal": "Personnummer får aldrig lämna er myndighet.",
        "period_syntax": "Skriv perioden som 2026-11 (månad), 2026-Q4 (kvartal), 2026-H2 "
                         "(halvår) eller 2026 (år).",
        "same_cell": "Raderna {0} och {row} gäller samma cell. Ta bort den ena raden.",
        "value_missing": "Värdet saknas. Skriv ett tal, t.ex. 41 eller 12,5. (Står det en "
                         "formel i cellen: öppna filen i Excel och spara den igen, så sparas "
                         "formelns värde.)",
        "withdrawal_value": "En rad som tar tillbaka cellen (ACTION D) har inget värde. "
                            "Lämna värdet tomt.",
        "not_begun": "Perioden har inte börjat än. Skicka siffrorna när perioden har börjat.",
        "future": "Tidpunkten ligger i framtiden. Skriv när siffrorna togs fram, eller lämna "
                  "cellen tom.",
        "action": "ACTION ska vara I eller A (nytt värde), R (ersätt värdet) eller D (ta "
                  "tillbaka cellen).",
        "unit_mult": "UNIT_MULT ska vara ett heltal från {0} till {1}.",
        "too_long": "Texten är för lång: skriv högst {0} tecken.",
        "too_short": "Texten är för kort: skriv minst {0} tecken.",
        "whole_number_cell": "Skriv ett heltal, t.ex. 2.",
        "at_least": "Skriv ett tal som är minst {0}.",
        "at_most": "Skriv ett tal som är högst {0}.",
        "moment": "Skriv datum och tid, t.ex. 2026-11-05T08:00:00Z, eller lämna cellen tom.",
        "not_valid": "Cellen går inte att läsa. Skriv om den, eller lämna den tom.",
        "one_of": "Skriv någon av: {0}.",
        "heading_could_be": "{0} känns inte igen – menar du {1}?",
        "heading_unknown": "{0} känns inte igen – byt rubrik eller ta bort kolumnen.",
        "more_headings": "… och {} rubriker till.",
        "missing_columns": "Kolumner som saknas: {}.",
        # Publishing rights (catalogue.publish_denial, checks.authorize), as what it means
        # and what to write: "{column}" is the file's heading of the field.
        "own_area": "Ni får bara publicera siffror för ert eget område.",
        "own_area_fix": "Skriv {area} i kolumnen {column}.",
        "no_own_area": "Måttet får bara publiceras för den egna kommunen, och er myndighet "
                       "har ingen egen kommun.",
        "no_own_area_fix": "Ta bort raden.",
        "measure_denied": "Ni får inte publicera måttet {measure}.",
        "measure_denied_fix": "Ta bort raden. Mallens flik ”Mått och koder” listar måtten ni "
                              "får publicera.",
        "only_with": "Ni får publicera måttet bara med vissa koder i kolumnen {column}.",
        "only_with_fix": "Skriv någon av: {codes}.",
        "code_denied": "Ni får inte publicera {column} {code} för måttet.",
        "code_denied_fix": "Ta bort raden, eller skriv en kod ni får publicera.",
        "as_other": "Raden gäller en annan myndighet ({other}) än er.",
        "as_other_fix": "Lämna kolumnen {column} tom eller ta bort den: samstat fyller i er "
                        "myndighet.",
        "unknown_agency": "Er myndighet finns inte i samstats katalog.",
        "unknown_agency_fix": "Kontakta samordningsförbundet.",
    },
    "en": {
        "missing_cell": "The cell is empty, or the column is missing.",
        "unknown_column": "The column is not known.",
        "unknown_column_fix": "Change its heading or remove the column.",
        "allowed": "Allowed codes: {}",
        "code_not_allowed": "The code {0} is not allowed. {allowed}",
        "code_syntax": "Write the code with the letters a–z, digits and _ + -.",
        "unknown_measure": "There is no measure {0}. The template's sheet “Measures and "
                           "codes” lists them.",
        "measure_by_name": "Write the measure's code {0} instead of its name.",
        "measure_syntax": "Write the measure's code, not its name. The template's sheet "
                          "“Measures and codes” lists the codes.",
        "unknown_area": "There is no area {0}. Write the area's code, e.g. municipality "
                        "code 2460.",
        "area_level": "The measure is not reported for {level}.",
        "granularity": "The measure takes periods as {periods}.",
        "unit": "The unit must be {0} – or leave the cell empty.",
        "not_a_number": "Write the value as a number, e.g. 41 or 12.5.",
        "stale": "The same cell is there already (revision {0}), perhaps on another row of "
                 "the file. Remove one of the rows, or give no revision.",
        "stale_row": "The same cell is there already (revision {0}), perhaps on another row "
                     "of the file. Remove one of the rows.",
        "whole_numbers": "The value must be a whole number.",
        "out_of_range": "The value must be from {0} to {1}.",
        "extra_cells": "The row has {0} filled cells right of the last heading.",
        "no_such_dimension": "The measure has no breakdown {0}. Leave the cell empty.",
        "personal": "Personal identity numbers must never leave your agency.",
        "period_syntax": "Write the period as 2026-11 (month), 2026-Q4 (quarter), 2026-H2 "
                         "(half year) or 2026 (year).",
        "same_cell": "Rows {0} and {row} are the same cell. Remove one of the rows.",
        "value_missing": "The value is missing. Write a number, e.g. 41 or 12.5. (If the cell "
                         "holds a formula: open the file in Excel and save it again, so that "
                         "the formula's value is saved.)",
        "withdrawal_value": "A row taking the cell back (ACTION D) has no value. Leave the "
                            "value empty.",
        "not_begun": "The period has not begun yet. Send the figures once it has begun.",
        "future": "The time lies in the future. Write when the figures were produced, or "
                  "leave the cell empty.",
        "action": "ACTION must be I or A (a new value), R (replace the value) or D (take the "
                  "cell back).",
        "unit_mult": "UNIT_MULT must be a whole number from {0} to {1}.",
        "too_long": "The text is too long: write at most {0} characters.",
        "too_short": "The text is too short: write at least {0} characters.",
        "whole_number_cell": "Write a whole number, e.g. 2.",
        "at_least": "Write a number of at least {0}.",
        "at_most": "Write a number of at most {0}.",
        "moment": "Write a date and time, e.g. 2026-11-05T08:00:00Z, or leave the cell empty.",
        "not_valid": "The cell cannot be read. Write it again, or leave it empty.",
        "one_of": "Write one of: {0}.",
        "heading_could_be": "{0} is not known – did you mean {1}?",
        "heading_unknown": "{0} is not known – change the heading or remove the column.",
        "more_headings": "… and {} more headings.",
        "missing_columns": "Columns missing: {}.",
        "own_area": "You may publish figures for your own area only.",
        "own_area_fix": "Write {area} in the column {column}.",
        "no_own_area": "The measure is published only for one's own municipality, and your "
                       "agency has none.",
        "no_own_area_fix": "Remove the row.",
        "measure_denied": "You may not publish the measure {measure}.",
        "measure_denied_fix": "Remove the row. The template's sheet “Measures and codes” lists "
                              "the measures you may publish.",
        "only_with": "You may publish the measure only with some codes in the column "
                     "{column}.",
        "only_with_fix": "Write one of: {codes}.",
        "code_denied": "You may not publish {column} {code} for the measure.",
        "code_denied_fix": "Remove the row, or write a code you may publish.",
        "as_other": "The row is another agency's ({other}).",
        "as_other_fix": "Leave the column {column} empty or remove it: samstat fills in your "
                        "agency.",
        "unknown_agency": "Your agency is not in samstat's catalogue.",
        "unknown_agency_fix": "Contact the coordination association.",
    },
}

# Why a value is not shown (reasons.hidden): the disclosure control's reasons
# (services/ingest/disclosure, services/ingest/gate.py) by their kind. A secondary one is no
# small value itself: it is hidden so that a small one cannot be worked out from the sums
# ``{via}`` names (the breakdowns, areas or periods the table adds up over).
HIDDEN = {
    "sv": {
        "primary": "För få personer: så litet ett antal kunde peka ut personerna.",
        "secondary_cell": "Värdet i sig är inte för litet, men döljs för att skydda ett annat "
                          "värde, som är litet eller inte har skickats in: annars kunde det "
                          "räknas ut ur summorna per {via}.",
        "secondary_sum": "Värdet i sig är inte för litet, men döljs för att skydda värden som "
                         "är dolda eller inte har skickats in: annars kunde deras summa räknas "
                         "ut ur summorna per {via}, och den kan vara liten.",
        "secondary_total": "Värdet i sig är inte för litet, men döljs för att skydda ett litet "
                           "värde: annars kunde det räknas ut ur totalen.",
        "held": "Värdet är redan dolt av sekretesskäl, och då döljs även rättelser av det.",
        "agency": "Filen markerar värdet som konfidentiellt (C eller N), så det publiceras "
                  "inte.",
        "superseded": "Samma värde finns på en annan rad i filen med en nyare revision. Bara "
                      "den nyaste publiceras.",
        "other": "Värdet visas inte av sekretesskäl.",
        "withdrawn": "Cellen tas tillbaka (ACTION D): den har inget värde längre. Tidigare "
                     "värden finns kvar i historiken.",
        "area": "område", "period": "period", "and": "och",
    },
    "en": {
        "primary": "Too few persons: so small a count could point the persons out.",
        "secondary_cell": "The value itself is not too small, but is hidden to protect another "
                          "value, small or not sent yet: else that could be worked out from "
                          "the totals by {via}.",
        "secondary_sum": "The value itself is not too small, but is hidden to protect values "
                         "that are hidden or not sent: else their sum could be worked out "
                         "from the totals by {via}, and it may be small.",
        "secondary_total": "The value itself is not too small, but is hidden to protect a "
                           "small value: else that could be worked out from the total.",
        "held": "The value is hidden for confidentiality already, so its corrections are "
                "hidden too.",
        "agency": "The file marks the value confidential (C or N), so it is not published.",
        "superseded": "The same value is on another row of the file with a newer revision. "
                      "Only the newest is published.",
        "other": "The value is not shown, for confidentiality.",
        "withdrawn": "The cell is taken back (ACTION D): it has no value any more. Earlier "
                     "values stay in its history.",
        "area": "area", "period": "period", "and": "and",
    },
}

# What a reason quotes instead of a code holding ten digits or more
# (samstat_kit.anonymity.NOT_SHOWN), in the page's words.
NOT_SHOWN_WORDS = {"sv": "(visas inte: den har 10 siffror eller fler)",
                   "en": "(not shown: it holds 10 digits or more)"}

PERIOD_WORDS = {
    "sv": {"month": "månad (2026-11)", "quarter": "kvartal (2026-Q4)",
           "half": "halvår (2026-H2)", "year": "år (2026)"},
    "en": {"month": "month (2026-11)", "quarter": "quarter (2026-Q4)",
           "half": "half year (2026-H2)", "year": "year (2026)"},
}
LEVEL_ONE = {  # one area's level, in the template's list of areas
    "sv": {"municipality": "kommun", "county": "län", "region": "region", "nation": "riket"},
    "en": {"municipality": "municipality", "county": "county", "region": "region",
           "nation": "nation"},
}
LEVEL_WORDS = {
    "sv": {"municipality": "kommuner", "county": "län", "region": "regioner",
           "nation": "riket"},
    "en": {"municipality": "municipalities", "county": "counties", "region": "regions",
           "nation": "the nation"},
}
# Where a personal number was found, when it is no cell of the header's columns.
PLACES = {
    "sv": {"(file name)": "(filnamnet)", "(header)": "(rubrikraden)",
           "(a cell formatted as a date)": "(en cell formaterad som datum)",
           "(a comment or another part of the workbook)":
               "(en kommentar, sidhuvudet, filens egenskaper eller en annan del av filen)",
           "(the file's properties)": "(filens egenskaper)",
           "(another part of the workbook)":
               "(sidhuvudet, ett namn, en inmatningshjälp eller en annan del av filen)",
           "sheet": "blad", "comment": "kommentaren i cell"},
    "en": {"sheet": "sheet", "comment": "the comment in cell",
           "(another part of the workbook)":
               "(a page header, a name, an input prompt or another part of the file)"},
}
