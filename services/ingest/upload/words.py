"""The upload pages' words for a row's findings, hidden values and places, Swedish first
(:mod:`services.ingest.upload.texts` has the pages' own)."""

from __future__ import annotations

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
