"""Author's thanks: did the mention's author like the reply, or answer it with thanks? (pure)

The reach tracker reads who liked and who answered a posted reply (`Reach.reactions`); the
author's own like counts, and so does an answer of theirs that says thanks in one of the
languages triage knows. Words are matched whole (so "ty" is not found in "pretty") after
case folding and accent stripping; scripts without spaces between words (ja, zh) match as
substrings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from crowdcare.domain.replies import Reaction, ReactionKind

# Thanks in the languages triage knows (crowdcare.rules.triage.language.SUPPORTED_LANGUAGES);
# folded like the text they are looked for in.
_THANKS_WORDS = (
    # en
    "thanks", "thank you", "thank u", "thankyou", "thx", "thnx", "ty", "tysm", "cheers",
    "appreciate", "appreciate it", "appreciated", "much appreciated",
    # es, pt, it, fr, de, nl
    "gracias", "obrigado", "obrigada", "valeu", "grazie", "merci", "danke", "dankeschon",
    "vielen dank", "dank je", "dank u", "bedankt",
    # sv, da, no, fi, pl, tr, ru
    # (a bare "tak" is also Polish for "yes": only the Danish phrases count)
    "tack", "tusen tack", "mange tak", "tusind tak", "tak for", "takk",
    "kiitos", "dziekuje", "dzieki",
    "tesekkurler", "tesekkur ederim", "sagol", "спасибо", "благодарю",
    # ar, hi, ko
    "شكرا", "شكرًا", "धन्यवाद", "शुक्रिया", "감사합니다", "고마워요", "고맙습니다",
)  # fmt: skip
# Thanks in scripts written without spaces: found anywhere in the text.
_THANKS_INFIXES = ("ありがとう", "感謝", "谢谢", "謝謝", "多谢", "감사")

_WORD = re.compile(r"\w+(?:'\w+)?")


def _folded(text: str) -> str:
    """Case folded, compatibility-decomposed, combining marks dropped: "Dziękuję" and
    "dziekuje" are one (the words below are folded the same way, so every script agrees)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


THANKS_WORDS: frozenset[str] = frozenset(" ".join(_WORD.findall(_folded(w))) for w in _THANKS_WORDS)
THANKS_INFIXES: tuple[str, ...] = tuple(_folded(w) for w in _THANKS_INFIXES)
_LONGEST = max(len(w.split()) for w in THANKS_WORDS)


def says_thanks(text: str) -> bool:
    """Whether `text` thanks (a thanks word or phrase, whole words, any supported language)."""
    folded = _folded(text)
    if any(infix in folded for infix in THANKS_INFIXES):
        return True
    words = _WORD.findall(folded)
    return any(
        " ".join(words[i : i + n]) in THANKS_WORDS
        for n in range(1, _LONGEST + 1)
        for i in range(len(words) - n + 1)
    )


def _same(value: str, *candidates: str) -> bool:
    own = value.strip().lstrip("@").casefold()
    return bool(own) and own in {c.strip().lstrip("@").casefold() for c in candidates if c}


def author_thanks(
    reactions: Iterable[Reaction], author_id: str, author_handle: str
) -> Reaction | None:
    """The author's like of the reply, else their answer that says thanks; None when neither.

    A reaction is the author's when its platform id or its handle is theirs (some platforms
    give mentions an id and reactions a handle, or the other way round)."""
    mine = [
        r
        for r in reactions
        if _same(r.author_id, author_id, author_handle) or _same(r.handle, author_id, author_handle)
    ]
    liked = next((r for r in mine if r.kind is ReactionKind.LIKE), None)
    if liked is not None:
        return liked
    return next((r for r in mine if r.kind is ReactionKind.REPLY and says_thanks(r.text)), None)
