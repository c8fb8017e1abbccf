"""Seed 2024: the indicators as formulas over catalogue measures, and the conveners' contacts.

Each indicator is what the document lists under *Indikatorer*. A direction rule
(``yoy_wrong_direction``) is set only where the document says which way the figure must go
("ska öka", "förkorta", "minska" in the goals); the other indicators are followed without an
alert. Milestones get a target of 1 by the date the document gives. Initiative 12's indicator
in the document is the collection plan itself ("start statistikinsamling av första årskullen
vårterminen 2023 ... planerat undersöka tre årskullar"); its indicators here are the per-cohort
outcomes that plan collects.
"""

from __future__ import annotations

from typing import Any

from services.initiatives.registry.seed_common import (
    AF,
    FK,
    KV,
    MEMBER_AREAS,
    REGION,
    SF,
    UMEA,
)

REGION_AREA = ["umearegionen"]
UMEA_AREA = ["2480"]
RISE = [{"kind": "yoy_wrong_direction", "direction": "rise", "tolerance": 0}]
FALL = [{"kind": "yoy_wrong_direction", "direction": "fall", "tolerance": 0}]
FOREIGN_BORN = ["europe", "outside_europe"]


def _filters(measure: str, **dimensions: str | list[str]) -> dict[str, Any]:
    return {"measure": measure, "dimensions": dimensions}


def _of(kind: str, measure: str, **dimensions: str | list[str]) -> dict[str, Any]:
    return {"kind": kind, "filters": _filters(measure, **dimensions)}


def _ratio(numerator: dict[str, Any], denominator: dict[str, Any],
           complement: bool = False) -> dict[str, Any]:
    formula = {"kind": "ratio", "numerator": numerator, "denominator": denominator}
    return formula | {"complement": True} if complement else formula


def _milestone(code: str, initiative: int, title_sv: str, title_en: str, milestone: str,
               due: str) -> dict[str, Any]:
    """Done (1) once the milestone is reported, by the date the document gives."""
    return _ind(code, initiative, title_sv, title_en, "done",
                _of("milestone", "milestone", milestone=milestone),
                [{"kind": "target_missed"}], areas=REGION_AREA,
                target={"value": 1, "direction": "rise", "date": due})


def _ind(code: str, initiative: int | None, title_sv: str, title_en: str, unit: str,
         formula: dict[str, Any], rules: list[dict[str, Any]] | None = None,
         areas: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"id": code, "initiative": initiative, "title_sv": title_sv, "title_en": title_en,
            "unit": unit, "formula": formula, "rules": rules or [],
            "areas": list(areas or MEMBER_AREAS)} | extra


def _ea_share(initiative: int, cause: str, duration: str, label_sv: str, label_en: str,
              rules: list[dict[str, Any]] | None) -> dict[str, Any]:
    """Share of economic-assistance recipients in a duration band with the given cause."""
    band = duration.replace("-", "_").replace("+", "_plus")
    code = "sick_listed" if cause == "ill_health" else "unemployed"
    months = {"0-10": "0–10 månader", "11-36": "11–36 månader",
              "36+": "36 månader eller mer"}[duration]
    return _ind(
        f"i{initiative:02d}_ea_{code}_share_{band}", initiative,
        f"Andel med försörjningsstöd {months} som {label_sv}",
        f"Share of economic-assistance recipients ({duration} months) {label_en}", "share",
        _ratio(_filters("econ_assistance_recipients", duration=duration, cause=cause, sex="_T"),
               _filters("econ_assistance_recipients", duration=duration, cause="_T", sex="_T")),
        rules, areas=MEMBER_AREAS if initiative == 5 else UMEA_AREA,
    )


INDICATORS: list[dict[str, Any]] = [
    # The overarching indicator, exactly as docs/contracts-internal.md shows it.
    _ind("fye_share", None, "Helårsekvivalenter, andel av befolkningen 20–64",
         "FYE share of population 20–64", "share", {"kind": "fye_share"},
         [{"kind": "yoy_rise", "tolerance": 0.005}], convener=SF, follow_up_owner=SF),
    # 1. Unga med aktivitetsersättning (statistik från Umeå och krans)
    _ind("i01_ae_youth_in_torget", 1,
         "Unga med aktivitetsersättning som deltar i Arbetsmarknadstorgen",
         "Young people with activity compensation taking part in Arbetsmarknadstorgen",
         "persons", _of("sum", "torget_activity_comp_participants", torget="_T", sex="_T"),
         RISE),
    _ind("i01_ae_youth_gk_referrals", 1,
         "Unga med aktivitetsersättning som aktualiseras till GK",
         "Young people with activity compensation referred to joint mapping (GK)", "persons",
         _of("sum", "gk_referrals", group="young_activity_compensation", sex="_T"), RISE,
         follow_up_owner=FK),
    # 2. Medicinska underlag sjukskrivna arbetslösa
    _ind("i02_sick_case_days_to_gk", 2,
         "Genomsnittlig sjukfallslängd till aktualisering GK för sjukskrivna arbetslösa",
         "Average sick-case length until referral to GK, sick-listed unemployed", "days",
         _of("mean", "sick_case_days_to_gk", sex="_T"), FALL),
    # 3. Sjukskrivningsmönster: the yearly joint review in February, and one of the figures
    # it compares.
    _milestone("i03_sick_leave_pattern_review", 3,
               "Gemensam kartläggning av sjukskrivningsmönster (FK och Regionen) genomförd",
               "Joint FK–Region review of sick-leave patterns held",
               "sick_leave_pattern_review", "2024-02-29"),
    _ind("i03_part_time_sick_leave_share", 3, "Andel deltidssjukskrivningar av läkarintygen",
         "Part-time share of sick-leave certificates", "share",
         _ratio(_filters("sick_leave_certificates", extent="part_time", diagnosis="_T",
                         sex="_T"),
                _filters("sick_leave_certificates", extent="_T", diagnosis="_T", sex="_T"))),
    # 4. Flöden mellan daglig verksamhet och arbetslivsinriktad rehabilitering (Umeå)
    _ind("i04_torget_discharges_to_occupation", 4,
         "Personer som skrivs ut från Arbetsmarknadstorgen mot behov av sysselsättning",
         "Persons discharged from Arbetsmarknadstorgen to daily occupation", "persons",
         _of("sum", "torget_discharges_to_occupation", sex="_T"), areas=UMEA_AREA),
    _ind("i04_daily_activity_to_work_rehab", 4,
         "Personer i daglig verksamhet som går från sysselsättning till "
         "arbetsrehabilitering/prövning",
         "Persons in daily activity moving on to work rehabilitation or work trial", "persons",
         _of("sum", "daily_activity_transitions", destination="work_rehabilitation", sex="_T"),
         RISE, areas=UMEA_AREA),
    _ind("i04_daily_activity_to_work_studies", 4,
         "Personer i daglig verksamhet som går från sysselsättning till arbete, studier",
         "Persons in daily activity moving on to work or studies", "persons",
         _of("sum", "daily_activity_transitions", destination=["work", "studies"], sex="_T"),
         RISE, areas=UMEA_AREA),
    # 5. Personer med lång tid i försörjningsstöd på grund av ohälsa
    *(_ea_share(5, "ill_health", band, "är sjukskrivna med läkarintyg",
                "sick-listed with a medical certificate", None)
      for band in ("0-10", "11-36", "36+")),
    _ind("i05_ea_ill_health_mean_months", 5,
         "Varaktighet i försörjningsstöd med ohälsa som orsak, snitt av bidragsmånader "
         "(nov–okt)",
         "Mean months on economic assistance with ill-health as cause (Nov–Oct)", "months",
         _of("mean", "econ_assistance_mean_months", cause="ill_health"), FALL),
    _ind("i05_sip_count_ea", 5, "Antal SIP för personer med försörjningsstöd",
         "Coordinated individual plans (SIP) for economic-assistance recipients", "plans",
         _of("sum", "sip_count", group="economic_assistance")),
    # 6. Arbetssökande som saknar gymnasieutbildning
    _ind("i06_transitions_to_studies_short_educated", 6,
         "Omsättning till reguljära studier för unga som ej påbörjat eller slutfört samt för "
         "vuxna kortutbildade",
         "Transitions to regular studies, job seekers without upper-secondary education",
         "persons",
         _of("sum", "jobseeker_transitions", destination="studies", group="_T",
             disability="_T", education="below_upper_secondary"), RISE),
    # 7. Arbetssökande med funktionsnedsättning
    _ind("i07_disabled_transitions_work_studies", 7,
         "Omsättning till arbete/reguljära studier för funktionsnedsatta",
         "Transitions to work or regular studies, job seekers with disabilities", "persons",
         _of("sum", "jobseeker_transitions", destination="_T", group="_T", disability="yes",
             education="_T"), RISE),
    # 8. Utrikesfödda arbetslösa
    _ind("i08_foreign_born_share_of_unemployed", 8, "Utrikesfödda som andel av arbetslösheten",
         "Foreign-born share of the unemployed", "share",
         _ratio(_filters("unemployed_persons", birth_region=FOREIGN_BORN, duration="_T"),
                _filters("unemployed_persons", birth_region="_T", duration="_T")), FALL),
    _ind("i08_unemployment_rate_foreign_born", 8, "Arbetslöshet utrikes födda",
         "Unemployment rate, foreign-born", "percent",
         _of("mean", "unemployment_rate", birth_region="foreign_born"), FALL),
    _ind("i08_long_term_unemployed_foreign_born", 8, "Antal långtidsarbetslösa utrikes födda",
         "Long-term unemployed, foreign-born", "persons",
         _of("sum", "unemployed_persons", birth_region=FOREIGN_BORN, duration="long"), FALL),
    _ind("i08_unemployed_born_outside_europe", 8, "Antal arbetslösa utomeuropeiskt födda",
         "Unemployed born outside Europe", "persons",
         _of("sum", "unemployed_persons", birth_region="outside_europe", duration="_T"), FALL),
    # 9. Motverka långa tider i försörjningsstöd på grund av arbetslöshet (Umeå)
    _ind("i09_matching_identified", 9,
         "Antal ärenden som förhandsbedömningen identifierat som aktuella för matchning mot "
         "arbetsmarknadsinsatser",
         "Cases identified for matching against labour-market measures", "persons",
         _of("sum", "matching_cases", stage="identified"), areas=UMEA_AREA),
    _ind("i09_matching_closed_6m_share", 9,
         "Andel ärenden som avslutats 6 månader efter aktualisering till ”Matchen”",
         "Share of cases closed 6 months after referral to Matchen", "share",
         _ratio(_filters("matching_cases", stage="closed_6m"),
                _filters("matching_cases", stage="referred")), RISE, areas=UMEA_AREA),
    _ea_share(9, "unemployment", "0-10", "befinner sig i arbetslöshet", "who are unemployed",
              None),
    # The goal: the share with *long* assistance because of unemployment must fall.
    *(_ea_share(9, "unemployment", band, "befinner sig i arbetslöshet", "who are unemployed",
                FALL) for band in ("11-36", "36+")),
    _ind("i09_ea_unemployment_mean_months", 9,
         "Varaktighet i försörjningsstöd som befinner sig i arbetslöshet, snitt av "
         "bidragsmånader (nov–okt)",
         "Mean months on economic assistance with unemployment as cause (Nov–Oct)", "months",
         _of("mean", "econ_assistance_mean_months", cause="unemployment"), FALL,
         areas=UMEA_AREA),
    _ind("i09_not_reactualised_share", 9,
         "Andel ej återaktualiserade personer med försörjningsstöd",
         "Share of closed cases not re-referred to economic assistance", "share",
         _ratio(_filters("matching_cases", stage="reactualised"),
                _filters("matching_cases", stage="closed_6m"), complement=True), RISE,
         areas=UMEA_AREA),
    # 10. Översyn av Krami
    _milestone("i10_krami_joint_proposal", 10,
               "Ett färdigt gemensamt förslag till reformerad lokal Kramiverksamhet",
               "A finished joint proposal for a reformed local Krami",
               "krami_joint_proposal", "2024-12-31"),
    # 12. Unga som saknar behörighet till gymnasiet - IM: per cohort (Umeå)
    _ind("i12_im_to_national_programme_share", 12,
         "Andel av IM-årskullen som går vidare till gymnasiet",
         "Share of the IM cohort going on to a national upper-secondary programme", "share",
         _ratio(_filters("im_cohort_pupils", outcome="to_national_programme"),
                _filters("im_cohort_pupils", outcome="intake")), RISE, areas=UMEA_AREA),
    _ind("i12_im_diploma_share", 12, "Andel av IM-årskullen som tar en gymnasieexamen",
         "Share of the IM cohort taking an upper-secondary diploma", "share",
         _ratio(_filters("im_cohort_pupils", outcome="diploma"),
                _filters("im_cohort_pupils", outcome="intake")), RISE, areas=UMEA_AREA),
    _ind("i12_im_dropout_share", 12, "Andel avhopp från IM",
         "Drop-out share from the introduction programmes (IM)", "share",
         _ratio(_filters("im_cohort_pupils", outcome="dropout_im"),
                _filters("im_cohort_pupils", outcome="intake")), FALL, areas=UMEA_AREA),
    _ind("i12_gy_dropout_share", 12, "Andel avhopp från GY",
         "Drop-out share from the national programmes (GY)", "share",
         _ratio(_filters("im_cohort_pupils", outcome="dropout_gy"),
                _filters("im_cohort_pupils", outcome="to_national_programme")), FALL,
         areas=UMEA_AREA),
    # 13. Säker digital kommunikation - SDK: "på plats under 2024"
    _milestone("i13_sdk_prerequisites", 13, "Förutsättningar för SDK finns på plats",
               "Prerequisites for secure digital communication (SDK) in place",
               "sdk_prerequisites", "2024-12-31"),
]

# Role mailboxes of the organisations that convene initiatives (and Region Västerbotten, which
# owns the follow-up of initiative 3). Example domains only.
CONTACTS: list[dict[str, Any]] = [
    {"agency": AF, "email": "sammankallande@arbetsformedlingen.example"},
    {"agency": FK, "email": "sammankallande@forsakringskassan.example"},
    {"agency": UMEA, "email": "sammankallande@umea.kommun.example"},
    {"agency": KV, "email": "sammankallande@kriminalvarden.example"},
    {"agency": REGION, "email": "uppfoljning@regionvasterbotten.example"},
    {"agency": SF, "email": "sammankallande@samordningsforbundet.example"},
]
