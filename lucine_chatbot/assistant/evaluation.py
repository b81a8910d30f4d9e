"""The assistant measured on a set of visitor questions (`flask eval-assistant`): right facts, human offered, language.

A case (tests/data/assistant_eval.json) is right when every expected fact is in the answer (folded; `a|b` = either)
and the YES/NO offer of a human is made exactly when the case says only a human can settle it.
"""
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from lucine_chatbot.assistant import Question, reply, text
from lucine_chatbot.assistant.gate import is_human_request

DEFAULT_CASES = Path(__file__).resolve().parents[2] / "tests" / "data" / "assistant_eval.json"


@dataclass
class Outcome:
    case: dict
    answer: str
    offered_human: bool
    in_language: bool
    ok: bool
    missing: list
    fallback: bool = False


def load(path=None):
    """(cases, now): the set's cases and the moment (naive UTC) its relative dates are resolved from."""
    data = json.loads(Path(path or DEFAULT_CASES).read_text("utf-8"))
    return data["cases"], dt.datetime.fromisoformat(data["now"])


def run(cases, now, provider="offline"):
    return [grade(case, ask(case, now, provider)) for case in cases]


def ask(case, now, provider):
    """What a visitor sees: a typed request for a human escalates before any provider (conversation.py)."""
    if is_human_request(case["q"]):
        return None
    return reply(Question(case["q"], case["lang"], [], now), offline_only=provider == "offline")


def grade(case, result):
    if result is None:  # the visitor asked for a person: right exactly when a person is what the case expects
        return Outcome(case, "", True, True, bool(case.get("human")), [])
    folded = text.fold(result.text)
    missing = [fact for fact in case.get("facts", [])
               if not any(text.fold(alt) in folded for alt in fact.split("|"))]
    offered = not result.confident
    ok = not missing and offered == bool(case.get("human"))
    return Outcome(case, result.text, offered, answer_language(result.text) in (case["lang"], None), ok, missing,
                   fallback=bool(result.fallback_from))


def answer_language(body):
    """The language an answer is written in, None when its words do not tell (a bare link, a number)."""
    language, _confident = text.detect_language(body)
    return language


def summary(outcomes):
    """{"all"|"kind:x"|"lang:x"|"split:x": (right, total)}, plus "inLanguage" and "fallback" counts."""
    table = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        case = outcome.case
        for key in ("all", f"kind:{case['kind']}", f"lang:{case['lang']}", f"split:{case.get('split', 'tune')}"):
            table[key][0] += outcome.ok
            table[key][1] += 1
        table["inLanguage"][0] += outcome.in_language
        table["inLanguage"][1] += 1
        table["fallback"][0] += outcome.fallback
        table["fallback"][1] += 1
    return {key: tuple(value) for key, value in table.items()}


def report(outcomes, provider):
    """The printed report: accuracy overall, per kind, language and split; answers in language; the misses."""
    table = summary(outcomes)
    lines = [f"eval-assistant ({provider}): {_rate(table['all'])}"]
    for group in ("kind", "lang", "split"):
        keys = sorted(k for k in table if k.startswith(group + ":"))
        lines.append(f"  per {group}: " + ", ".join(f"{k.split(':', 1)[1]} {_rate(table[k])}" for k in keys))
    lines.append(f"  answers in the visitor's language: {_rate(table['inLanguage'])}")
    if table["fallback"][0]:
        lines.append(f"  answered offline after an LLM failure: {table['fallback'][0]}")
    misses = [o for o in outcomes if not o.ok or not o.in_language]
    lines.append(f"misses ({len(misses)}):")
    lines += [_miss(o) for o in misses]
    return "\n".join(lines)


def _rate(pair):
    right, total = pair
    return f"{right}/{total} = {right / total:.1%}" if total else "0/0"


def _miss(outcome):
    case = outcome.case
    expected = "human offered" if case.get("human") else "answered"
    got = "human offered" if outcome.offered_human else "answered"
    why = [f"expected {expected}, got {got}"] if expected != got else []
    why += [f"missing {outcome.missing}"] if outcome.missing else []
    why += ["answer in another language"] if not outcome.in_language else []
    answer = outcome.answer.replace("\n", " ")
    return (f"  [{case['lang']}/{case['kind']}/{case.get('split', 'tune')}] {case['q']}\n"
            f"      {'; '.join(why)} — {answer[:160]}")
