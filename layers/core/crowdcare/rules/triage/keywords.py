"""Keyword matching for the triage rules: case-insensitive, on word boundaries, phrases too.

Built once per rules document (`CompiledRules`), so the hot path never recompiles a pattern.
"""

from __future__ import annotations

import functools
import re

Keywords = tuple[str, ...]


def normalise_keywords(value: tuple[str, ...]) -> tuple[str, ...]:
    """Lower-case, strip, drop duplicates; an empty keyword would match everything."""
    seen: dict[str, None] = {}
    for raw in value:
        word = " ".join(raw.lower().split())
        if not word:
            raise ValueError("keywords must not be empty")
        seen[word] = None
    return tuple(seen)


_TOKENS = re.compile(r"\w+|[^\w\s]")
_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=8)
def _tokens(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """The lower-cased word and symbol tokens of `text`, in order and as a set.

    Cached: analyze asks a dozen keyword lists about the same text, and tokenising once is
    what keeps the lists cheap (one big regex alternation per list was most of triage's time).
    """
    tokens = tuple(_TOKENS.findall(text.lower()))
    return tokens, frozenset(tokens)


class KeywordMatcher:
    """A keyword list matched case-insensitively on word boundaries, phrase-aware.

    Keywords made of word characters are matched on tokens (a set lookup, or a token run for
    a phrase, so "not working" needs the words in sequence with only spaces between). The rest
    ("can't", "!!!", "% off", "wi-fi") go through one regex that checks word boundaries.
    """

    __slots__ = ("_firsts", "_pattern", "_phrases", "_single")

    def __init__(self, keywords: Keywords) -> None:
        self._single: frozenset[str] = frozenset()
        self._phrases: dict[str, tuple[tuple[str, ...], ...]] = {}
        self._pattern: re.Pattern[str] | None = None
        single: set[str] = set()
        phrases: dict[str, list[tuple[str, ...]]] = {}
        rest: list[str] = []
        for keyword in keywords:
            parts = tuple(keyword.split())
            if not all(_WORD.fullmatch(part) for part in parts):
                rest.append(keyword)
            elif len(parts) == 1:
                single.add(parts[0])
            else:
                phrases.setdefault(parts[0], []).append(parts)
        self._single = frozenset(single)
        # Longest phrase first, so "class action" is reported rather than a shorter one.
        self._phrases = {
            first: tuple(sorted(runs, key=len, reverse=True)) for first, runs in phrases.items()
        }
        # Every token a match can start with: one set test rules most lists out.
        self._firsts: frozenset[str] = self._single | frozenset(self._phrases)
        if rest:
            # Longest first; whitespace in a phrase matches any run of spaces. (?<!\w)/(?!\w)
            # rather than \b so keywords ending in symbols ("!!!", "% off") still match.
            alternatives = "|".join(
                r"\s+".join(re.escape(part) for part in word.split())
                for word in sorted(rest, key=len, reverse=True)
            )
            self._pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)

    def _token_matches(self, text: str, first_only: bool) -> list[str]:
        tokens, present = _tokens(text)
        if self._firsts.isdisjoint(present):
            return []
        found: list[str] = []
        for index, token in enumerate(tokens):
            for run in self._phrases.get(token, ()):
                if tokens[index : index + len(run)] == run:
                    found.append(" ".join(run))
                    break
            else:
                if token in self._single:
                    found.append(token)
            if found and first_only:
                break
        return found

    def find_all(self, text: str) -> tuple[str, ...]:
        """Distinct matched keywords (lower-cased): word keywords in order of appearance,
        then symbol keywords in theirs."""
        found = dict.fromkeys(self._token_matches(text, first_only=False))
        if self._pattern is not None:
            for match in self._pattern.finditer(text):
                found[" ".join(match.group(0).lower().split())] = None
        return tuple(found)

    def search(self, text: str) -> bool:
        """Whether any keyword occurs in `text`."""
        if self._token_matches(text, first_only=True):
            return True
        return self._pattern is not None and self._pattern.search(text) is not None
