"""The 2024 plan ("Samverkansinitiativ 2024", Samordningsförbundet Umeåregionen) as data.

Transcribed from the Swedish source document (seed 004); the OCR lost the diacritics, which are
restored here. Choices where the document is ambiguous or contradicts itself:

* Conveners are agency codes. "Socialtjänsten", "AMI" and "Gymnasieskolan" are units of Umeå
  municipality, so they are ``kommun-2480`` with the unit's name in ``convener_unit``; so is
  initiative 4's "särskild styrgrupp" (Umeå's social services and AMI).
* ``follow_up_owner`` is the first organisation the document names as *ansvarig för
  uppföljning*; the full wording is in ``follow_up_owner_text``. Initiative 5 names no
  follow-up owner; like domain.md we read it from *Ansvar* (Socialtjänsten and the Region).
  Initiative 13 names none, so it has none.
* Feasibility, status and impact come from the analysis group's assessment of each
  initiative. The overview tables disagree for a few: no. 9 (table: medel/lång, text: svårt/lång
  tid), no. 10 (table: lätt/kort, pågående; text: ej bedömd, under start), nos. 12 and 13
  (table: svår/lång; text: medelsvårt/lång tid).
* "kommunerna" are the six member municipalities; *nuläge* is dated June 2023 (2023-06-01).
* The document has no initiative 11.

The texts are in :mod:`.seed_2024_ill_health` (1–5) and :mod:`.seed_2024_unemployment`
(6–10, 12, 13); indicators and contacts in :mod:`.seed_2024_indicators`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from services.initiatives.registry.seed_2024_ill_health import ILL_HEALTH
from services.initiatives.registry.seed_2024_indicators import CONTACTS, INDICATORS
from services.initiatives.registry.seed_2024_unemployment import PREVENTION, UNEMPLOYMENT

__all__ = ["CONTACTS", "INDICATORS", "INITIATIVES", "PLAN_DECIDED_AT", "PLAN_STATUS", "YEAR"]

YEAR = 2024
PLAN_STATUS = "decided"
PLAN_DECIDED_AT: date | None = None  # "senast den 30 november"; the exact date is not given
NULAGE = date(2023, 6, 1)  # "Nuläge juni 2023"

INITIATIVES: list[dict[str, Any]] = [
    ini | {"current_state_date": NULAGE} for ini in (*ILL_HEALTH, *UNEMPLOYMENT, *PREVENTION)
]
