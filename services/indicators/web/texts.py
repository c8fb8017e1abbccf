"""The words of the indicators' kit pages, Swedish first (samstat_kit.present)."""

from __future__ import annotations

from samstat_kit.present import Texts

FYE_TEXTS: Texts = {
    "sv": {
        "sign_out": "Logga ut", "title": "Helårsekvivalenter", "heading": "Helårsekvivalenter i",
        "all_indicators": "Alla indikatorer",
        "lead": "Antalet personer 20–64 år som skulle kunna försörjas ett helt år med full "
                "ersättning, som andel av befolkningen 20–64 år.",
        "compared": "Jämförs med", "counties": "Länen:",
        "as_of_label": "Visa läget den", "show": "Visa", "latest": "Senaste",
        "as_of_note": "Du ser siffrorna som samstat visade vid slutet av",
        "bad_date": "Datumet kunde inte läsas; de senaste siffrorna visas.",
        "future_date": "Datumet har inte kommit än; de senaste siffrorna visas.",
        "share": "Andel av befolkningen 20–64 år", "fye": "Helårsekvivalenter",
        "population": "Befolkning 20–64 år", "women": "Kvinnor", "men": "Män",
        "population_stand_in": "Andelen räknas på befolkningen {used}: SCB:s siffra för "
                               "{year} är inte ute än.",
        "population_stand_in_some": "För några kommuner räknas andelen på befolkningen "
                                    "{used}: SCB:s siffra för {year} är inte ute än.",
        "nothing": "Inga uppgifter ännu.", "by_year": "Andel per år",
        "by_year_caption": "Helårsekvivalenter som andel av befolkningen 20–64 år",
        "year": "År", "partial": "Del av året:", "of": "av", "months": "mån.",
        "sources_note": "SCB = SCB:s officiella siffra (visas tills alla kommuner har "
                        "rapporterat till samstat). samstat = beräknad av samstat från "
                        "myndigheternas uppgifter.",
        "src_scb": "SCB", "src_scb_long": "SCB:s officiella siffra",
        "src_computed": "samstat", "src_computed_long": "Beräknad av samstat",
        "by_sex": "Andel per kön",
        "by_sex_caption": "Helårsekvivalenter som andel av kvinnorna respektive männen 20–64 år",
        "cross": "Ersättning och kön",
        "cross_caption": "Helårsekvivalenter per ersättning och kön,",
        "benefit": "Ersättning", "total": "Totalt", "downloads": "Ladda ner tabellen",
        "by_month": "Andel per månad", "show_months": "Visa de senaste månaderna",
        "by_month_caption": "Månadens helårsekvivalenter som andel av befolkningen 20–64 år "
                            "(jämförbart med årsvärdena)",
        "month": "Månad", "provisional": "preliminär",
        "xlsx": "Excel (XLSX)", "csv_sv": "CSV för svenskt Excel",
        "sdmx": "SDMX-CSV 2.0", "structure": "SDMX-struktur (DSD, kodlistor)",
    },
    "en": {
        "sign_out": "Sign out", "title": "Full-year equivalents",
        "heading": "Full-year equivalents in",
        "all_indicators": "All indicators",
        "lead": "The number of people aged 20–64 who could be supported for a whole year on "
                "full benefit, as a share of the population aged 20–64.",
        "compared": "Compared with", "counties": "The counties:",
        "as_of_label": "Show as of", "show": "Show", "latest": "Latest",
        "as_of_note": "You see the figures samstat showed at the end of",
        "bad_date": "The date could not be read; the latest figures are shown.",
        "future_date": "The date is in the future; the latest figures are shown.",
        "share": "Share of the population aged 20–64", "fye": "Full-year equivalents",
        "population": "Population aged 20–64", "women": "Women", "men": "Men",
        "population_stand_in": "The share uses the population of {used}: SCB's figure for "
                               "{year} is not out yet.",
        "population_stand_in_some": "For some municipalities the share uses the population "
                                    "of {used}: SCB's figure for {year} is not out yet.",
        "nothing": "No figures yet.", "by_year": "Share by year",
        "by_year_caption": "Full-year equivalents as a share of the population aged 20–64",
        "year": "Year", "partial": "Part of the year:", "of": "of", "months": "months",
        "sources_note": "SCB = Statistics Sweden's official figure (shown until every "
                        "municipality has reported to samstat). samstat = computed by samstat "
                        "from the agencies' figures.",
        "src_scb": "SCB", "src_scb_long": "Statistics Sweden's official figure",
        "src_computed": "samstat", "src_computed_long": "Computed by samstat",
        "by_sex": "Share by sex",
        "by_sex_caption": "Full-year equivalents as a share of the women and of the men "
                          "aged 20–64",
        "cross": "Benefit and sex", "cross_caption": "Full-year equivalents by benefit and sex,",
        "benefit": "Benefit", "total": "Total", "downloads": "Download the table",
        "by_month": "Share by month", "show_months": "Show the latest months",
        "by_month_caption": "A month's full-year equivalents as a share of the population "
                            "aged 20–64 (comparable with the yearly figures)",
        "month": "Month", "provisional": "provisional",
        "xlsx": "Excel (XLSX)", "csv_sv": "CSV for Swedish Excel",
        "sdmx": "SDMX-CSV 2.0", "structure": "SDMX structure (DSDs, codelists)",
    },
}

INDICATOR_TEXTS: Texts = {
    "sv": {
        "sign_out": "Logga ut", "all_indicators": "Alla indikatorer",
        "as_of_label": "Visa läget den", "show": "Visa", "latest": "Senaste",
        "as_of_note": "Visar läget vid slutet av",
        "bad_date": "Datumet kunde inte läsas; de senaste siffrorna visas.",
        "future_date": "Datumet har inte kommit än; de senaste siffrorna visas.",
        "indicator": "Indikator", "unit": "Enhet", "area": "Område",
        "nothing": "Det finns inga värden för indikatorn i området ännu.",
        "latest_value": "Senaste värde", "year_ago": "Ett år tidigare", "change": "Förändring",
        "same_period": "Samma period", "over_time": "Utveckling över tid",
        "period_length": "Periodlängd", "g_month": "Månad", "g_quarter": "Kvartal",
        "g_half": "Halvår", "g_year": "År",
        "compared_with": "Jämförs med", "no_others": "Det finns inga andra områden att "
                                                     "jämföra med.",
        "missing_others": "Det finns inga värden för indikatorn ännu i",
        "parts_left_out": "Perioder där bara en del av månaderna har kommit in visas inte i "
                          "diagrammet.",
        "details": "Teknisk information", "code": "Indikatorns kod", "area_code": "Områdets kod",
        "other_areas": "välj ett annat område",
        "abbreviations": "Förkortningar",
        "latest_periods": "Senaste perioderna", "newest_first": "de senaste perioderna, "
                                                                "nyaste först",
        "period": "Period", "value": "Värde", "status": "Status",
        "final": "Definitiv", "provisional": "Preliminär",
        "part": "Del av perioden:", "of": "av", "months": "månader",
        "provisional_note": "Preliminär: alla uppgifter för perioden har inte kommit in ännu, "
                            "värdet kan ändras.",
        "download": "Ladda ner", "csv_note": "kalkylark, analys",
        "sdmx_note": "statistikstandarden", "fye_detail": "Helårsekvivalenter i detalj för",
        "points": "procentenheter",
    },
    "en": {
        "sign_out": "Sign out", "all_indicators": "All indicators",
        "as_of_label": "Show as of", "show": "Show", "latest": "Latest",
        "as_of_note": "Showing the figures as they stood at the end of",
        "bad_date": "The date could not be read; the latest figures are shown.",
        "future_date": "The date is in the future; the latest figures are shown.",
        "indicator": "Indicator", "unit": "Unit", "area": "Area",
        "nothing": "No values for this indicator and area yet.",
        "latest_value": "Latest value", "year_ago": "A year earlier", "change": "Change",
        "same_period": "Same period", "over_time": "Over time",
        "period_length": "Period length", "g_month": "Month", "g_quarter": "Quarter",
        "g_half": "Half-year", "g_year": "Year",
        "compared_with": "Compared with", "no_others": "There are no other areas to compare "
                                                      "with.",
        "missing_others": "The indicator has no values yet for",
        "parts_left_out": "Periods with only some months in are left out of the chart.",
        "details": "Technical details", "code": "Indicator code", "area_code": "Area code",
        "other_areas": "choose another area",
        "abbreviations": "Abbreviations",
        "latest_periods": "Latest periods", "newest_first": "the latest periods, newest first",
        "period": "Period", "value": "Value", "status": "Status",
        "final": "Final", "provisional": "Provisional",
        "part": "Part of the period:", "of": "of", "months": "months",
        "provisional_note": "Provisional: not all inputs for the period are in yet; the value "
                            "may change.",
        "download": "Download", "csv_note": "spreadsheets, analysis",
        "sdmx_note": "the statistics exchange standard",
        "fye_detail": "Full-year equivalents in detail for", "points": "percentage points",
    },
}

# samstat's own indicators (the plan's come from the registry): a title per language.
OWN_TITLES: Texts = {
    "sv": {
        "fye_share": "Helårsekvivalenter, andel av befolkningen 20–64 år",
        "fye_share_official": "Helårsekvivalenter enligt SCB, andel av befolkningen 20–64 år",
        "fye_reconciliation": "Helårsekvivalenter: samstats beräkning minus SCB:s siffra",
    },
    "en": {
        "fye_share": "Full-year equivalents, share of the population aged 20–64",
        "fye_share_official": "Full-year equivalents according to Statistics Sweden, share of "
                              "the population aged 20–64",
        "fye_reconciliation": "Full-year equivalents: samstat's figure minus Statistics "
                              "Sweden's",
    },
}

INDEX_TEXTS: Texts = {
    "sv": {
        "title": "Indikatorer", "fye": "Helårsekvivalenter",
        "fye_lead": "Andelen av befolkningen 20–64 år som försörjs av ersättningar, per år och "
                    "månad, jämfört med regionen, länet och riket.",
        "wide": "Riket, länet och förbundet", "municipalities": "Kommunerna",
        "all": "Alla indikatorer med värden", "none": "Inga ännu.",
        "own": "samstats egna beräkningar", "initiative": "Initiativ",
        "in_report": "i uppföljningen", "overarching": "Övergripande indikatorer",
        "other": "Övriga indikatorer", "abbreviations": "Förkortningar",
    },
    "en": {
        "title": "Indicators", "fye": "Full-year equivalents",
        "fye_lead": "The share of the population aged 20–64 supported by benefits, by year and "
                    "month, beside the region, the county and the nation.",
        "wide": "The nation, the county and the association", "municipalities":
            "The municipalities",
        "all": "All indicators with values", "none": "None yet.",
        "own": "samstat's own figures", "initiative": "Initiative",
        "in_report": "in the follow-up", "overarching": "Overarching indicators",
        "other": "Other indicators", "abbreviations": "Abbreviations",
    },
}

AREAS_TEXTS: Texts = {
    "sv": {"all_indicators": "Alla indikatorer", "choose": "Välj område:",
           "wide": "Riket, länet och förbundet", "municipalities": "Områden med värden"},
    "en": {"all_indicators": "All indicators", "choose": "Choose an area:",
           "wide": "The nation, the county and the association",
           "municipalities": "Areas with values"},
}

NOT_FOUND_TEXTS: Texts = {
    "sv": {"title": "Hittades inte", "all_indicators": "Alla indikatorer",
           "unknown_area": "Det finns inget område med koden",
           "unknown_area_any": "Det finns inget sådant område", "no_values":
           "Det finns inga värden för indikatorn", "back": "Till alla indikatorer"},
    "en": {"title": "Not found", "all_indicators": "All indicators",
           "unknown_area": "There is no area with the code",
           "unknown_area_any": "There is no such area", "no_values":
           "There are no values for the indicator", "back": "To all indicators"},
}
