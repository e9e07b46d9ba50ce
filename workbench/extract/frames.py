"""Claim frames: what a claim asserts, as (actors, predicate classes with polarity, entities, aspect).

Two outlets reporting one fact rarely share their wording ("averted an attack by a pair of drones" / "shot down two
drones"; "has nothing to do with the attack" / "didn't attack"), but they do share the kind of action, its polarity
and who it is about. The frame captures those with a general news-verb lexicon (about thirty predicate classes, none
specific to one story) and a small gazetteer folding countries, capitals, demonyms and seats of government into one
key ("Kyiv", "Ukrainian", "Kiev" -> ukraine; "the Kremlin", "Moscow" -> russia).

Polarity is per predicate: a negation cue shortly before the predicate ("did not attend", "no advance warning",
"without causing injuries") negates that predicate only. A negated attack or involvement is a denial, so "We didn't
attack" and "denied any involvement" share the `deny` class.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

try:
    from re import _parser as _regex_parser  # private; without it every pattern simply scans every claim
except ImportError:  # pragma: no cover - a Python that moved it
    _regex_parser = None

# Predicate classes: each a pattern over casefolded text. Word stems, so inflections need no list.
_PREDICATE_PATTERNS: dict[str, str] = {
    "attack": r"attack\w*|strikes?|struck|striking|assault\w*|raids?|raided|bomb(?:ed|ing|ings|s)?|shell(?:ed|ing)"
    r"|hits?|hitting|target(?:ed|ing|s)?|incursions?|invad\w*|invasion",
    "disable": r"disabl\w*|intercept\w*|shot down|shoot(?:s|ing)? down|brought down|downed|avert\w*|foil\w*"
    r"|thwart\w*|repel\w*|neutrali[sz]\w*",
    "injure": r"injur\w*|hurt|wound\w*|casualt\w*|victims?",
    "kill": r"kill\w*|dead|deaths?|died|dies|fatalit\w*",
    "damage": r"damag\w*|destruction",
    "deny": r"den(?:y|ied|ies|ying|ial|ials)|nothing to do with|not involved|no involvement|not behind"
    r"|not responsible|dismiss\w*|reject\w*",
    # Not "involving": "incidents involving drones" are incidents with drones, not anyone's involvement.
    "involve": r"involve[sd]?|involvement|behind (?:the|these|this|those)",
    # Claiming an act is not the same as being involved: "has not claimed responsibility" is not a denial.
    "claim_responsibility": r"claim\w* (?:them|it|responsibility)|(?:taken|take|takes|took|taking) responsibility",
    "admit": r"admit\w*|confess\w*|acknowledg\w*",
    "accuse": r"accus\w*|blam\w*",
    "assassinate": r"assassinat\w*|attempt\w* on (?:the |his |her )?life|tried to kill",
    "ban": r"ban|bans|banned|banning|prohibit\w*|outlaw\w*|forb[ia]d\w*",
    "lift": r"lift\w* (?:the |a )?(?:ban|restrictions?|sanctions?|curfew)|revok\w*|repeal\w*|overturn\w*",
    "attend": r"attend\w*|participat\w*|take part|took part|taking part|(?:be|been|was|were|is|are) (?:not )?"
    r"(?:present )?at the|go ahead|going ahead|went ahead|as planned|remains? in place|to hold|will hold"
    r"|miss(?:es|ed|ing)? the|rul\w+ \w+(?: \w+)? out|absent",
    "warn": r"warn\w*|notice|notif\w*|heads-up|alert\w*|forewarn\w*",
    "retaliate": r"retaliat\w*|countermeasures?|reprisals?|revenge|respond\w* (?:with|by)",
    "demand": r"demand\w*|call(?:ed|s|ing)? for|urg(?:e|ed|es|ing)|insist\w*",
    "show": r"videos?|footage|clips?|show(?:s|ed|n|ing)?|images?|photos?|photographs?",
    "caution": r"caution\w*|careful\w*|skeptic\w*|sceptic\w*|doubt\w*|(?:grain|pinch|shaker) of salt"
    r"|can'?t (?:validate|verify|confirm)|cannot (?:validate|verify|confirm)",
    "increase": r"ris(?:e|es|en|ing)|rose|increas\w*|grew|grow(?:s|n|ing)?|multipl\w*|surg\w*|jump\w*|soar\w*"
    r"|climb\w*",
    "decrease": r"fall(?:s|en|ing)?|fell|declin\w*|drop\w*|plung\w*|decreas\w*|cuts?|cutting|slash\w*",
    "explode": r"explo(?:d|s)\w*|blasts?|detonat\w*",
    "crash": r"crash\w*|debris|fragments?|fell on|falling",
    "arrest": r"arrest\w*|detain\w*|custody",
    "win": r"win|wins|won|winning|scor\w*|beat|defeat\w*",
    "information": r"information|aware|unaware|(?:do|did)(?:n't| not) know",
    "escalate": r"escalat\w*|provocation\w*|pretext",
    "sanction": r"sanction\w*",
    "vote": r"vot(?:e|ed|es|ing)|elect(?:ed|ion|ions)?|ballot\w*",
    # "met with official denials" is how something was received, not a meeting.
    "meet": r"meet(?:s|ing)?|met with(?! (?:\w+ )?(?:denials?|criticism|scepticism|skepticism|resistance|silence|"
    r"condemnation|protests?|disbelief|outrage))|talks",
    "resign": r"resign\w*|step(?:ped|s)? down|quit",
    "fire": r"fires?|blaz\w*|burn\w*|flames",
    "evacuate": r"evacuat\w*|fle(?:e|d|eing)|displac\w*",
    "prepare": r"prepar\w*|plann(?:ed|ing)",
}
_PREDICATES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(r"\b(?:" + pattern + r")\b")) for name, pattern in _PREDICATE_PATTERNS.items()
)

# A claim names only a few of the classes, and scanning it with all 35 patterns was most of a frame's time. Every
# match starts a word (\b, then a word character), so a class whose matches cannot begin with any of the claim's
# word starts (their first START_LENGTH characters) is passed over: its scan would find nothing. The beginnings each
# pattern allows are read off its parsed form once, as a superset (lookarounds are taken as allowing anything).
START_LENGTH = 3
_Starts = frozenset[str]


def _concatenated(heads: set[str], tails: set[str]) -> set[str]:
    """The first START_LENGTH characters of a string from `heads` followed by one from `tails`."""
    joined: set[str] = set()
    for head in heads:
        if len(head) >= START_LENGTH:
            joined.add(head)
        else:
            joined.update((head + tail)[:START_LENGTH] for tail in tails)
    return joined


def _sequence_starts(items: list[tuple[Any, Any]]) -> set[str] | None:
    """How a match of the parsed sequence can begin (a shorter string: the whole match), or None when that cannot be
    told (a class of characters such as \\w, any character): the pattern is then always scanned."""
    starts = {""}
    for operator, argument in items:
        if all(len(start) >= START_LENGTH for start in starts):
            break
        item_starts = _item_starts(operator, argument)
        if item_starts is None:
            return None
        starts = _concatenated(starts, item_starts)
    return starts


def _item_starts(operator: Any, argument: Any) -> set[str] | None:  # noqa: PLR0911 - one case per regex construct
    if operator is _regex_parser.LITERAL:
        return {chr(argument)}
    if operator is _regex_parser.IN:
        characters = set()
        for member, value in argument:
            if member is not _regex_parser.LITERAL:
                return None
            characters.add(chr(value))
        return characters
    if operator is _regex_parser.BRANCH:
        starts: set[str] = set()
        for alternative in argument[1]:
            alternative_starts = _sequence_starts(alternative)
            if alternative_starts is None:
                return None
            starts |= alternative_starts
        return starts
    if operator is _regex_parser.SUBPATTERN:
        return _sequence_starts(argument[-1])
    if operator in (_regex_parser.AT, _regex_parser.ASSERT, _regex_parser.ASSERT_NOT):
        return {""}  # takes no characters; what it rules out only makes the sets larger than needed
    if operator in (_regex_parser.MAX_REPEAT, _regex_parser.MIN_REPEAT):
        least, most, body = argument
        body_starts = _sequence_starts(body)
        if body_starts is None:
            return None
        starts, repeated = set(), {""}
        # Past START_LENGTH repetitions (or the least required) more of them give no new beginnings.
        for count in range(min(most, max(least, START_LENGTH)) + 1):
            if count >= least:
                starts |= repeated
            repeated = _concatenated(repeated, body_starts)
        return starts
    return None


def _pattern_starts(pattern: re.Pattern[str]) -> _Starts | None:
    if _regex_parser is None or pattern.flags & re.IGNORECASE:
        return None
    items = list(_regex_parser.parse(pattern.pattern))
    if not items or items[0] != (_regex_parser.AT, _regex_parser.AT_BOUNDARY):
        return None  # a match might begin inside a word
    starts = _sequence_starts(items)
    if starts is None or not all(_WORD_CHARACTER.match(start) for start in starts):
        return None  # a match might begin at the end of a word
    return frozenset(starts)


_WORD_CHARACTER = re.compile(r"\w")
_PREDICATE_STARTS: tuple[_Starts | None, ...] = tuple(_pattern_starts(pattern) for _, pattern in _PREDICATES)
# Shorter beginnings are whole matches ("hit"), to be found among the word starts cut as short.
_SHORT_START_LENGTHS = sorted(
    {len(start) for starts in _PREDICATE_STARTS if starts for start in starts if len(start) < START_LENGTH}
)
_WORD_START = re.compile(rf"\b(?=(\w.{{0,{START_LENGTH - 1}}}))", re.DOTALL)


def _word_starts(lowered: str) -> set[str]:
    starts = set(_WORD_START.findall(lowered))
    for length in _SHORT_START_LENGTHS:
        starts.update([start[:length] for start in starts])
    return starts


def _predicate_matches(lowered: str) -> list[tuple[int, int, str, str]]:
    """(start, end, class, matched text) of each class's matches in `lowered`, class by class in lexicon order."""
    word_starts = _word_starts(lowered)
    return [
        (match.start(), match.end(), name, match.group())
        for (name, pattern), starts in zip(_PREDICATES, _PREDICATE_STARTS, strict=True)
        if starts is None or not starts.isdisjoint(word_starts)
        for match in pattern.finditer(lowered)
    ]


_NEGATION_CUE = re.compile(
    r"\b(?:not|no|never|nothing|nobody|none|neither|nor|without|cannot|no one|n't|didn't|doesn't|don't|isn't|wasn't"
    r"|weren't|hasn't|haven't|hadn't|won't|can't|couldn't|wouldn't|den(?:y|ied|ies|ying))\b|n't\b"
)
# A negation cue at most this many characters before a predicate negates it ("did not attend", "no one was hurt").
NEGATION_REACH = 24
# Classes whose own wording carries the negation ("nothing to do with", "can't validate"): not negated again.
_SELF_NEGATING = frozenset({"deny", "caution"})
# Classes whose negation is a denial of involvement.
_DENIABLE = frozenset({"attack", "involve", "assassinate"})
# Classes that are the predicate itself negated: "miss the final", "absent" = not attend.
_INHERENTLY_NEGATIVE = re.compile(r"\b(?:miss(?:es|ed|ing)? the|rul\w+ \w+(?: \w+)? out|absent)\b")
_LIFTED_BAN = re.compile(r"\bban\b")
# Repeated or long-running states of affairs, as opposed to one event: "has repeatedly blamed", "a string of".
_HABITUAL = re.compile(
    r"\b(?:repeatedly|frequently|often|regularly|routinely|a string of|a series of|several|recent months|"
    r"recent weeks|in the past|since the|over the years|have multiplied|has been|have been"
    # Several events referred to at once: "behind these attacks", "such incidents".
    r"|(?:these|those|such) (?:\w+ )?(?:attacks|incidents|strikes|raids|assaults|incursions|explosions))\b"
)

# Country, capital, demonym and seat of government fold to one key. General, not story-specific.
_GAZETTEER_ENTRIES: dict[str, tuple[str, ...]] = {
    "ukraine": ("ukraine", "ukrainian", "ukrainians", "kyiv", "kiev"),
    "russia": ("russia", "russian", "russians", "moscow", "kremlin", "russian federation"),
    "us": (
        "united states",
        "us",
        "u.s",
        "u.s.",
        "usa",
        "america",
        "american",
        "americans",
        "washington",
        "white house",
        "pentagon",
    ),
    "uk": ("uk", "u.k", "britain", "british", "united kingdom", "london", "downing street", "whitehall"),
    "china": ("china", "chinese", "beijing"),
    "france": ("france", "french", "paris", "elysee"),
    "germany": ("germany", "german", "berlin"),
    "israel": ("israel", "israeli", "israelis", "jerusalem"),
    "iran": ("iran", "iranian", "iranians", "tehran"),
    "eu": ("eu", "european union", "brussels"),
    "nato": ("nato",),
    "turkey": ("turkey", "turkish", "ankara"),
    "poland": ("poland", "polish", "warsaw"),
    "belarus": ("belarus", "belarusian", "minsk"),
    "japan": ("japan", "japanese", "tokyo"),
    "india": ("india", "indian", "new delhi", "delhi"),
    "north_korea": ("north korea", "north korean", "pyongyang"),
    "south_korea": ("south korea", "south korean", "seoul"),
    "syria": ("syria", "syrian", "damascus"),
    "un": ("united nations", "un", "u.n"),
}
GAZETTEER: dict[str, str] = {alias: key for key, aliases in _GAZETTEER_ENTRIES.items() for alias in aliases}
_GAZETTEER_PATTERN = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(alias) for alias in sorted(GAZETTEER, key=len, reverse=True)) + r")(?!\w)"
)
# Lower-case "us" is the pronoun; only "US", "U.S." count as the country.
_AMBIGUOUS_LOWERCASE = frozenset({"us", "un"})
_CAPITALISED_RUN = re.compile(r"(?<![\w'])[A-Z][\w'\-]*(?:\s+[A-Z][\w'\-]*)*")
_NOT_ENTITY_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "in",
        "on",
        "at",
        "of",
        "to",
        "and",
        "but",
        "or",
        "it",
        "its",
        "he",
        "she",
        "they",
        "we",
        "i",
        "this",
        "that",
        "these",
        "those",
        "there",
        "after",
        "before",
        "since",
        "despite",
        "during",
        "while",
        "when",
        "if",
        "as",
        "by",
        "for",
        "from",
        "with",
        "president",
        "prime",
        "minister",
        "spokesman",
        "spokeswoman",
        "speaker",
        "secretary",
        "official",
        "officials",
        "adviser",
        "chief",
        "head",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "of",
        "course",
        "still",
        "however",
        "meanwhile",
        "earlier",
        "later",
        "last",
        "next",
        "our",
        "their",
        "his",
        "her",
        "my",
        "your",
    ]
)
_DOUBLE_LETTER = re.compile(r"(.)\1+")


@dataclass(frozen=True, slots=True)
class ClaimFrame:
    # Predicate classes with their polarity: ("attend", False) is "attended", ("attend", True) "did not attend".
    predicates: frozenset[tuple[str, bool]]
    # Countries and bodies (gazetteer keys) named in the claim or standing behind the claimant.
    countries: frozenset[str]
    # Other proper names, folded for transliteration ("Podolyak"/"Podoliak").
    names: frozenset[str]
    # Gazetteer keys of the claimant ("Kremlin spokesman" -> russia; "the Ukrainian presidency" -> ukraine).
    claimant_countries: frozenset[str]
    habitual: bool

    @property
    def classes(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.predicates)


def fold(word: str) -> str:
    """Transliteration-insensitive form: accents dropped, y/j -> i, doubled letters single."""
    if word.isascii():
        letters = word.lower()  # nothing to decompose and no accents to drop; casefold is lower on ASCII
    else:
        decomposed = unicodedata.normalize("NFKD", word.casefold())
        letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _DOUBLE_LETTER.sub(r"\1", letters.replace("y", "i").replace("j", "i"))


def countries_in(text: str) -> frozenset[str]:
    """Gazetteer keys named in `text` ("Kyiv said" -> ukraine)."""
    lowered = text.casefold()
    found: set[str] = set()
    for match in _GAZETTEER_PATTERN.finditer(lowered):
        alias = match.group()
        if alias in _AMBIGUOUS_LOWERCASE and not text[match.start() : match.end()].isupper():
            continue
        found.add(GAZETTEER[alias])
    return frozenset(found)


_QUOTE_MARKS = re.compile(r"[\u201c\u201d\u201e\u00ab\u00bb\"]")


# Words that carry a negation on to the next predicate: "no casualties or damage", "neither injured nor killed".
_COORDINATION = re.compile(r"\s*(?:,\s*)?(?:or|nor|and|,)\s*")


def _negated_predicate_starts(lowered: str, spans: list[tuple[int, int]]) -> set[int]:
    """Start offsets of the predicates a negation cue governs: the first predicate within NEGATION_REACH after
    the cue, and those coordinated with it ("without causing injuries or damage"). A later predicate in the same
    sentence keeps its own polarity: in "Nobody was injured in the explosion" the explosion still happened."""
    negated: set[int] = set()
    for cue in _NEGATION_CUE.finditer(lowered):
        # A predicate whose own wording holds the cue ("was not at the") is negated by it.
        negated.update(start for start, end in spans if start <= cue.start() < end)
        following = [span for span in spans if span[0] >= cue.end()]
        if not following or following[0][0] - cue.end() > NEGATION_REACH:
            continue
        previous_end = following[0][1]
        negated.add(following[0][0])
        for start, end in following[1:]:
            if start < previous_end:  # overlapping matches of other classes on the same words
                negated.add(start)
                continue
            if not _COORDINATION.fullmatch(lowered[previous_end:start]):
                break
            negated.add(start)
            previous_end = end
    return negated


def claim_frame(text: str, claimant: str | None = None) -> ClaimFrame:
    """The frame of one claim text (attribution already removed) and its claimant."""
    # Quotation marks inside a phrase ('has "nothing to do" with') must not hide the predicate.
    text = _QUOTE_MARKS.sub("", unicodedata.normalize("NFKC", text).replace("\u2019", "'"))
    lowered = text.casefold()
    predicates: set[tuple[str, bool]] = set()
    found = _predicate_matches(lowered)
    # "lifted the ban" asserts a lifting, not a ban: a match inside a longer match of another class is its object.
    found = [
        match
        for match in found
        if not any(
            other[2] != match[2]
            and other[0] <= match[0]
            and match[1] <= other[1]
            and other[1] - other[0] > match[1] - match[0]
            for other in found
        )
    ]
    negated_starts = _negated_predicate_starts(lowered, sorted({(start, end) for start, end, _, _ in found}))
    for start, _, name, matched in found:
        if name in _SELF_NEGATING:
            predicates.add((name, False))
            continue
        negated = start in negated_starts
        if name == "attend" and _INHERENTLY_NEGATIVE.fullmatch(matched):
            negated = not negated
        if negated and name in _DENIABLE:
            predicates.add(("deny", False))
        if name == "lift" and _LIFTED_BAN.search(matched):
            # Lifting a ban is the ban negated: it clashes with "banned" as "did not ban" would.
            predicates.add(("ban", not negated))
            continue
        predicates.add((name, negated))
    names: set[str] = set()
    for run in _CAPITALISED_RUN.findall(text):
        for word in run.split():
            folded = word.casefold().rstrip(".,;:'s")
            if len(folded) < 3 or folded in _NOT_ENTITY_WORDS or folded in GAZETTEER:
                continue
            names.add(fold(folded))
    claimant_countries = countries_in(claimant) if claimant else frozenset()
    return ClaimFrame(
        predicates=frozenset(predicates),
        countries=countries_in(text),
        names=frozenset(names),
        claimant_countries=claimant_countries,
        habitual=_HABITUAL.search(lowered) is not None,
    )
