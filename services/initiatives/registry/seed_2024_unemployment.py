"""Seed 2024, areas arbetslöshet (6–10) and förebyggande (12, 13). See :mod:`.seed_2024`."""

from __future__ import annotations

from typing import Any

from services.initiatives.registry.seed_common import (
    AF,
    FK,
    KOMMUNERNA,
    KV,
    REGION,
    SF,
    UMEA,
    lines,
)

UNEMPLOYMENT: list[dict[str, Any]] = [
    {
        "number": 6, "title": "Arbetssökande som saknar gymnasieutbildning",
        "area": "unemployment", "parties": [AF, *KOMMUNERNA],
        "parties_text": "Arbetsförmedlingen/Arbetsmarknadsavdelningarna",
        "convener": AF,
        "responsible": "Arbetsförmedlingen/Arbetsmarknads- och integrationsavdelningarna",
        "follow_up_owner": AF, "follow_up_owner_text": "Arbetsförmedlingen",
        "feasibility": {"difficulty": "hard", "duration": "long"}, "status": "ongoing",
        "impact": 5,
        "activities": [
            "Aktivt sprida information i hela Umeåregionen om kommande utbildningsmässor.",
            "Arbetsförmedlingen anvisar arbetslösa till reguljära studier.",
            "Utbildningskoordinatorerna stöttar och motiverar.",
            "Utbildningskoordinatorerna vägleder medarbetare i samverkan.",
            "Arbetsförmedlingens och Arbetsmarknad- och integrationsavdelningens "
            "utbildningskoordinatorer utvecklar metoder och samarbete för måluppfyllelsen.",
            "Göra en analys över utfallet inför en ev. implementering i slutet av året.",
        ],
        "goals": ["Ökad omsättning till reguljära studier för unga som ej påbörjat eller "
                  "slutfört studier samt för vuxna kortutbildade."],
        "current_state": lines(
            "Arbetsförmedlingen har under året haft ett antal utbildningsmässor främst med fokus "
            "på arbetsmarknadsutbildningar. Det är en återkommande aktivitet även under 2023. "
            "Målgruppen är bl.a. långtidsarbetslösa inom ”Jobb- och utvecklingsgarantin”, samt "
            "personer i slutfas av insatsen ”Rusta och matcha”. Det finns ett samarbete mellan "
            "Umeå kommun och Arbetsförmedlingen genom utbildningskoordinatorer som stöttar "
            "personerna till utbildning. Kommunsamverkan i Umeåregionen för målgruppen inom "
            "ramen för 2-partssamverkan Arbetsförmedling och socialtjänst har inte kommit i gång "
            "i önskad omfattning.",
            "Utbildningskoordinatorn inom Arbetsmarknads- och integrationsavdelningen i Umeå har "
            "utvecklat informationsmaterial till deltagare.",
            "Medarbetare i samverkan har kunnat vända sig till utbildningskoordinatorerna i Umeå "
            "och Nordmaling för att konsultera i studiefrågor.",
            "Utbildningskoordinatorn har suttit med i beredningen för att föra in "
            "studieperspektivet i Vuxentorget. Representant för Kommunala aktivitetsansvaret "
            "sitter med i beredningen för Ungdomstorget liksom centrum för vuxenutbildning. "
            "Nordmaling har under flera år haft förstärkta insatser till studier.",
            "Kranskommunerna har genomlyst kommunala aktivitetsansvaret för att utveckla metoder "
            "och arbetssätt och därmed förebygga avhopp och arbetslöshet.",
        ),
        "board_comment": lines(
            "Initiativet är viktigt och ska vara kvar.",
            "Ny aktivitet: Utveckla samarbetet mellan Kommunerna och Arbetsförmedlingen, utröna "
            "vad som finns redan och ej konkurrera.",
            "Vuxenutbildningen i kommunerna behöver involveras mer.",
            "Involvera företagen mer i utbildningen och öka tillgången till kvalificerade APL i "
            "IM-yrke/Yrkesvux/Lärlingsvux + nationella yrkesprogram.",
            "Samverkan bör utvecklas mellan skola och KAA för tidiga samordnade insatser.",
            "Stötta personer i samverkan till att skaffa gymnasiekompetens.",
            "Studiekoordinator viktig.",
            "Supported education som stöd.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är svårt att genomföra och tar lång tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 5 (1-5).",
            "Utvecklingsarbetet har pågått en längre tid.",
        ),
    },
    {
        "number": 7, "title": "Arbetssökande med funktionsnedsättning", "area": "unemployment",
        "parties": [AF, FK, *KOMMUNERNA, REGION],
        "parties_text": "Arbetsförmedlingen/Försäkringskassan/kommunerna och Regionen",
        "convener": AF, "responsible": "Arbetsförmedlingen och kommunerna",
        "follow_up_owner": AF, "follow_up_owner_text": "Arbetsförmedlingen",
        "feasibility": {"difficulty": "hard", "duration": "long"}, "status": "ongoing",
        "impact": 4,
        "activities": [
            "Identifiera personer i behov av stöd av SIUS-handläggare och/eller "
            "lönebidragsanställningar.",
            "Identifiera fler personer i behov av att kodas för sin funktionsnedsättning, "
            "särskilt bland utrikesfödda arbetssökande.",
            "Vid behov jobba motiverande med gruppen utrikesfödda inför kodning, då en del "
            "personer kan uppleva det svårt att kodas med funktionsnedsättning.",
            "Fortsätta utveckla metoder och arbetsnära insatser inom ramen för "
            "kommunsamverkan.",
            "Fortsätta utveckla metoder för tidig skolsamverkan genom Samstart i Umeåregionen.",
        ],
        "goals": ["Öka omsättningen till arbete och studier för funktionsnedsatta arbetslösa."],
        "current_state": lines(
            "Respektive myndighet informerar internt om vägar till torgen för att öka inflödet. "
            "Alla som deltar i samverkan ska ha en tydlig uppföljningsbar planering.",
            "Arbetsförmedlingen har internt haft fokus på lönebidragsanställningar under året.",
            "Arbetsförmedlingen har internt haft fokus på att generellt identifiera målgruppen.",
            "Arbetsförmedlingen har anställt fler arbetsterapeuter i syfte att koda tidigare i "
            "processen.",
            "Samstart har under året utvecklat metoder och skapat förutsättningar för tidig "
            "skolsamverkan. Projektet är förlängt t.o.m. juni 2024. Projektet har varit "
            "framgångsrikt och sprids nu i andra delar av landet.",
        ),
        "board_comment": lines(
            "Initiativet ska vara kvar.",
            "Tålamod och uthållighet.",
            "Diskussionspunkt: Kartläggning, identifiera om det finns personer som hamnat utanför "
            "insatser p.g.a. att de inte blir kodade på rätt sätt (eller inte accepterar att bli "
            "kodade) -> vad gör vi då? -> inlåsningseffekt av kodning?",
            "Ökad samordning och transparens.",
            "Öka kulturell kunskap och sätt in information om fördelar med rätt kodning.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är svårt att genomföra och tar lång tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 4 (1-5).",
            "Utvecklingsarbetet har pågått en längre tid.",
        ),
    },
    {
        "number": 8, "title": "Utrikesfödda arbetslösa", "area": "unemployment",
        "parties": [AF, *KOMMUNERNA], "parties_text": "Arbetsförmedlingen och kommunerna",
        "convener": UMEA,
        "convener_unit": "Arbetsmarknad- och integrationsavdelningen (styrgrupp för etablering)",
        "responsible": "Styrgrupp för etablering; Arbetsförmedlingen och kommunerna",
        "follow_up_owner": AF, "follow_up_owner_text": "Arbetsförmedlingen",
        "feasibility": {"difficulty": "hard", "duration": "long"}, "status": "ongoing",
        "impact": 5,
        "activities": [
            "Följa utvecklingen av försöksverksamheten Kraft (deltagare i JOB med "
            "försörjningsstöd) och för de delar som är framgångsrika identifiera möjlighet till "
            "implementering.",
            "Utred om möjlighet till att Kraft (eller delar av) kan sättas in tidigare under "
            "etableringstiden.",
            "Fortsätta identifiera och utveckla insatser under första 2-3 månader under "
            "etableringen (”glappet”).",
            "Invänta besked om beviljat projekt SAGA.",
        ],
        "goals": ["Minska arbetslösheten samt långtidsarbetslösheten bland utrikes födda i "
                  "Umeåregionen."],
        "current_state": lines(
            "Kraft är pågående som pilot till och med dec 2023. Framgångsrikt som insats. "
            "Påbörjande av dialoger för ev. tillvaratagande av projektets metodik "
            "(implementering).",
            "Sedan två år tillbaka har utvecklingen av samverkan i etableringsprogrammet pågått "
            "mellan Arbetsförmedlingen, AMI, Socialtjänsten och Vuxenutbildningen i Umeå.",
        ),
        "board_comment": lines(
            "Initiativet ska vara kvar.",
            "Är det rätt bedömning att sätta 5 på bedömning av påverkan på "
            "helårsekvivalenterna?",
            "Arbeta med kompetenstrappan, kombinera insatser, stöd, träning och utbilda.",
            "Tidiga samverkande insatser.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är svårt att genomföra och tar lång tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 5 (1-5).",
            "Utvecklingsarbetet har pågått upp till två år.",
        ),
    },
    {
        "number": 9,
        "title": "Motverka långa tider i försörjningsstöd på grund av arbetslöshet",
        "area": "unemployment", "parties": [AF, *KOMMUNERNA],
        "parties_text": "Arbetsförmedlingen och kommunerna",
        "convener": UMEA, "convener_unit": "Socialtjänsterna (Försörjningsstöd)",
        "responsible": "Arbetsförmedlingen och kommunerna",
        "follow_up_owner": UMEA, "follow_up_owner_text": "Socialtjänsterna",
        "feasibility": {"difficulty": "hard", "duration": "long"}, "status": "ongoing",
        "impact": 5,
        "activities": [
            "Utveckla ett flöde för nya ansökningar om försörjningsstöd till matchning mot "
            "arbetsmarknadsinsatser i tvåpartssamverkan mellan Arbetsförmedlingen och Umeå "
            "kommun. (Även kranskommunerna rekommenderas att göra detta.)",
            "Tvåpartssamverkan mellan Umeå kommun och Arbetsförmedlingen för ärenden med behov "
            "av att bedöma arbetsförmåga.",
            "Identifiera arbetsplatser och stärka nyttjandet av lönestöd (ex. introduktionsjobb) "
            "för personer i lång arbetslöshet med försörjningsstöd.",
            "Socialtjänsten i Umeå kommun rekommenderas att tillsammans med Arbetsförmedlingen "
            "tillskapa vägar till arbetsmarknadsinsatser och anpassat stöd för personer med lång "
            "tid i arbetslöshet och långvarigt försörjningsstöd.",
        ],
        "goals": [
            "Att personer som riskerar att hamna i långvarigt försörjningsstöd erbjuds tidigt "
            "stöd för att komma i självförsörjning.",
            "I Umeå kommun ska andelen personer med långvarigt försörjningsstöd på grund av "
            "arbetslöshet minska.",
        ],
        "current_state": lines(
            "Indikatorerna visar att andelen personer med lång tid i försörjningsstöd pga. "
            "arbetslöshet minskar. Vi tror att mycket av detta beror på arbetsmarknadsläget i "
            "Umeå.",
            "Förslag fanns/finns angående nyttjande av konsultationsforum (finns på Torgen) men "
            "är inte genomfört.",
            "SAGA som externfinansierat ESF-projekt har lämnats in och väntar på beslut (sökande "
            "är Umeå och Nordmaling) (juni prel).",
            "Samverkan i ”Tidigt skede” och ”Matchen” fungerar fortsatt bra för alla inblandade "
            "parter. Inflödet av personer i arbetslöshet till försörjningsstöd har varit lågt "
            "under perioden vilket resulterat i att få personer aktualiserats till samverkan.",
            "”Matchen” har under året utökats till att omfatta alla ärenden inom "
            "försörjningsstöd (från att tidigare bara omfatta Slussens klienter till att även "
            "inkludera Rehabs klienter).",
        ),
        "board_comment": lines(
            "Initiativet är viktigt, fortsätt att utveckla.",
            "Kan regionens insatser spela en roll för människor som varit långtidsarbetslösa med "
            "försörjningsstöd? T.ex. psykisk ohälsa, missbruk, PTSD.",
            "Våld i nära relationer?",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är svårt att genomföra och tar lång tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 5 (1-5).",
            "Utvecklingsarbetet har pågått en längre tid.",
        ),
    },
    {
        "number": 10, "title": "Översyn av Krami", "area": "unemployment",
        "parties": [KV, AF, *KOMMUNERNA],
        "parties_text": "Kriminalvården/Arbetsförmedlingen/Kommunerna",
        "convener": KV, "responsible": "Krami utökad styrgrupp och Krami styrgrupp",
        "follow_up_owner": KV, "follow_up_owner_text": "Kriminalvården",
        "feasibility": None, "status": "starting", "impact": None,
        "activities": [
            "Med de lokala behoven och förutsättningarna som utgångspunkt pågår en översyn av "
            "hur Krami Umeå kan reformeras för att bli en hållbar del av ett lokalt insatsutbud. "
            "Syftet med en reformerad verksamhet ska vara att fler av Kriminalvårdens klienter "
            "ska nås med kvalitativa insatser mot arbete och att ytterligare stärka klienternas "
            "möjligheter till egen försörjning.",
        ],
        "goals": ["Resultat, analys och frågeställningar som väckts med anledning av genomförd "
                  "klientkartläggning omhändertas i styrgrupperna för Krami. Ett förslag på hur "
                  "Krami ska anpassas lokalt efter de lokala förutsättningarna ska tas fram."],
        "current_state": lines(
            "Samverkansinitiativ kartläggning av frivårdens klienter är kopplat till "
            "föreliggande initiativ.",
            "Det material som presenterats för chefer kommer att presenteras för medarbetare "
            "(ex. inom Krami) under våren 2023.",
            "Ett arbete har påbörjats utifrån den analys och de frågeställningar som väckts som "
            "en följd av klientkartläggningen.",
            "Dialog pågår på verksamhetschefsnivå såväl som på lägre organisatoriska nivåer.",
        ),
        "board_comment": lines(
            "Initiativet ska vara kvar.",
            "Tidig samordnad planering redan när personen kommer till anstalt.",
            "Arbetsrehabiliterande insatser tidigt och samordnat.",
            "Upprätta en beredningsfunktion för målgruppen.",
            "Kartlägga insatsutbud.",
        ),
        "assessment": lines(
            "Initiativet är under start.",
            "Svårighetsgrad och tidsaspekt är ej bedömd.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som x (1-5).",
            "Utvecklingsarbetet påbörjades i mars 2023.",
        ),
    },
]

PREVENTION: list[dict[str, Any]] = [
    {
        "number": 12, "title": "Unga som saknar behörighet till gymnasiet - IM",
        "area": "prevention", "parties": [UMEA], "parties_text": "Gymnasieskola",
        "convener": UMEA, "convener_unit": "Gymnasieskolan", "responsible": "Gymnasieskolan",
        "follow_up_owner": UMEA, "follow_up_owner_text": "Gymnasieskolan",
        "feasibility": {"difficulty": "medium", "duration": "long"}, "status": "ongoing",
        "impact": 5,
        "activities": [
            "Förbättra det systematiska kvalitetsunderlaget kopplat till introduktionsprogrammen. "
            "Detta gäller såväl framtagandet som analysen av detta. Det är resurskrävande "
            "eftersom varje elev måste följas individuellt. (Skulle kunna göras i samverkan med "
            "samarbetspartners (till exempel Umeå universitet, myndigheten för civilsamhälle "
            "MUCF) som ett forsknings- och/eller utvecklingsprojekt där även omvärldsbevakning "
            "av lyckade exempel från andra kommuner kan ingå.)",
        ],
        "goals": [
            "Att finna ett sätt att över tid mäta och följa kvalité på introduktionsprogrammen.",
            "Undersöka hur det går för elever som inte har gått en grundskoleexamen och läser upp "
            "sina betyg på IM: hur många går till gymnasiet, hur många tar en gymnasieexamen.",
            "Undersöka andel avhopp från IM och GY.",
        ],
        "current_state": lines(
            "Kartläggning gjord av var statistikuttag ska göras. Påbörjad insamling av data av "
            "första årskullen av tre som kommer att undersökas, tidskrävande men nödvändigt för "
            "att se om den grupp elever som saknar grundskoleexamen klarar att ta en "
            "gymnasieexamen.",
        ),
        "board_comment": lines(
            "Initiativet ska vara kvar.",
            "Tidiga samordnade insatser för att nå skolframgång och ge stöd till barn och "
            "familjer.",
            "Använd HLT-områdena, viktigt att arbeta tidigt på gymnasienivån och utveckla "
            "KAA-arbetet i samverkan och förebyggande.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är medelsvårt att genomföra och tar lång tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som 5 (1-5) på sikt.",
            "Utvecklingsarbetet har startat i år.",
        ),
    },
    {
        "number": 13, "title": "Säker digital kommunikation - SDK", "area": "prevention",
        "parties": [AF, FK, REGION, *KOMMUNERNA],
        "parties_text": "Arbetsförmedlingen, Försäkringskassan, Regionen och kommunerna",
        "convener": SF,
        "responsible": "Kommunerna, Regionen, Arbetsförmedlingen och Samordningsförbundet",
        "follow_up_owner": None, "follow_up_owner_text": None,
        "feasibility": {"difficulty": "medium", "duration": "long"}, "status": "ongoing",
        "impact": None,
        "activities": [
            "Under 2023 bevakar vi gemensamt utvecklingen av införande av SDK. Respektive part "
            "är själv ansvarig för sitt införande.",
        ],
        "goals": ["Förutsättningar för införande av SDK ska vara på plats under 2024."],
        "current_state": lines(
            "Avstämningar är genomförda kontinuerligt i strategiska gruppen angående parternas "
            "nuläge i frågan samt information om SDK generellt.",
            "Medverkan av flera kommuner har även skett i forum med Region Västerbotten för "
            "möjlighet till utbyte och ev. samverkan.",
            "Umeå kommun har genomfört förstudie för säker kommunikation och preliminär "
            "upphandling för tjänst kommer att ske under hösten/vintern 2023 – där SDK ska "
            "möjliggöras genom option.",
        ),
        "board_comment": lines(
            "Det här är viktigt och ska vara kvar, kommer att underlätta samverkansarbetet.",
            "Detta är dock komplicerat och tar tid.",
            "Arbetet fortgår hela tiden med att utveckla digitala hjälpmedel/lösningar.",
        ),
        "assessment": lines(
            "Initiativet är pågående.",
            "Det är medelsvårt att genomföra och tar lång tid.",
            "Initiativets påverkan på helårsekvivalenterna bedöms som X (1-5).",
            "Utvecklingsarbetet är kopplat till en bred nationell överenskommelse och har pågått "
            "i två år.",
        ),
    },
]
