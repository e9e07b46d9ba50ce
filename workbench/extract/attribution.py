"""Attribution frames: who made a statement, through which channel, and what the statement itself is.

Handles the frames news copy uses most (examples from the seed articles):
  * trailing, speaker first:  "Putin was not in the Kremlin ..., his spokesman, Dmitry Peskov, said"
                              "“…,” Prigozhin said in a statement." / "“…?” Margarita Simonyan, head of RT, posted
                              on Telegram." / "…, two U.S. officials told NBC News."
  * trailing, verb first:     "“…,” said Ruslan Pukhov, a Moscow-based military expert."
  * leading:                  "Kremlin spokesman Dmitry Peskov told state news agency RIA Novosti that …"
                              "Peskov said Putin will …" / "Kyiv said it had nothing to do with …"
  * "according to X" at either end (X is the channel when it is a news outlet, else the claimant);
  * a subject followed by a reporting verb ("Podolyak … denied Ukrainian involvement"): the claimant is known,
    but the whole sentence is the claim.
Pronoun and "the statement" claimants are flagged as references; the document-level extractor resolves them to
the previous claimant. Everything is a regular expression plus a small noun-phrase check: no parser, so it is
fast and predictable, and it errs towards keeping the whole sentence when a frame is not recognised.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SPEECH_VERBS = (
    r"said|says|say|added|adds|told|tells|stated|states|announced|announces|claimed|claims|insisted|insists|"
    r"warned|warns|wrote|writes|posted|tweeted|noted|notes|confirmed|confirms|reported|explained|argued|stressed|"
    r"declared|asserted|acknowledged|maintained|alleged|defended|specified|emphasized|emphasised|continued|"
    r"replied|responded|suggested|admitted|concluded"
)
# Verbs that may introduce a bare clause ("Peskov said Putin will ..."); the others need "that".
_CLAUSE_VERBS = frozenset(
    {
        "said",
        "says",
        "say",
        "claimed",
        "claims",
        "added",
        "adds",
        "insisted",
        "insists",
        "warned",
        "warns",
        "announced",
        "announces",
        "stated",
        "states",
        "noted",
        "notes",
        "argued",
        "confirmed",
        "confirms",
        "acknowledged",
        "maintained",
        "asserted",
        "declared",
        "stressed",
        "explained",
        "admitted",
        "suggested",
    }
)
# Verbs after which the sentence is the subject's own act or statement, kept whole ("X denied ...").
_REPORTING_ACT_VERBS = (
    r"denied|denies|dismissed|dismisses|accused|accuses|called|calls|blamed|blames|demanded|demands|rejected|"
    r"rejects|urged|urges|threatened|threatens|vowed|vows|pledged|pledges|promised|promises|described|describes|"
    r"condemned|condemns|questioned|criticised|criticized|criticizes|criticises|insisted|warned|defended|"
    r"announced|confirmed|admitted|acknowledged"
)

_SPEECH_VERB = re.compile(rf"\b(?:{_SPEECH_VERBS})\b")
_TRAILING_ACCORDING_TO = re.compile(r"[,;]?\s*according to (?P<source>[^,\u201c\u201d\"]{2,120}?)\s*$")
_LEADING_ACCORDING_TO = re.compile(r"^According to (?P<source>[^,\u201c\u201d\"]{2,120}?),\s*")
# Separators before a trailing frame: a comma (optionally after a closing quote) or a closing quote.
_FRAME_SEPARATOR = re.compile(r",\s*[\u201d\"]?\s+|[\u201d\"],?\s+")
_VERB_FIRST_TRAILING = re.compile(
    rf"(?:,\s*[\u201d\"]?|[\u201d\"],?)\s+(?P<verb>{_SPEECH_VERBS})\s+"
    r"(?P<who>(?:the\s+)?[A-Z][^,\u201c\u201d\"]{0,80}?)(?P<rest>,[^\u201c\u201d\"]*)?$"
)
_ADVERB = r"(?:(?:also|later|however|meanwhile|immediately|previously|earlier|then|again|quickly|\w+ly)\s+)?"
_REPORTING_ACT = re.compile(rf"\s+(?:has\s+|have\s+|had\s+)?{_ADVERB}(?:{_REPORTING_ACT_VERBS})\b")

_MEDIA_SOURCE = re.compile(
    r"\b(?:News|Novosti|Tass|TASS|Reuters|AP|AFP|Associated Press|Bloomberg|Interfax|RIA|RT|BBC|CNN|NBC|CBS|ABC|"
    r"Fox|Times|Post|Journal|Guardian|Telegraph|Kommersant|Izvestia|agency|media|outlet|newspaper|television|"
    r"TV|broadcaster|radio|website|report|reports|documents?|footage|video|channel)\b"
)
_CHANNEL_KEYWORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bTelegram\b", re.I), "Telegram"),
    (re.compile(r"\b(?:tweet|Twitter)\b", re.I), "Twitter"),
    (re.compile(r"\bFacebook\b", re.I), "Facebook"),
    (re.compile(r"\bInstagram\b", re.I), "Instagram"),
    (re.compile(r"\bpress conference\b", re.I), "press conference"),
    (re.compile(r"\b(?:briefing)\b", re.I), "briefing"),
    (re.compile(r"\binterview\b", re.I), "interview"),
    (re.compile(r"\bstatement\b", re.I), "statement"),
    (re.compile(r"\bwebsite\b", re.I), "website"),
    (re.compile(r"\bmessage to reporters\b", re.I), "message to reporters"),
    (re.compile(r"\bcomment to (?:local )?media\b", re.I), "comment to local media"),
    (re.compile(r"\b(?:television|TV)\b"), "television"),
)

# Words a noun phrase naming a speaker may not contain: they signal a clause, so the "speaker" is really part of
# the claim ("sending debris crashing onto ..., the Kremlin said").
_CLAUSE_WORDS = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "not",
        "no",
        "will",
        "would",
        "could",
        "can",
        "may",
        "might",
        "should",
        "must",
        "did",
        "does",
        "do",
        "that",
        "which",
        "when",
        "if",
        "because",
        "there",
        "than",
        "while",
        "although",
        "though",
        "into",
        "onto",
        "without",
        "despite",
        "whether",
        "this",
        "these",
        "those",
        "it",
        "we",
        "i",
        "you",
        "us",
        "our",
        "my",
    }
)
_ADJECTIVE_LIKE_PARTICIPLES = frozenset(
    {
        "based",
        "run",
        "owned",
        "backed",
        "appointed",
        "elected",
        "unnamed",
        "alleged",
        "named",
        "retired",
        "exiled",
        "jailed",
        "detained",
        "affiliated",
        "linked",
        "aligned",
        "led",
        "united",
    }
)
_TRAILING_ADVERB = re.compile(
    r"(?:\s+(?:also|later|however|meanwhile|immediately|previously|earlier|then|again|\w+ly))+$"
)
_DATELINE = re.compile(r"^\([^)]{1,40}\)\s*[\u2014\u2013-]\s*")
# A speaker phrase starts with a name, a determiner or a number, never a preposition or conjunction.
_NON_SPEAKER_FIRST_WORDS = frozenset(
    {
        "with",
        "on",
        "in",
        "at",
        "for",
        "from",
        "to",
        "by",
        "of",
        "about",
        "since",
        "if",
        "when",
        "as",
        "after",
        "before",
        "while",
        "although",
        "because",
        "despite",
        "following",
        "during",
        "into",
        "over",
        "under",
        "against",
        "than",
        "that",
        "what",
        "where",
        "why",
        "how",
        "who",
        "whose",
        "which",
        "there",
        "here",
        "so",
        "neither",
        "nor",
        "either",
        "unless",
        "until",
        "once",
        "though",
        "whether",
        "not",
        "no",
    }
)
_RELATIVE_CLAUSE = re.compile(r"\s+(?:who|whose|which|where)\b.*$")
_ANONYMITY = re.compile(r"\s+(?:speaking|who spoke|who asked not to be named)\b[^,]*?(?:anonymity|named|identified)")
_INTRO_WORDS = frozenset(
    {
        "in",
        "on",
        "at",
        "after",
        "before",
        "despite",
        "following",
        "during",
        "since",
        "still",
        "but",
        "and",
        "yet",
        "however",
        "meanwhile",
        "earlier",
        "later",
        "also",
        "so",
        "then",
        "now",
        "last",
        "separately",
        "elsewhere",
        "instead",
        "moreover",
        "furthermore",
        "previously",
        "shortly",
    }
)
_PRONOUNS = frozenset({"he", "she", "it", "they"})
_REFERENCE_PHRASES = frozenset(
    {
        "the statement",
        "the ministry",
        "the agency",
        "the official",
        "the spokesman",
        "the spokeswoman",
        "the spokesperson",
        "the officials",
        "the report",
    }
)
_LEADING_DETERMINERS = re.compile(
    r"^(?:the|a|an|his|her|its|their|two|three|four|five|several|some|one|many|other|both)\s+", re.I
)
_TITLE_WORDS = frozenset(
    {
        "president",
        "secretary",
        "state",
        "foreign",
        "minister",
        "prime",
        "speaker",
        "duma",
        "spokesman",
        "spokeswoman",
        "spokesperson",
        "senator",
        "sen.",
        "rep.",
        "representative",
        "governor",
        "gov.",
        "mayor",
        "general",
        "gen.",
        "chancellor",
        "chairman",
        "chairwoman",
        "chair",
        "ceo",
        "director",
        "adviser",
        "advisor",
        "deputy",
        "vice",
        "chief",
        "head",
        "ambassador",
        "commander",
        "colonel",
        "col.",
        "lieutenant",
        "lt.",
        "captain",
        "mr.",
        "mrs.",
        "ms.",
        "dr.",
        "prof.",
        "professor",
        "judge",
        "justice",
        "attorney",
        "king",
        "queen",
        "prince",
        "princess",
        "pope",
        "sir",
        "lord",
        "lady",
        "defence",
        "defense",
        "interior",
        "press",
        "officer",
        "presidential",
        "kremlin",
        "senior",
        "former",
        "acting",
        "us",
        "u.s.",
        "uk",
        "u.k.",
        "eu",
        "un",
        "u.n.",
    }
)
_NAME_PARTICLES = frozenset({"de", "da", "van", "von", "der", "al", "bin", "el", "la", "le", "du", "dos", "del"})
_CAPITALISED_CLAUSE_STARTERS = frozenset({"it", "there", "this", "these", "those", "we", "i", "you", "that"})
_ROLE_NOUNS = re.compile(
    r"\b(?:officials?|spokes\w+|analysts?|experts?|authorities|police|ministry|government|sources?|"
    r"investigators|prosecutors|lawmakers|legislators|military|army|statement|presidency|service|agency)\b"
)
_CAPITALISED = re.compile(r"^[A-Z\u0400-\u042f][\w'\u2019.\-]*$")
_POSSESSIVE = re.compile(r"[\u2019']s$")


@dataclass(frozen=True, slots=True)
class Attribution:
    """The statement part of a sentence and its source. Offsets are relative to the sentence."""

    core_start: int
    core_end: int
    claimant: str | None
    channel: str | None
    # The claimant is a pronoun or "the statement": resolve it from the previous claimant in the document.
    claimant_is_reference: bool = False
    # How the speaker was written ("Kyiv", "The United States"): replaces a pronoun subject in the claim text.
    subject_phrase: str | None = None


def parse_attribution(sentence: str) -> Attribution:
    """Find the attribution frame of one sentence; without a frame the whole sentence is the claim."""
    end = _strip_terminal_period(sentence)
    start = 0
    claimant_phrase: str | None = None
    channel: str | None = None

    leading_according = _LEADING_ACCORDING_TO.match(sentence, 0, end)
    if leading_according:
        claimant_phrase, channel = _split_source(leading_according.group("source"))
        start = leading_according.end()
    # The pattern has no leading literal for the regex engine to skip to; the substring test rules most sentences out.
    trailing_according = _TRAILING_ACCORDING_TO.search(sentence, start, end) if "according to" in sentence else None
    if trailing_according and trailing_according.start() - start > 15:
        source_claimant, source_channel = _split_source(trailing_according.group("source"))
        claimant_phrase = claimant_phrase or source_claimant
        channel = channel or source_channel
        end = trailing_according.start()

    # Both frames look for the speech verbs of the same range: they are found once.
    verbs = list(_SPEECH_VERB.finditer(sentence, start, end))
    frame = _trailing_frame(sentence, start, end, verbs) or _leading_frame(sentence, start, end, verbs)
    if frame is not None:
        core_start, core_end, who, frame_channel = frame
        claimant_phrase = who
        channel = frame_channel or channel
    else:
        core_start, core_end = start, end
        if claimant_phrase is None:
            claimant_phrase = _reporting_subject(sentence, start, end)
    core_start, core_end = _trim_core(sentence, core_start, core_end)
    return _build(core_start, core_end, claimant_phrase, channel)


def _build(core_start: int, core_end: int, claimant_phrase: str | None, channel: str | None) -> Attribution:
    if claimant_phrase is None:
        return Attribution(core_start, core_end, None, channel)
    phrase = claimant_phrase.strip().strip(",")
    lowered = phrase.lower()
    if lowered in _PRONOUNS or lowered in _REFERENCE_PHRASES:
        return Attribution(core_start, core_end, None, channel, claimant_is_reference=True)
    first_part = phrase.split(",")[0]
    if _MEDIA_SOURCE.search(first_part) and not _looks_like_person(first_part):
        # "..., state-run Tass news service reported": the outlet is the channel, the claimant is unknown.
        return Attribution(core_start, core_end, None, channel or _clean_channel_name(first_part))
    claimant = normalise_claimant(phrase)
    subject = phrase if "," not in phrase and len(phrase.split()) <= 4 else claimant
    return Attribution(core_start, core_end, claimant, channel, subject_phrase=subject)


def _strip_terminal_period(sentence: str) -> int:
    end = len(sentence.rstrip())
    while end > 0 and sentence[end - 1] in ". " and not sentence[:end].endswith(".."):
        end -= 1
    return end


def _split_source(source: str) -> tuple[str | None, str | None]:
    """ "according to X": a news outlet or document is a channel, anyone else is the claimant."""
    source = source.strip()
    if _MEDIA_SOURCE.search(source):
        return None, _clean_channel_name(source)
    return source, None


def _trailing_frame(
    sentence: str, start: int, end: int, verbs: list[re.Match[str]]
) -> tuple[int, int, str, str | None] | None:
    """The frame after the statement; `verbs` are the _SPEECH_VERB matches of `sentence[start:end]`."""
    verb_first = _VERB_FIRST_TRAILING.search(sentence, start, end)
    if verb_first and verb_first.start() - start >= 12 and _is_speaker_phrase(verb_first.group("who")):
        rest = verb_first.group("rest") or ""
        return start, verb_first.start(), verb_first.group("who"), _channel_from(rest)
    # Speaker-first: find the last speech verb whose tail is only a channel or a participle clause.
    for verb in reversed(verbs):
        tail = sentence[verb.end() : end]
        if not _is_frame_tail(verb.group(), tail):
            continue
        best: tuple[int, str] | None = None
        for separator in _separators_before(sentence, start, verb.start()):
            who = _strip_trailing_adverb(sentence[separator.end() : verb.start()])
            if not who:
                continue  # "Dmitry Peskov, said": the comma right before the verb
            if not _is_speaker_phrase(who):
                break
            best = (separator.start(), who)
        if best is not None and best[0] - start >= 12:
            channel = _channel_from(tail, told=verb.group() in ("told", "tells"))
            return start, best[0], best[1], channel
        return None
    return None


def _separators_before(sentence: str, start: int, position: int) -> list[re.Match[str]]:
    """Separator matches before `position`, nearest first."""
    return list(reversed([m for m in _FRAME_SEPARATOR.finditer(sentence, start, position) if m.end() <= position]))


def _is_frame_tail(verb: str, tail: str) -> bool:
    """What may follow the verb of a trailing frame: nothing, a channel, a time, or ", referring to ..."."""
    stripped = tail.strip()
    if not stripped:
        return True
    if "\u201c" in stripped or '"' in stripped or re.match(r"^(?:that|,?\s*“)\b", stripped):
        return False
    if stripped.startswith(","):
        # ", referring to ...", ", specifying that ...", ", adding ...": a participle clause after the frame.
        return bool(re.match(r"^,\s*(?:\w+ing|according|in|on|citing)\b", stripped))
    if verb in ("told", "tells"):
        return bool(re.match(r"^(?:the\s+)?[A-Z\w]", stripped)) and len(stripped.split()) <= 10
    return (
        bool(
            re.match(
                r"^(?:in|on|at|during|via|through|to|late|early|earlier|later|last|this|"
                r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today)\b",
                stripped,
            )
        )
        and len(stripped.split()) <= 16
    )


def _leading_frame(
    sentence: str, start: int, end: int, verbs: list[re.Match[str]]
) -> tuple[int, int, str, str | None] | None:
    """The frame before the statement; `verbs` are the _SPEECH_VERB matches of `sentence[start:end]`."""
    if not verbs or verbs[0].start() == start:
        return None
    verb = verbs[0]
    who = _strip_trailing_adverb(_strip_intro(sentence[start : verb.start()]))
    if not who or not _is_speaker_phrase(who):
        return None
    after = sentence[verb.end() : end]
    verb_word = verb.group()
    that = re.match(r"^(?P<middle>[^\u201c\u201d\".;]{0,90}?)\s*\bthat\s+", after)
    if that and len(that.group("middle").split()) <= 12:
        middle = that.group("middle")
        channel = _clean_channel_name(middle) if verb_word in ("told", "tells") else _channel_from(middle)
        return verb.end() + that.end(), end, who, channel
    quoted = re.match(r"^\s*(?:,|:)\s*(?=[\u201c\"])", after)
    if quoted:
        return verb.end() + quoted.end(), end, who, None
    if verb_word in _CLAUSE_VERBS:
        bare = re.match(
            r"^\s+(?=[A-Z\u201c\"]|(?:it|he|she|they|the|a|an|his|her|its|their|there|no|legislators|"
            r"officials|plans|some|all|russia|ukraine)\b)",
            after,
        )
        if bare and len(after.split()) >= 3:
            return verb.end() + bare.end(), end, who, None
    return None


def _strip_trailing_adverb(phrase: str) -> str:
    """ "the Ukrainian presidency immediately" -> "the Ukrainian presidency"."""
    return _TRAILING_ADVERB.sub("", phrase.strip().rstrip(",")).strip()


def _strip_intro(phrase: str) -> str:
    """Drop a leading adverbial ("In Kyiv, ", "Despite the attack, ", "But, ") before the speaker."""
    phrase = _DATELINE.sub("", phrase.strip())
    parts = phrase.split(",")
    while len(parts) > 1 and parts[0].strip().split(" ")[0].lower() in _INTRO_WORDS:
        parts = parts[1:]
    remaining = ",".join(parts).strip()
    first_word = remaining.split(" ", 1)[0].lower() if remaining else ""
    if first_word in ("but", "and", "yet", "so", "still") and " " in remaining:
        remaining = remaining.split(" ", 1)[1]
    return remaining


def _reporting_subject(sentence: str, start: int, end: int) -> str | None:
    """The subject of "X denied / dismissed / called for ..." (the sentence stays whole)."""
    act = _REPORTING_ACT.search(sentence, start, min(end, start + 220))
    if act is None:
        return None
    who = _strip_intro(sentence[start : act.start()])
    if not who or not _is_speaker_phrase(who):
        return None
    words = who.split()
    if who.lower() in _REFERENCE_PHRASES or words[0].lower() in _PRONOUNS:
        return who
    # An actor, not an object: "A video posted by ..." is not a claimant; "The Kremlin", "Authorities" are.
    if words[0].lower() in ("a", "an") or not any(word[:1].isupper() for word in words[1:] or words):
        return None if not _is_role_noun_phrase(who) else who
    return who


def _is_role_noun_phrase(phrase: str) -> bool:
    return bool(_ROLE_NOUNS.search(phrase.lower()))


def _is_speaker_phrase(phrase: str) -> bool:
    """Is `phrase` a noun phrase naming a speaker (with appositives), rather than a clause?"""
    phrase = _ANONYMITY.sub("", phrase.strip().strip(","))
    if not phrase or len(phrase) > 160:
        return False
    if phrase.lower() in _PRONOUNS or phrase.lower() in _REFERENCE_PHRASES:
        return True
    first_part, *appositives = phrase.split(",")
    if first_part.split()[0].lower() in _NON_SPEAKER_FIRST_WORDS if first_part.split() else True:
        return False
    # Relative clauses inside appositives describe the speaker ("founder of Wagner Group whose forces have ...").
    phrase = ",".join([first_part, *(_RELATIVE_CLAUSE.sub("", part) for part in appositives)])
    words = phrase.replace(",", " ").split()
    if len(words) > 22 or len(phrase.split(",")[0].split()) > 9:
        return False
    if "\u201c" in phrase or "\u201d" in phrase or '"' in phrase:
        return False
    has_capital = False
    for word in words:
        bare = word.strip("()").rstrip(".")
        lowered = bare.lower()
        if bare[:1].isupper() and lowered not in _CAPITALISED_CLAUSE_STARTERS:
            has_capital = True  # "US Foreign Minister": a capitalised "US" is a country, not the pronoun
            continue
        if lowered in _CLAUSE_WORDS:
            return False
        if "-" in bare:
            continue
        if (lowered.endswith("ing") or lowered.endswith("ed")) and lowered not in _ADJECTIVE_LIKE_PARTICIPLES:
            # "two attacking drones", "sending debris": verbs, so a clause. (Role words ending in -ing are rare.)
            return False
    if not has_capital:
        # Lower-case only speakers are accepted when they are plainly people or bodies ("two officials").
        return _is_role_noun_phrase(phrase)
    return True


def _channel_from(tail: str, told: bool = False) -> str | None:
    tail = tail.strip().strip(",")
    if not tail:
        return None
    for pattern, name in _CHANNEL_KEYWORDS:
        if pattern.search(tail):
            return name
    if told:
        return _clean_channel_name(tail)
    return None


def _clean_channel_name(phrase: str) -> str | None:
    """ "state news agency RIA Novosti" -> "RIA Novosti"; "the agency" stays (resolved per document)."""
    phrase = phrase.strip().strip(",")
    for pattern, name in _CHANNEL_KEYWORDS:
        if pattern.search(phrase):
            return name
    if re.search(r"\b(?:documents?|reports?|footage|videos?|data|records)\b", phrase):
        return _LEADING_DETERMINERS.sub("", phrase)  # "a batch of leaked U.S. intel documents": keep it whole
    # The last run of capitalised words names the outlet: "state-run Tass news service" -> "Tass".
    runs: list[list[str]] = [[]]
    for token in phrase.split():
        if _CAPITALISED.match(token):
            runs[-1].append(token)
        elif runs[-1]:
            runs.append([])
    named = [run for run in runs if run]
    if named:
        return " ".join(named[-1])
    return _LEADING_DETERMINERS.sub("", phrase) or None


def normalise_claimant(phrase: str) -> str:
    """A claimant's name without titles or descriptions: "Secretary of State Antony Blinken" -> "Antony Blinken",
    "his spokesman, Dmitry Peskov" -> "Dmitry Peskov", "The Kremlin" -> "Kremlin", "two U.S. officials" ->
    "U.S. officials"."""
    parts = [part.strip() for part in _strip_intro(phrase).split(",") if part.strip()]
    single_names: list[str] = []
    for part in parts:
        name = _person_name(part)
        if name is None:
            continue
        if len(name.split()) >= 2:
            return name
        single_names.append(name)
    if single_names and (len(parts) == 1 or _person_name(parts[0]) is None):
        return single_names[0]
    first = parts[0] if parts else phrase.strip()
    first = _LEADING_DETERMINERS.sub("", first)
    first = _LEADING_DETERMINERS.sub("", first)  # "the two officials"
    return first[:1].upper() + first[1:] if first else phrase.strip()


def _looks_like_person(part: str) -> bool:
    name = _person_name(part)
    return name is not None and len(name.split()) >= 2 and not _MEDIA_SOURCE.search(name)


def _person_name(part: str) -> str | None:
    """The trailing run of capitalised words in `part` with leading titles removed, if the run ends the part."""
    tokens = _LEADING_DETERMINERS.sub("", part.strip()).split()
    if not tokens:
        return None
    run: list[str] = []
    for token in reversed(tokens):
        if _CAPITALISED.match(token) or (token.lower() in _NAME_PARTICLES and run):
            if _POSSESSIVE.search(token):
                break
            run.append(token)
        else:
            break
    run.reverse()
    while run and (
        run[0].lower() in _TITLE_WORDS
        or run[0].lower() in _INTRO_WORDS
        or (run[0].isupper() and len(run[0].rstrip(".")) <= 4 and len(run) > 2)
    ):
        run = run[1:]
    while run and run[0].lower() in _NAME_PARTICLES:
        run = run[1:]
    if not run:
        return None
    return " ".join(run)


def _trim_core(sentence: str, start: int, end: int) -> tuple[int, int]:
    """Trim whitespace, dangling punctuation and unbalanced quote marks from the claim part."""
    while True:
        before = (start, end)
        while start < end and sentence[start] in " ,;:\u2014-":
            start += 1
        while end > start and sentence[end - 1] in " ,;:\u2014-.":
            end -= 1
        core = sentence[start:end]
        opening, closing = core.count("\u201c"), core.count("\u201d")
        if core.startswith("\u201c") and core.endswith("\u201d") and opening == 1 and closing == 1:
            start, end = start + 1, end - 1
        elif core.endswith("\u201d") and closing > opening:
            end -= 1
        elif core.startswith("\u201c") and opening > closing:
            start += 1
        elif core.endswith(",\u201d") or core.endswith(".\u201d"):
            end -= 1
        if (start, end) == before:
            return start, end
