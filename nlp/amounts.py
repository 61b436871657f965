"""Money and percentages in Italian text, with values normalized to euro / percent points.

Pure functions: `find_amounts(text)` scans the text and returns `AmountMention`s with character
offsets; `parse_number_word("trecentocinquantamila")` and `parse_digits("1.250.000,00")` are the
building blocks. Word lists live in `nlp/patterns/amount_words.json`. Modifiers ("oltre",
"circa") stay outside the span; dates, law numbers and counts of people are not amounts because
an amount needs a currency, a percent sign or a multiplier in a money context.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlp.types import AmountMention
from store.text import fold

WORDS_PATH = Path(__file__).parent / "patterns" / "amount_words.json"
_TOKEN = re.compile(
    r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"  # 1.250.000,00
    r"|\d{1,3}(?:,\d{3})+\.\d{1,2}(?!\d)"  # 1,250,000.50 (English style)
    r"|\d+,\d+"  # 1,5
    r"|\d+\.\d{1,2}(?![\d.])"  # 1.5
    r"|\d+"
    r"|[^\W\d_]+['’]?"
    r"|[€%/]|\S",
    re.UNICODE,
)


@dataclass(frozen=True)
class Token:
    text: str
    low: str
    start: int
    end: int
    line_end: bool = False  # a line break follows: the next token is on another line


@dataclass(frozen=True, eq=False)
class AmountWords:
    units: dict[str, int]
    tens: dict[str, int]
    multipliers: dict[str, int]
    half: frozenset[str]
    currency_before: frozenset[str]
    currency_after: frozenset[str]
    cents: frozenset[str]
    percent_after: tuple[tuple[str, ...], ...]
    money_cue_stems: tuple[str, ...]
    bare_money_cues: frozenset[str]
    bare_money_links: frozenset[str]


@lru_cache(maxsize=2)
def load_words(path: Path = WORDS_PATH) -> AmountWords:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return AmountWords(
        units=data["units"],
        tens=data["tens"],
        multipliers=data["multipliers"],
        half=frozenset(data["half"]),
        currency_before=frozenset(data["currency_before"]),
        currency_after=frozenset(data["currency_after"]),
        cents=frozenset(data["cents"]),
        percent_after=tuple(tuple(p) for p in data["percent_after"]),
        money_cue_stems=tuple(data["money_cue_stems"]),
        bare_money_cues=frozenset(data["bare_money_cues"]),
        bare_money_links=frozenset(data["bare_money_links"]),
    )


def parse_digits(text: str) -> float | None:
    """'1.250.000,00' -> 1250000.0, '1,5' -> 1.5, '40.000' -> 40000.0, '2.5' -> 2.5."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
        return float(text.replace(".", "").replace(",", "."))
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d{1,2}", text):
        return float(text.replace(",", ""))
    if re.fullmatch(r"\d+(?:[,.]\d+)?", text):
        return float(text.replace(",", "."))
    return None


def _below_100(word: str, w: AmountWords) -> int | None:
    if word == "":
        return 0
    if word in w.units:
        return w.units[word]
    for tens_word, value in w.tens.items():
        if word.startswith(tens_word):
            rest = _below_10(word[len(tens_word) :], w)
            return None if rest is None else value + rest
        stem = tens_word[:-1]  # ventuno, ventotto: the final vowel elides
        if word.startswith(stem) and word[len(stem) :] in ("uno", "otto"):
            return value + w.units[word[len(stem) :]]
    return None


def _below_10(word: str, w: AmountWords) -> int | None:
    if word == "":
        return 0
    value = w.units.get(word)
    return value if value is not None and value < 10 else None


def _below_1000(word: str, w: AmountWords) -> int | None:
    index = word.find("cent")
    if index < 0:
        return _below_100(word, w)
    left, right = word[:index], word[index + 4 :]
    hundreds = 1 if left == "" else _below_10(left, w)
    if right.startswith("o") and not right.startswith(("ottanta", "otto")):
        right = right[1:]  # cento / centodue, but centottanta keeps its o
    rest = _below_100(right, w)
    if hundreds is None or rest is None or (left and hundreds < 2):
        return None
    return hundreds * 100 + rest


def parse_number_word(word: str, words: AmountWords | None = None) -> int | None:
    """Italian number word -> int: 'ventidue' -> 22, 'trecentocinquantamila' -> 350000."""
    return _parse_number_word(fold(word).replace("'", ""), words or load_words())


@lru_cache(maxsize=65536)
def _parse_number_word(word: str, w: AmountWords) -> int | None:
    if not word or not word.isalpha():
        return None
    if word.startswith("mille"):
        rest = _below_1000(word[5:], w)
        return None if rest is None else 1000 + rest
    if "mila" in word:
        left, _, right = word.partition("mila")
        thousands, rest = _below_1000(left, w), _below_1000(right, w)
        if thousands is None or rest is None or thousands < 2:
            return None
        return thousands * 1000 + rest
    return _below_1000(word, w)


def tokenize(text: str) -> list[Token]:
    matches = list(_TOKEN.finditer(text))
    starts = [m.start() for m in matches[1:]] + [len(text)]
    return [Token(m.group(), fold(m.group()), m.start(), m.end(),
                  k == len(matches) - 1 or "\n" in text[m.end() : starts[k]])
            for k, m in enumerate(matches)]


def _number_at(tokens: list[Token], i: int, w: AmountWords) -> float | None:
    if i >= len(tokens):
        return None
    tok = tokens[i]
    if tok.text[0].isdigit():
        if i > 0 and tokens[i - 1].text == "/" or i + 1 < len(tokens) and tokens[i + 1].text == "/":
            return None  # 117/2017, 12/03
        return parse_digits(tok.text)
    if tok.low in w.half:
        return 0.5
    value = _parse_number_word(tok.low.replace("'", ""), w)
    return None if value is None else float(value)


@dataclass
class _Scan:
    value: float
    end: int  # index after the last consumed token
    currency: bool = False
    multiplied: bool = False


def _multiplied(tokens: list[Token], i: int, w: AmountWords) -> _Scan | None:
    """A number with an optional multiplier ('9 milioni', '350mila', 'nove') starting at i."""
    value = _number_at(tokens, i, w)
    if value is None:
        return None
    j = i + 1
    if j < len(tokens) and tokens[j].low in w.multipliers:
        return _Scan(value * w.multipliers[tokens[j].low], j + 1, multiplied=True)
    return _Scan(value, j)


def _add_tail(tokens: list[Token], scan: _Scan, w: AmountWords) -> None:
    """'... e mezzo', '... e 200mila', '2 milioni 300 mila', 'un milione e duecentomila': a
    smaller part after a multiplier, joined with 'e' or not."""
    j = scan.end
    if not scan.multiplied or j >= len(tokens):
        return
    joined = tokens[j].low in ("e", "ed")
    if joined and j + 1 < len(tokens) and tokens[j + 1].low in w.half:
        scan.value += 0.5 * w.multipliers[tokens[j - 1].low]
        scan.end = j + 2
        return
    tail = _multiplied(tokens, j + 1 if joined else j, w)
    if tail is None or tail.value >= scan.value:
        return
    currency_next = tail.end < len(tokens) and tokens[tail.end].low in w.currency_after
    if tail.multiplied or (joined and (tail.value >= 1000 or currency_next)):
        scan.value += tail.value  # '27 mila e 300 euro': the tail is followed by the currency
        scan.end = tail.end


def _currency_after(tokens: list[Token], scan: _Scan, w: AmountWords) -> None:
    j = scan.end
    of_currency = j + 1 < len(tokens) and tokens[j].low in ("di", "d'", "d’")
    if of_currency and tokens[j + 1].low in w.currency_after:
        scan.end, scan.currency = j + 2, True
    elif j < len(tokens) and tokens[j].low in w.currency_after:
        scan.end, scan.currency = j + 1, True
    if scan.currency:
        _cents(tokens, scan, w)


def _cents(tokens: list[Token], scan: _Scan, w: AmountWords) -> None:
    """'2 euro e 50 (centesimi)' -> 2.5."""
    j = scan.end
    two_digits = j + 1 < len(tokens) and re.fullmatch(r"\d{1,2}", tokens[j + 1].text)
    if two_digits and tokens[j].low == "e":
        scan.value += int(tokens[j + 1].text) / 100
        scan.end = j + 2
        if scan.end < len(tokens) and tokens[scan.end].low in w.cents:
            scan.end += 1


def _percent_end(tokens: list[Token], j: int, w: AmountWords) -> int | None:
    for words in w.percent_after:
        n = len(words)
        if tuple(t.low for t in tokens[j : j + n]) == words:
            return j + n
    return None


def _money_context(tokens: list[Token], start: int, end: int, w: AmountWords) -> bool:
    """A multiplied number without currency is money when money words are near and it does not
    count things ('1,5 milioni di abitanti', '350mila persone')."""
    nxt = tokens[end].low if end < len(tokens) and not tokens[end - 1].line_end else ""
    after = tokens[end + 1].low if end + 1 < len(tokens) else ""
    if nxt in ("di", "d'", "d’"):
        return after.startswith(w.money_cue_stems)  # '936 milioni di risorse', not 'di abitanti'
    if nxt.isalpha() and nxt not in _FUNCTION_WORDS:
        return False
    window = tokens[max(0, start - 10) : start] + tokens[end : end + 4]
    return any(t.low.startswith(w.money_cue_stems) for t in window)


_FUNCTION_WORDS = frozenset(
    "per a al alla ai alle e ed o che con in nel nella da dal dalla tra fra su sul sulla "
    "come entro fino oltre ma mentre".split()
)


def _amount_at(tokens: list[Token], i: int, w: AmountWords) -> tuple[int, int, str, float] | None:
    """(first token, end token, kind, value) of an amount starting at token i, or None."""
    prefix = tokens[i].low in w.currency_before and tokens[i].low != "euro" or (
        tokens[i].low == "euro" and i + 1 < len(tokens) and tokens[i + 1].text[:1].isdigit()
    )
    first = i
    if prefix:
        i += 1
    scan = _multiplied(tokens, i, w)
    if scan is None or (scan.value == 0.5 and not scan.multiplied):
        return None
    _add_tail(tokens, scan, w)
    if not prefix:
        percent_end = _percent_end(tokens, scan.end, w)
        if percent_end is not None and not scan.multiplied:
            return first, percent_end, "percent", scan.value
    _currency_after(tokens, scan, w)
    if prefix or scan.currency:
        return first, scan.end, "money", scan.value
    if scan.multiplied and _money_context(tokens, first, scan.end, w):
        return first, scan.end, "money", scan.value
    if _bare_money(tokens, first, scan, w):
        return first, scan.end, "money", scan.value
    return None


def _bare_money(tokens: list[Token], first: int, scan: _Scan, w: AmountWords) -> bool:
    """'un contributo di 5.000', 'per un importo complessivo di 150.000,00': a bare figure of
    at least 1,000 right after a money word (only linking words in between)."""
    if scan.multiplied or scan.value < 1000 or not tokens[first].text[:1].isdigit():
        return False
    if re.fullmatch(r"\d{4}", tokens[first].text):
        return False  # a year
    nxt = tokens[scan.end].low if scan.end < len(tokens) else ""
    if nxt.isalpha() and nxt not in _FUNCTION_WORDS:
        return False  # "5.000 persone"
    for k in range(first - 1, max(-1, first - 6), -1):
        low = tokens[k].low
        if low in w.bare_money_cues:
            return True
        if low not in w.bare_money_links:
            return False
    return False


def find_amounts(text: str, words: AmountWords | None = None) -> list[AmountMention]:
    """All money and percent amounts in `text`, left to right, non-overlapping."""
    w = words or load_words()
    tokens = tokenize(text)
    found: list[AmountMention] = []
    i = 0
    while i < len(tokens):
        hit = _amount_at(tokens, i, w)
        if hit is None:
            i += 1
            continue
        first, end, kind, value = hit
        start_char, end_char = tokens[first].start, tokens[end - 1].end
        value = round(value, 2)
        found.append(AmountMention(text[start_char:end_char], start_char, end_char, kind, value))
        i = end
    return found
