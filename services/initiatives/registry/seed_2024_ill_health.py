"""Seed 2024, area ohälsa (ill-health): initiatives 1–5. See :mod:`.seed_2024`."""

from __future__ import annotations

from typing import Any

from services.initiatives.registry.seed_common import AF, FK, KOMMUNERNA, REGION, UMEA, lines

ILL_HEALTH: list[dict[str, Any]] = [
    {
        "number": 1, "title": "Unga med aktivitetsersättning", "area": "ill_health",
        "parties": [REGION, FK, AF, *KOMMUNERNA], "parties_text": "Regionen/FK/AF och kommunerna",
        "convener": FK, "responsible": "Styrgruppen för Ungdomstorget/Vuxentorget",
        "follow_up_owner": UMEA,
        "follow_up_owner_text": "Processledare och koordinatorer, Arbetsmarknadstorgen samt "
                                "Försäkringskassan",
        "feasibility": {"difficulty": "easy", "duration": "long"}, "status": "ongoing",
        "impact": 2,
        "activities": [
            "Prioritera att identifiera och anvisa unga till aktiva insatser mot arbete.",
            "Ha ett förhållningssätt att ”våga prova” dvs. påbörja insatser och planera "
            "parallella arbetslivsinriktade-, medicinska- och sociala insatser.",
            "Inom vården utveckla rutiner och intern samordning gällande unga med "
            "aktivitetsersättning inkl. sjukskrivnings- och rehabiliteringsplan.",
            "Se över förutsättningarna att förenkla inflödet till Arbetsmarknadstorgen.",
            "Föra en kontinuerlig dialog på strategisk nivå mellan Region och "
            "Försäkringskassan kring aktivitetsersättning.",
        ],
        "goals": ["Andelen unga med aktivitetsersättning som prövas mot arbete/studier ska öka "
                  "i Umeåregionen."],
        "current_state": lines(
            "Försäkringskassan och vården har aktualiserat fler unga som uppbär "
            "aktivitetsersättning till Arbetsmarknadstorgen.",
            "En kartläggning i sydöstra Västerbotten visar att 45 gemensamma kartläggningar "
            "gjorts varav ca. 23 anvisats vidare till Arbetsmarknadstorgen i Umeåregionen, varav "
            "21 personer aktualiserats till Ungdomstorget via Försäkringskassan.",
            "Vården i Umeåregionen håller en högre nivå att skicka impulser till "
            "Försäkringskassan när de ser behov av arbetslivsinriktad rehabilitering än övriga "
            "närsjukvårdsområden i Västerbotten.",
            "Försäkringskassan har haft ett utbildningstillfälle för läkare i Västerbotten "
            "gällande aktivitetsersättning.",
            "Regionen kartlägger rutiner, kunskap och för en dialog med Försäkringskassan för "
            "att se vilka insatser som behöver utvecklas för individer i behov av bedömning och "
            "rätt insatser.",
        ),
        "board_comment": lines(
            "Initiativet är viktigt och ska vara kvar.",
            "Alla aktiviteter är viktiga och ska vara kvar. Särskilt är punkt 1 viktig att "
            "skynda på.",
            "Att våga prova på är viktigt.",
            "Viktigt med lågtröskelalternativ.",
            "Fler behöver tidigt anvisas till insatser.",
            "Alla behöver vara i ett sammanhang och en tillhörighet för att undvika långvarigt "
            "utanförskap.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är lätt att genomföra då det handlar om rutiner men tar lång tid att "
            "implementera.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 2 (1-5).",
            "Utvecklingsarbetet har pågått i över ett år.",
        ),
    },
    {
        "number": 2, "title": "Medicinska underlag sjukskrivna arbetslösa", "area": "ill_health",
        "parties": [REGION, FK], "parties_text": "Regionen/Försäkringskassan",
        "convener": FK, "responsible": "Försäkringskassan och Regionen",
        "follow_up_owner": FK, "follow_up_owner_text": "Försäkringskassan",
        "feasibility": {"difficulty": "easy", "duration": "long"}, "status": "ongoing",
        "impact": 3,
        "activities": [
            "Robertsfors hälsocentral, Affektiv mottagning och Alidhems hälsocentral tar fram "
            "rutiner för att tidigare ta ställning till arbetslivsinriktade insatser för "
            "sjukskrivna patienter som är arbetslösa.",
            "Utbildningsinsats för handläggarna på Försäkringskassan i Våga prova och GK.",
            "Försäkringskassan informerar vid behov enheter hos vården om möjligheter till "
            "arbetslivsinriktade/arbetsförberedande insatser, gemensam kartläggning och vikten "
            "av impulser från vården. Samordningsteamen och Torgen kan vid behov också informera "
            "vid mötena med vården.",
        ],
        "goals": ["Arbetslösa sjukskrivna ska tidigare komma ut i arbetslivsinriktade "
                  "insatser."],
        "current_state": lines(
            "Affektiva mottagningen, Robertsfors hälsocentral och Alidhems hälsocentral deltar i "
            "projektet hittills. De har fått bakgrundsinformation samt börjat arbeta med att ta "
            "fram egna rutiner för att hantera sjukskrivna arbetslösa. Affektiva mottagningen har "
            "nu en rutin med försäkringsmedicinska ronder var tredje vecka där denna målgrupp "
            "lyfts. Hos Robertsfors hälsocentral och Alidhems hälsocentral pågår arbete med att "
            "ta fram rutiner. Uppföljning med dessa tre enheter sker den 1 juni.",
            "Försäkringskassan har haft informationsmöte för vårdpersonal på Region Västerbotten "
            "den 9 maj och informerat om arbetslivsinriktade/arbetsförberedande insatser, "
            "gemensam kartläggning och impulser från vården. Information och dialog kring detta "
            "har också genomförts för läkargrupp på psykiatrin i Umeå den 17 maj.",
        ),
        "board_comment": lines(
            "Initiativet är viktigt och ska vara kvar.",
            "Bör spridas till fler hälsocentraler och kliniker i en bred implementering.",
            "Lärdom och utgångspunkt i den uppföljning som är planerad att genomföra i juni "
            "(förutsatt att den var positiv).",
            "Via läkarintyg få kunskap om inom vilka områden det finns arbetsförmåga.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är lätt att genomföra då det handlar om rutiner.",
            "Det tar lång tid att implementera.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 3 (1-5).",
            "Utvecklingsarbetet har pågått ett och ett halvt år.",
        ),
    },
    {
        "number": 3, "title": "Sjukskrivningsmönster", "area": "ill_health",
        "parties": [REGION, FK], "parties_text": "Regionen/FK",
        "convener": FK, "responsible": "Försäkringskassan och Regionen",
        "follow_up_owner": REGION, "follow_up_owner_text": "Regionen och Försäkringskassan",
        # The assessment gives no duration; the overview table says "lång tid".
        "feasibility": {"difficulty": "easy", "duration": "long"}, "status": "ongoing",
        "impact": 3,
        "activities": [
            "1 gång/år genomföra en gemensam kartläggning av sjukskrivningsmönster för "
            "sjukskrivande enheter i Umeå och kranskommuner utifrån respektive organisations "
            "statistik och faktaunderlag. Finns det enheter som sticker ut i fråga om diagnoser, "
            "inflöde, sjukskrivningslängd eller heltid/deltid bör insatser planeras tillsammans "
            "med berörd enhet eller område för att påverka det. Kartläggningen kan också leda "
            "till att man behöver göra fördjupade utredningar vad skillnader beror på.",
        ],
        "goals": ["Att den gemensamma analysen ger en uppdaterad bild över Umeåregionens "
                  "sjukskrivningsmönster och att en gemensam dialog startas med de enheter som "
                  "avviker, för att utreda vilka förändringar/initiativ som kan vara aktuella."],
        "current_state": lines(
            "En gemensam kartläggning av sjukskrivningsmönster genomfördes i februari 2023. Det "
            "fanns enheter/områden som stack ut i statistiken och utifrån det har vi startat upp "
            "gemensamma insatser hos en enhet och område samt planering av kommande insatser "
            "inom ytterligare områden.",
            "Den gemensamma kartläggningen kommer fortsatt ske regelbundet 1 ggr/år i februari.",
        ),
        "board_comment": lines(
            "Initiativet är viktigt och ska vara kvar.",
            "Förslag på ny aktivitet är att göra kartläggningarna kända på ett bättre sätt.",
            "Använd SIP.",
            "Dialog med läkare kring åtgärder för rehabilitering, när är sjukskrivning aktuellt "
            "och varför. Inte standardlösning.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är lätt att genomföra då det handlar om rutiner.",
            "Rutinen finns och genomförs årligen.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 3 (1-5).",
            "Utvecklingsarbetet har pågått i mer än två år.",
        ),
    },
    {
        "number": 4,
        "title": "Flöden mellan daglig verksamhet och arbetslivsinriktad rehabilitering",
        "area": "ill_health", "parties": [UMEA], "parties_text": "Umeå kommun",
        "convener": UMEA,
        "convener_unit": "Särskild styrgrupp (Socialtjänsten och Arbetsmarknad- och "
                         "integrationsavdelningen)",
        "responsible": "Umeå kommun Socialtjänst, Arbetsmarknad- och integrationsavdelningen. "
                       "Vid behov av sakkunskap om t.ex. regelverk Försäkringskassan, "
                       "Arbetsförmedlingen.",
        "follow_up_owner": UMEA, "follow_up_owner_text": "Processledare Torgen och Arbetsgrupp",
        "feasibility": {"difficulty": "easy", "duration": "short"}, "status": "ongoing",
        "impact": 1,
        "activities": [
            "Socialtjänsten (främst LSS/SoL myndighetsutövning samt Daglig verksamhet) i "
            "samverkan med Arbetsmarknad- och integrationsavdelningen, inkl. Ungdoms- och "
            "Vuxentorget, utvecklar processer och rutiner (utifrån identifierade "
            "utvecklingsområden) för att möjliggöra förbättrade möjligheter till att erbjuda "
            "rätt insatser utifrån behov.",
        ],
        "goals": [
            "Ökad egenförsörjning för personer med funktionsnedsättning.",
            "Fler personer med funktionsnedsättningar ska erbjudas arbete eller studier.",
            "Att erbjuda rätt insats för att möjliggöra ett självständigt liv och "
            "egenförsörjning samt bryta rundgång.",
            "Att få till ett flöde som stöttar individers möjlighet till utveckling och "
            "motverka inlåsning.",
        ],
        "current_state": lines(
            "Workshop genomförd. Rutin tas fram för flödet från Daglig verksamhet till Torgen. "
            "För flödet från Torgen till insats inom Socialtjänsten finns förbättringsförslag "
            "som ska arbetas vidare med under hösten.",
            "Underlag har tagits fram angående volymer samt beskrivning av behov angående de "
            "personer som ej har arbetsförmåga, men inte heller berättigad till LSS/SoL-beslut, "
            "som går tillbaka till försörjningsstöd från prövning som vi idag ej har lämplig "
            "insats för. Arbete med att hitta åtgärder utifrån fynden i underlaget genomförs "
            "under hösten.",
        ),
        "board_comment": lines(
            "Initiativet ska vara kvar, viktigt för individerna i målgruppen.",
            "Fördjupning vad gäller ersättningsfrågor.",
            "Arbete pågår med strukturer mellan sysselsättning och arbetslivsrehabilitering. Där "
            "personer utifrån behov kan få rätt insats i rätt tid dvs. gå mellan "
            "insatser/insatsområden.",
            "Samstart är en viktig insats i sammanhanget.",
            "Det finns många funktioner runt individen som kan bidra till att se förmågor hos "
            "individen.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är lätt att genomföra och tar kort tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 1 (1-5).",
            "Utvecklingsarbetet har pågått sedan förra hösten.",
        ),
    },
    {
        "number": 5,
        "title": "Personer med lång tid i försörjningsstöd på grund av ohälsa",
        "area": "ill_health", "parties": [REGION, *KOMMUNERNA, FK],
        "parties_text": "Regionen/Socialtjänsterna och Försäkringskassan",
        "convener": UMEA, "convener_unit": "Socialtjänsten (Försörjningsstödet)",
        "responsible": "Socialtjänsten (Försörjningsstödet) och Regionen",
        "follow_up_owner": UMEA,
        "follow_up_owner_text": "Socialtjänsten (Försörjningsstödet) och Regionen",
        "feasibility": {"difficulty": "medium", "duration": "long"}, "status": "ongoing",
        "impact": 2,
        "activities": [
            "Socialtjänst och Region samverkar för att säkerställa en aktiv sjukskrivnings- och "
            "rehabiliteringsprocess som möjliggör rätt stöd till arbetslivsinriktad "
            "rehabilitering. Samverkan ska utgå från individens rätt till bästa möjliga "
            "funktionsförmåga och självständighet utifrån sina förutsättningar.",
            "Försäkringskassan återkopplar behov av samverkan på strukturell nivå till "
            "Socialtjänsten i syfte att förbättra processen utifrån individens behov.",
            "Bjuda in kommuner till Regionens Försäkringsmedicinska forum våren 2024.",
        ],
        "goals": [
            "Samverkan mellan Region och Socialtjänst leder till trygghet och tydlighet för "
            "individen.",
            "Fler personer med långvarigt försörjningsstöd på grund av ohälsa som har en aktiv "
            "åtgärd.",
            "På sikt: Att utvecklas tillsammans, träffas för att öka förståelsen för varandras "
            "förutsättningar m.m.",
            "Intygen från vården tydliggör nästa steg för individen.",
        ],
        "current_state": lines(
            "Ett förslag på tydliggjort flöde för personer i försörjningsstöd på grund av ohälsa "
            "har tagits fram och ska förankras i respektive organisation. Samverkan mellan "
            "Kommun och Region är central och aktiviteter för att stärka detta samarbete "
            "planeras framöver.",
        ),
        "board_comment": lines(
            "Initiativet är viktigt och ska vara kvar.",
            "SIP kan användas som verktyg.",
            "Aktualisera in arbetsmarknadsinsatser.",
            "Det tar tid – Uthållighet!",
            "Vårt uppdrag är att personer inte ska hamna i långvarigt utanförskap. Vi behöver "
            "arbeta tidigt och samordnat.",
            "Vi saknar forum för att samverka runt denna målgrupp (NAFS).",
            "Samordningsförbundet kan spela en roll i att utbilda/utveckla rutiner för hur SIP "
            "ska användas i de här fallen – rätt skött borde det arbetet kunna fylla NAFS roll.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är medelsvårt att genomföra men tar lång tid att implementera.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 2 (1-5).",
            "Utvecklingsarbetet har pågått sedan hösten 2022.",
        ),
    },
]
