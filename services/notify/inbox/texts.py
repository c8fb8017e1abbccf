"""The inbox pages' words, Swedish first (``{{ t.key }}`` in the templates)."""

from __future__ import annotations

INBOX = {
    "sv": {
        "title": "Inkorg", "intro": "Larm för {agency} som sammankallande eller "
        "uppföljningsansvarig.", "intro_admin": "Alla larm (administratör).",
        "status": "Status", "initiative": "Samverkansinitiativ", "area": "Område",
        "all": "Alla", "filter": "Visa", "what": "Vad", "period": "Period",
        "value": "Värde", "since": "Sedan", "state": "Läge", "unread": "oläst",
        "none": "Inga larm att visa med de här valen.", "firing": "Aktivt",
        "acknowledged": "Kvitterat", "resolved": "Upphört", "muted": "Tystat",
        "snoozed": "Vilande", "assigned": "Tilldelat", "quiet": "Tysta perioder",
        "quiet_none": "Inga tysta perioder. Aviseringar skickas alla dagar.",
        "quiet_intro": "Under dessa perioder skickas inga aviseringar; larmen finns kvar här "
        "och aviseringarna skickas när perioden är slut.", "from": "från", "to": "till",
        "n_alerts": "{n} larm", "n_alerts_one": "{n} larm", "n_unread": "{n} olästa",
        "n_unread_one": "{n} oläst",
        "f_open": "Öppna (aktiva och kvitterade)", "f_firing": "Aktiva", "f_acknowledged":
        "Kvitterade", "f_resolved": "Upphörda", "f_muted": "Tystade",
        "initiative_n": "Initiativ {n}", "no_initiative": "Övergripande",
        "open_counts": "Öppna larm per samverkansinitiativ", "n_open": "öppna",
        "n_open_one": "öppet", "n_firing": "{n} okvitterade", "n_firing_one": "{n} okvitterat",
        "none_open": "Inga öppna larm.",
        "order": "Öppna larm först, de senast utlösta överst.",
        "showing": "Larm {first}–{last} av {n}", "pages": "Bläddra bland larmen",
        "newer": "Nyare", "older": "Äldre",
        # Acknowledging several at once (bulk.py, list_view.py)
        "pick": "Välj", "pick_one": "Välj {title}, {area}, {period}",
        "pick_all": "Markera alla okvitterade på sidan ({n})",
        "bulk_help": "Kvittera flera larm på en gång: markera dem i listan och tryck på "
        "Kvittera markerade.", "n_picked": "{n} markerade", "n_picked_one": "{n} markerat",
        "bulk_comment": "Kommentar till alla markerade (valfri)",
        "ack_picked": "Kvittera markerade",
        "bulk_done": "{n} larm kvitterades.", "bulk_done_one": "{n} larm kvitterades.",
        "bulk_done_none": "Inga larm kvitterades.",
        "bulk_already": "{n} var redan kvitterade.", "bulk_already_one": "{n} var redan "
        "kvitterat.", "bulk_refused": "{n} kunde inte kvitteras: {why}.",
        "bulk_refused_one": "{n} kunde inte kvitteras: {why}.",
        "bulk_resolved": "{n} har upphört", "bulk_resolved_one": "{n} har upphört",
        "bulk_forbidden": "{n} kan bara kvitteras av sammankallande",
        "bulk_forbidden_one": "{n} kan bara kvitteras av sammankallande",
        "bulk_missing": "{n} finns inte eller får du inte se",
        "bulk_missing_one": "{n} finns inte eller får du inte se",
        "bulk_none": "Inga larm var markerade. Markera de larm du vill kvittera och försök "
        "igen.", "bulk_too_many": "Högst {n} larm kan kvitteras på en gång.",
    },
    "en": {
        "title": "Inbox", "intro": "Alerts for {agency} as convener or follow-up owner.",
        "intro_admin": "Every alert (administrator).",
        "status": "Status", "initiative": "Collaboration initiative", "area": "Area",
        "all": "All", "filter": "Show", "what": "What", "period": "Period",
        "value": "Value", "since": "Since", "state": "State", "unread": "unread",
        "none": "No alerts to show with these choices.", "firing": "Firing",
        "acknowledged": "Acknowledged", "resolved": "Resolved", "muted": "Muted",
        "snoozed": "Snoozed", "assigned": "Assigned", "quiet": "Quiet times",
        "quiet_none": "No quiet times. Notifications go out every day.",
        "quiet_intro": "No notifications are sent during these periods; the alerts stay "
        "here and the notifications go out when the period ends.", "from": "from",
        "to": "to", "n_alerts": "{n} alerts", "n_alerts_one": "{n} alert",
        "n_unread": "{n} unread", "n_unread_one": "{n} unread",
        "f_open": "Open (firing and acknowledged)", "f_firing": "Firing", "f_acknowledged":
        "Acknowledged", "f_resolved": "Resolved", "f_muted": "Muted",
        "initiative_n": "Initiative {n}", "no_initiative": "Overarching",
        "open_counts": "Open alerts per collaboration initiative", "n_open": "open",
        "n_open_one": "open", "n_firing": "{n} unacknowledged",
        "n_firing_one": "{n} unacknowledged", "none_open": "No open alerts.",
        "order": "Open alerts first, the latest fired at the top.",
        "showing": "Alerts {first}–{last} of {n}", "pages": "Page through the alerts",
        "newer": "Newer", "older": "Older",
        "pick": "Select", "pick_one": "Select {title}, {area}, {period}",
        "pick_all": "Select all unacknowledged on this page ({n})",
        "bulk_help": "Acknowledge several alerts at once: tick them in the list and press "
        "Acknowledge selected.", "n_picked": "{n} selected", "n_picked_one": "{n} selected",
        "bulk_comment": "Comment for all selected (optional)",
        "ack_picked": "Acknowledge selected",
        "bulk_done": "{n} alerts were acknowledged.",
        "bulk_done_one": "{n} alert was acknowledged.",
        "bulk_done_none": "No alerts were acknowledged.",
        "bulk_already": "{n} were already acknowledged.",
        "bulk_already_one": "{n} was already acknowledged.",
        "bulk_refused": "{n} could not be acknowledged: {why}.",
        "bulk_refused_one": "{n} could not be acknowledged: {why}.",
        "bulk_resolved": "{n} have ended", "bulk_resolved_one": "{n} has ended",
        "bulk_forbidden": "{n} can only be acknowledged by the convener",
        "bulk_forbidden_one": "{n} can only be acknowledged by the convener",
        "bulk_missing": "{n} do not exist or are not yours to see",
        "bulk_missing_one": "{n} does not exist or is not yours to see",
        "bulk_none": "No alerts were selected. Tick the alerts to acknowledge and try again.",
        "bulk_too_many": "At most {n} alerts can be acknowledged at once.",
    },
}

ALERT = {
    "sv": {
        "title": "Larm", "back": "Till inkorgen", "happened": "Vad har hänt",
        "next": "Vad du gör nu", "rule": "Regeln", "chart": "Utveckling",
        "chart_title": "{title}, {area}: värden per period; {period} är markerad",
        "facts": "Uppgifter", "indicator": "Indikator", "area": "Område",
        "period": "Period", "value": "Värde", "expected": "Jämförs med",
        "convener": "Sammankallande", "owner": "Uppföljningsansvarig",
        "initiative": "Samverkansinitiativ", "status": "Läge", "assignee": "Tilldelat",
        "snoozed_until": "Vilar till", "nobody": "ingen",
        "why": "Varför: underlaget", "why_intro": "De inrapporterade uppgifter som värdet "
        "bygger på, med senaste revision.", "agency": "Myndighet", "measure": "Mått",
        "cell": "Uppdelning", "revision": "Revision", "received": "Inkom",
        "protected": "skyddad", "why_none": "Inga inrapporterade uppgifter hittades.",
        "why_unavailable": "Underlaget kunde inte hämtas just nu.",
        "why_signin": "Logga in för att se underlaget.",
        "why_series": "Se indikatorns hela serie →",
        "why_not_configured": "Underlaget visas inte i den här installationen.",
        "why_truncated": "Fler uppgifter finns än som visas här.",
        "history": "Händelser", "actions": "Åtgärder",
        "ack": "Kvittera", "ack_help": "Du har sett larmet; det lyfts inte till "
        "samordningsförbundet.", "ack_help_own": "Du har sett larmet; det visas som kvitterat "
        "här och i inkorgen.", "comment": "Kommentar", "comment_optional":
        "Kommentar (valfri)", "snooze": "Lägg åt sidan", "snooze_help": "Inga påminnelser "
        "förrän detta datum.", "until": "Till", "assign": "Ge till en kollega",
        "assign_to": "Kollega", "assign_none": "Ingen", "add_comment": "Skriv en kommentar",
        "save": "Spara", "mark_unread": "Markera som oläst",
        "muted_window": "Tystat: {convener} har en tyst period till {until}. Aviseringen "
        "skickas när den är slut.", "inhibited": "Tystat: uppgifterna bakom värdet har ett "
        "öppet larm ({rule}) som först behöver lösas.", "inhibited_link": "Se det larmet",
        "done_acknowledged": "Larmet är kvitterat.",
        "done_already": "En kollega hade redan kvitterat larmet (se historiken nedan).",
        "done_already_comment": "En kollega hade redan kvitterat larmet (se historiken "
        "nedan). Din kommentar är sparad som en kommentar.",
        "error_kept_moved": "Din kommentar är inte sparad – den står kvar i rutan ”Skriv en "
        "kommentar” nedan, så att du kan spara den där.",
        "done_snoozed": "Lagt åt sidan till {date}. Inga påminnelser förrän dess.",
        "done_assigned": "Larmet är tilldelat.", "done_commented": "Kommentaren är sparad.",
        "done_unread": "Markerat som oläst.", "read_only": "Du kan läsa och kommentera "
        "larmet; det är sammankallande som kvitterar.",
        "t_opened": "larmet öppnades", "t_updated": "värdet ändrades",
        "t_acknowledged": "kvitterade", "t_escalated": "lyftes till samordningsförbundet",
        "t_reminded": "påminnelse skickades", "t_resolved": "larmet upphörde",
        "t_reopened": "larmet öppnades igen", "t_commented": "kommenterade",
        "t_snoozed": "lade åt sidan", "t_assigned": "tilldelade",
        "t_snoozed_until": "lade larmet åt sidan till {date}",
        "t_assigned_to": "gav larmet till {name}", "t_unassigned": "tog bort tilldelningen",
        "by_link": "via länk i e-post", "limit": "gräns", "parts_sum": "delarnas summa",
        "total": "Rapporterad total", "parts": "Delarnas summa", "cell_total": "totalen",
        "scb": "SCB:s siffra", "own": "Samstats beräkning", "own_line": "samstats beräkning",
        "why_quality": "Totalen och delarna som de rapporterades, senaste revision.",
        "why_sum": "I senaste revisionen summerar delarna till {parts}; totalen är {total}.",
        "why_sum_parts": "I senaste revisionen summerar delarna till {parts}.",
        "why_sum_then": "Siffrorna under Uppgifter är från när larmet var aktivt.",
        "when_firing": "(när larmet var aktivt)",
        "why_gap": "SCB:s officiella helårsekvivalenter för perioden, som samstats egen "
        "beräkning jämförs med.", "done_title": "Läge per period",
        "a_rules": "samstat", "a_sweep": "samstat",
        "s_firing": "Aktivt", "s_acknowledged": "Kvitterat", "s_resolved": "Upphört",
        "error_snooze_far": "Välj ett datum högst {days} dagar fram, alltså senast {last}.",
        "error_snooze_date": "Välj ett datum i kalendern, till exempel 2024-03-15.",
        "error_comment_length": "Kommentaren får vara högst 2 000 tecken. Korta den och "
                                "försök igen.",
        "error_snooze_past": "Välj ett datum efter i dag ({today}).",
        "error_comment_long": "Kommentaren får vara högst {n} tecken.",
        "error_comment_empty": "Skriv något i kommentaren.",
        "error_assignee": "{email} är inte en aktiv person hos {convener}. Välj en kollega i "
        "listan.", "error_forbidden": "Det är sammankallande som kvitterar, lägger åt sidan och "
        "tilldelar larmet. Du kan läsa och kommentera det.",
        "error_resolved": "Larmet har upphört. Det går inte längre att kvittera, lägga åt "
        "sidan eller tilldela det.", "error_invalid": "Formuläret gick inte att använda. "
        "Försök igen.", "missing": "Larmet {id} finns inte, eller så får du inte se det.",
        "missing_any": "Larmet finns inte, eller så får du inte se det.",
    },
    "en": {
        "title": "Alert", "back": "Back to the inbox", "happened": "What happened",
        "next": "What to do now", "rule": "The rule", "chart": "Trend",
        "chart_title": "{title}, {area}: values by period; {period} is marked",
        "facts": "Details", "indicator": "Indicator", "area": "Area", "period": "Period",
        "value": "Value", "expected": "Compared with", "convener": "Convener",
        "owner": "Follow-up owner", "initiative": "Collaboration initiative",
        "status": "State", "assignee": "Assigned to", "snoozed_until": "Snoozed until",
        "nobody": "nobody", "why": "Why: the figures behind it", "why_intro": "The reported "
        "figures the value is computed from, latest revision.", "agency": "Agency",
        "measure": "Measure", "cell": "Breakdown", "revision": "Revision",
        "received": "Received", "protected": "protected",
        "why_none": "No reported figures were found.",
        "why_unavailable": "The figures could not be read just now.",
        "why_signin": "Sign in to see the figures.",
        "why_series": "See the indicator's whole series →",
        "why_not_configured": "This installation does not show the figures.",
        "why_truncated": "There are more figures than shown here.",
        "history": "History", "actions": "Actions",
        "ack": "Acknowledge", "ack_help": "You have seen the alert; it is not escalated to "
        "the association.", "ack_help_own": "You have seen the alert; it shows as acknowledged "
        "here and in the inbox.", "comment": "Comment", "comment_optional": "Comment (optional)",
        "snooze": "Snooze", "snooze_help": "No reminders before this date.",
        "until": "Until", "assign": "Give to a colleague", "assign_to": "Colleague",
        "assign_none": "Nobody", "add_comment": "Write a comment", "save": "Save",
        "mark_unread": "Mark as unread",
        "muted_window": "Muted: {convener} has a quiet time until {until}. The notification "
        "goes out when it ends.", "inhibited": "Muted: the figures behind the value have an "
        "open alert ({rule}) to be solved first.", "inhibited_link": "See that alert",
        "done_acknowledged": "The alert is acknowledged.",
        "done_already": "A colleague had already acknowledged the alert (see the history "
        "below).", "done_already_comment": "A colleague had already acknowledged the alert "
        "(see the history below). Your comment is saved as a comment.",
        "error_kept_moved": "Your comment is not saved – it is still in the box “Write a "
        "comment” below, so you can save it there.",
        "done_snoozed": "Snoozed until {date}. No reminders before then.",
        "done_assigned": "The alert is assigned.", "done_commented":
        "The comment is saved.", "done_unread": "Marked as unread.",
        "read_only": "You can read and comment on the alert; the convener acknowledges it.",
        "t_opened": "the alert opened", "t_updated": "the value changed",
        "t_acknowledged": "acknowledged", "t_escalated": "escalated to the association",
        "t_reminded": "a reminder was sent", "t_resolved": "the alert ended",
        "t_reopened": "the alert opened again", "t_commented": "commented",
        "t_snoozed": "snoozed", "t_assigned": "assigned",
        "t_snoozed_until": "snoozed the alert until {date}",
        "t_assigned_to": "gave the alert to {name}", "t_unassigned": "removed the assignment",
        "by_link": "by a link in an e-mail", "limit": "limit", "parts_sum": "sum of parts",
        "total": "Reported total", "parts": "Sum of the parts", "cell_total": "the total",
        "scb": "SCB's figure", "own": "samstat's figure", "own_line": "samstat's figure",
        "why_quality": "The total and its parts as reported, latest revision.",
        "why_sum": "In the latest revision the parts add up to {parts}; the total is "
        "{total}.", "why_sum_parts": "In the latest revision the parts add up to {parts}.",
        "why_sum_then": "The figures under Details are from when the alert was firing.",
        "when_firing": "(while the alert was firing)",
        "why_gap": "SCB's official full-year equivalents for the period, which samstat's "
        "own figure is compared with.", "done_title": "State by period",
        "a_rules": "samstat", "a_sweep": "samstat",
        "s_firing": "Firing", "s_acknowledged": "Acknowledged", "s_resolved": "Resolved",
        "error_snooze_far": "Choose a date at most {days} days ahead, that is {last} at the "
        "latest.", "error_snooze_date": "Choose a date in the calendar, such as 2024-03-15.",
        "error_comment_length": "A comment may be at most 2,000 characters. Shorten it and "
                                "try again.",
        "error_snooze_past": "Choose a date after today ({today}).",
        "error_comment_long": "The comment can be at most {n} characters.",
        "error_comment_empty": "Write something in the comment.",
        "error_assignee": "{email} is not an active person at {convener}. Choose a colleague "
        "from the list.", "error_forbidden": "The convener acknowledges, snoozes and assigns "
        "the alert. You can read and comment on it.",
        "error_resolved": "The alert has ended. It can no longer be acknowledged, snoozed or "
        "assigned.", "error_invalid": "The form could not be used. Please try again.",
        "missing": "Alert {id} does not exist, or you may not see it.",
        "missing_any": "The alert does not exist, or you may not see it.",
    },
}

CONFIRM = {
    "sv": {
        "title": "Kvittera larmet", "question": "Vill du kvittera larmet?",
        "help": "Kvittera betyder att ni har sett larmet. Det lyfts då inte till "
        "samordningsförbundet.", "help_own": "Kvittera betyder att ni har sett larmet; det visas "
        "då som kvitterat i inkorgen.", "confirm": "Ja, kvittera", "comment_optional":
        "Kommentar (valfri)", "open": "Öppna larmet i inkorgen",
        "done": "Tack! Larmet är kvitterat.", "already": "Larmet var redan kvitterat.",
        "resolved": "Larmet har redan upphört; inget behöver göras.",
        "used": "Länken har redan använts.", "expired": "Länken har gått ut. Öppna larmet i "
        "inkorgen och kvittera där.", "invalid": "Länken är inte giltig.",
        "missing": "Larmet finns inte längre.",
        "forbidden": "Länken gick till en annan myndighet än sammankallande; bara "
        "sammankallande kan kvittera larmet.",
        "stale_episode": "Länken gällde ett tidigare utlösande av larmet.",
    },
    "en": {
        "title": "Acknowledge the alert", "question": "Acknowledge this alert?",
        "help": "Acknowledging means you have seen the alert. It is then not escalated to "
        "the association.", "help_own": "Acknowledging means you have seen the alert; it then "
        "shows as acknowledged in the inbox.", "confirm": "Yes, acknowledge", "comment_optional":
        "Comment (optional)", "open": "Open the alert in the inbox",
        "done": "Thank you! The alert is acknowledged.",
        "already": "The alert was already acknowledged.",
        "resolved": "The alert has already ended; nothing needs doing.",
        "used": "The link has already been used.", "expired": "The link has expired. Open "
        "the alert in the inbox and acknowledge it there.", "invalid": "The link is not "
        "valid.", "missing": "The alert no longer exists.",
        "forbidden": "The link went to an agency other than the convener; only the "
        "convener can acknowledge the alert.",
        "stale_episode": "The link was for an earlier firing of the alert.",
    },
}
