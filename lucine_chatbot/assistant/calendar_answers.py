"""Date questions ("siete aperti domani?", "are you open on 26 December?") answered from the calendar."""
import datetime as dt
import re

from lucine_chatbot.assistant import lexicon, text
from lucine_chatbot.content import calendar
from lucine_chatbot.models import DayStatus
from lucine_chatbot.platform.clock import MONTH_NAMES

RELATIVE = {
    "dopodomani": 2, "ubermorgen": 2, "uebermorgen": 2, "day after tomorrow": 2,
    "domani": 1, "tomorrow": 1, "morgen": 1,
    "stasera": 0, "stanotte": 0, "oggi": 0, "tonight": 0, "today": 0, "this evening": 0, "heute": 0,
}
WEEKDAYS = {
    0: ("lunedi", "monday", "montag"), 1: ("martedi", "tuesday", "dienstag"),
    2: ("mercoledi", "wednesday", "mittwoch"), 3: ("giovedi", "thursday", "donnerstag"),
    4: ("venerdi", "friday", "freitag"), 5: ("sabato", "saturday", "samstag"), 6: ("domenica", "sunday", "sonntag"),
}
MONTHS = {12: ("dicembre", "december", "dezember", "dec"), 1: ("gennaio", "january", "januar", "jan")}
HOLIDAYS = {
    (12, 24): ("vigilia", "christmas eve", "heiligabend"), (12, 25): ("natale", "christmas", "weihnachten"),
    (12, 26): ("santo stefano", "boxing day", "stephanstag"), (12, 31): ("san silvestro", "new year's eve",
                                                                        "new years eve", "silvester"),
    (1, 1): ("capodanno", "new year", "neujahr"), (1, 6): ("befana", "epifania", "epiphany", "dreikonig"),
}
STATUS_WORDS = re.compile(
    r"\b(apert[oiae]|aprite|apre|aprono|chius[oiae]|chiud(e|ete|ono|i)|annullat[oa]|si fa|confermat[oa]|esaurit[oi]|"
    r"open|opens|closed?|closes|closing|cancel+ed|on|sold out|happening|geoffnet|offen|offnet|oeffnet|auf|zu|"
    r"schliesst|schliessen|geschlossen|abgesagt|statt|ausverkauft|orari?|hours|uhr)\b")
LABELS = {
    "it": {"open": "{when} siamo aperti: {open}–{close}, ultimo ingresso {last}.",
           "closed_date": "{when} siamo chiusi.", "out_of_season": "{when} le Lucine non sono aperte: la stagione "
           "va dal {start} al {end}.", "CLOSED": "{when} l'evento è chiuso.",
           "SOLD_OUT": "{when} i biglietti sono esauriti.", "CANCELLED": "{when} la serata è annullata.",
           "note": " Nota: {note}", "on": "il {date}", "today": "oggi ({date})", "tomorrow": "domani ({date})"},
    "en": {"open": "{when} we are open: {open}–{close}, last entry {last}.",
           "closed_date": "{when} we are closed.", "out_of_season": "{when} Lucine is not open: the season "
           "runs from {start} to {end}.", "CLOSED": "{when} the event is closed.",
           "SOLD_OUT": "{when} tickets are sold out.", "CANCELLED": "{when} the evening is cancelled.",
           "note": " Note: {note}", "on": "on {date}", "today": "today ({date})", "tomorrow": "tomorrow ({date})"},
    "de": {"open": "{when} haben wir geöffnet: {open}–{close} Uhr, letzter Einlass {last} Uhr.",
           "closed_date": "{when} ist geschlossen.", "out_of_season": "{when} ist Lucine nicht geöffnet: die "
           "Saison läuft vom {start} bis {end}.", "CLOSED": "{when} ist die Veranstaltung geschlossen.",
           "SOLD_OUT": "{when} sind die Tickets ausverkauft.", "CANCELLED": "{when} ist der Abend abgesagt.",
           "note": " Hinweis: {note}", "on": "am {date}", "today": "heute ({date})", "tomorrow": "morgen ({date})"},
}
SEASON_LABELS = {
    "it": "Le Lucine di Natale sono aperte dal {start} al {end}{closed}, ogni sera dalle {open} alle {close} "
          "(ultimo ingresso {last}).",
    "en": "Lucine di Natale runs from {start} to {end}{closed}, every evening from {open} to {close} "
          "(last entry {last}).",
    "de": "Die Lucine di Natale sind vom {start} bis {end} geöffnet{closed}, jeden Abend von {open} bis {close} Uhr "
          "(letzter Einlass {last} Uhr).",
}
CLOSED_LABELS = {"it": (", tranne il ", " e il "), "en": (", except ", " and "), "de": (", außer am ", " und am ")}
_SEASON_CUES = [re.compile(p) for p in lexicon.SEASON_CUES]
_SEASON_VERBS = [re.compile(p) for p in lexicon.SEASON_VERBS]
_SEASON_CLOSED = [re.compile(p) for p in lexicon.SEASON_CLOSED]
# The KB items a calendar answer stands on, cited as its sources.
SOURCE_SLUGS = {"open": "opening-hours", "closed_date": "closed-days", "out_of_season": "season-dates"}
HOLIDAY_SLUGS = {(12, 25): "christmas-day-open", (12, 26): "christmas-day-open", (1, 1): "new-year-day-open",
                 (1, 6): "epiphany-open"}


def resolve_date(question, today, season_start):
    """The date a question is about, relative ones resolved from `today` (the event's local date)."""
    folded = " " + text.fold(question).replace("’", "'") + " "
    for phrase, days in RELATIVE.items():
        if re.search(rf"\b{phrase}\b", folded):
            return today + dt.timedelta(days=days)
    explicit = _explicit_date(folded, season_start)
    if explicit:
        return explicit
    for weekday, names in WEEKDAYS.items():
        if any(re.search(rf"\b{name}\b", folded) for name in names):
            return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    return None


def _explicit_date(folded, season_start):
    for month, names in MONTHS.items():
        alternatives = "|".join(names)
        match = re.search(rf"\b(\d{{1,2}})\.?\s*(?:{alternatives})\b|\b(?:{alternatives})\s+(\d{{1,2}})\b", folded)
        if match:
            return _season_date(month, int(match.group(1) or match.group(2)), season_start)
    match = re.search(r"\b(\d{1,2})[/.](12|01|1)\b", folded)
    if match:
        return _season_date(int(match.group(2)), int(match.group(1)), season_start)
    for (month, number), names in HOLIDAYS.items():
        if any(re.search(rf"\b{name}\b", folded) for name in names):
            return _season_date(month, number, season_start)
    return None


def _season_date(month, number, season_start):
    year = season_start.year if month >= season_start.month else season_start.year + 1
    try:
        return dt.date(year, month, number)
    except ValueError:
        return None


def is_calendar_question(question):
    return bool(STATUS_WORDS.search(text.fold(question)))


def answer(question, language, now=None):
    """`(text, source_slug)` when the question asks about one date, else None."""
    if not is_calendar_question(question):
        return None
    plan = calendar.season_plan()
    start, end = calendar.season_bounds(plan)
    today = calendar.local_today(now)
    date = resolve_date(question, today, start)
    if date is None:
        return None
    info = calendar.day(date, plan)
    labels = LABELS.get(language, LABELS["it"])
    key = info["reason"] if info["reason"] in ("closed_date", "out_of_season") else "open"
    if info["reason"] == "override":
        key = "open" if info["status"] == DayStatus.OPEN else str(info["status"])
    hours = info["hours"]
    reply = labels[key].format(when=when(date, today, language), open=hours["open"], close=hours["close"],
                               last=hours["lastEntry"], start=date_name(start, language),
                               end=date_name(end, language))
    reply = reply[0].upper() + reply[1:]
    if info["note"]:
        reply += labels["note"].format(note=info["note"])
    slug = HOLIDAY_SLUGS.get((date.month, date.day)) if key == "open" else None
    return reply, slug or SOURCE_SLUGS.get(key, "rain-policy")


def date_name(date, language):
    months = MONTH_NAMES.get(language, MONTH_NAMES["it"])
    return f"{date.day}{'.' if language == 'de' else ''} {months[date.month - 1]}"


def when(date, today, language):
    """`il 26 dicembre`, `today (6 December)`, `morgen (7. Dezember)`."""
    labels = LABELS.get(language, LABELS["it"])
    key = {0: "today", 1: "tomorrow"}.get((date - today).days, "on")
    return labels[key].format(date=date_name(date, language))


def season_intent(question):
    """`closed`, `season` or None: whether a question without a date asks about the season rather than a day."""
    folded = text.fold(question).replace("’", "'")
    if re.search(lexicon.DAY_TIME, folded):
        return None
    if any(p.search(folded) for p in _SEASON_CLOSED):
        return "closed"
    if any(p.search(folded) for p in _SEASON_CUES):
        return "season"
    verb = any(p.search(folded) for p in _SEASON_VERBS)
    return "season" if verb and re.search(lexicon.SEASON_SUBJECT, folded) else None


def season_answer(question, language, now=None):
    """`(text, source_slug)` for a season-level question (its dates, closed days and hours), else None."""
    intent = season_intent(question)
    if intent is None or resolve_date(question, calendar.local_today(now), calendar.season_bounds()[0]):
        return None
    plan = calendar.season_plan()
    start, end = calendar.season_bounds(plan)
    closed = [date_name(dt.date.fromisoformat(d), language) for d in plan.get("closedDates", [])]
    first, then = CLOSED_LABELS.get(language, CLOSED_LABELS["it"])
    hours = plan["hours"]
    reply = SEASON_LABELS.get(language, SEASON_LABELS["it"]).format(
        start=date_name(start, language), end=date_name(end, language), closed=first + then.join(closed) if closed
        else "", open=hours["open"], close=hours["close"], last=hours["lastEntry"])
    return reply, "closed-days" if intent == "closed" else "season-dates"
