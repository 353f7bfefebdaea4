"""Keyword search over the published catalogue, in English and Kannada, tolerant of typos.

A citizen types "pahni" or "ಪಹಣಿ" and gets the taxonomy combinations (Department › Line Department ›
Service › Grievance › Category › Subcategory) to file under, best first. Every name and keyword of
the catalogue is scored against the query with rapidfuzz (see `_text_scores`); a grievance type's
score is its best own match, blended with the best match of its service, line department or
department, so "ration card" puts the grievances of the ration-card service above a stray mention.
"""
from __future__ import annotations

import bisect
import re
import threading
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

import rules

MIN_QUERY, MAX_QUERY = 2, 100
DEFAULT_LIMIT, MAX_LIMIT = 10, 50
LIMIT_ERROR = f"The number of results (limit) must be a whole number from 1 to {MAX_LIMIT}."
SCORE_CUTOFF = 60.0

# How much a match on each kind of text counts. A grievance's own name outranks the same words found
# as another grievance's keyword or category, which outrank the service, which outranks the department.
WEIGHTS = {
    "grievance": 1.0,
    "keyword": 0.95,
    "category": 0.95,
    "subcategory": 0.95,
    "service": 0.9,
    "service_keyword": 0.9,
    "line_department": 0.8,
    "department": 0.8,
}
# A grievance type's score is the better of its own match and its context's (service, line department,
# department); the other closes a tenth of the gap to 100, so both matching ranks higher and an exact
# name still scores 100.
CONTEXT = 0.1

_KANNADA = re.compile("[\u0c80-\u0cff]")
_LATIN = re.compile("[a-z0-9]")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u00ad\ufeff"))  # ZWNJ/ZWJ in ಆರ್‌ಟಿಸಿ; people type without them


def _text_scores(query: str, index: "_Texts") -> dict[int, float]:
    """Scores 0–100 of the texts that match the query at least SCORE_CUTOFF.

    rapidfuzz's WRatio, without its partial token-set part: that part scores 100 whenever the query
    and the text share a single word ("ration card" vs "UDID card"), which ranked stray texts above
    real matches. What is left: the whole text with typos (ratio), the query's words in any order
    (token_set_ratio) and the query inside a longer text with typos (partial_ratio, "pahni" in
    "pahani correction"); the last two count less the longer the text is than the query, as in WRatio.
    Partial matching needs 4 characters: "tc" is inside far too many words.
    """
    texts = index.texts

    def extract(scorer, cutoff, start=0):
        return {start + i: score for _, score, i in process.extract(query, texts[start:], scorer=scorer, processor=None,
                                                                     limit=None, score_cutoff=cutoff)}

    scores = extract(fuzz.ratio, SCORE_CUTOFF)
    words = extract(fuzz.token_set_ratio, SCORE_CUTOFF / 0.95)
    inside = {}
    if len(query) >= 4:  # texts are sorted by length: only those 1.5 times longer can contain the query
        inside = extract(fuzz.partial_ratio, SCORE_CUTOFF / 0.9, bisect.bisect_left(index.lengths, 1.5 * len(query)))
    for i in words.keys() | inside.keys():
        longer = len(texts[i]) / len(query)
        if longer < 1.5:
            candidates = (words.get(i, 0.0) * 0.95,)
        else:
            scale = 0.9 if longer < 8 else 0.6
            candidates = (words.get(i, 0.0) * 0.95 * scale, inside.get(i, 0.0) * scale)
        best = max(scores.get(i, 0.0), *candidates)
        if best >= SCORE_CUTOFF:
            scores[i] = best
    return scores


class SearchQueryError(ValueError):
    """The query cannot be searched; the message says why, in a sentence for the user."""


def normalise(text: str) -> str:
    """Case, width, punctuation and whitespace folded away; Kannada vowel signs kept (rapidfuzz's
    default processor would strip them as non-alphanumeric)."""
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    text = "".join(" " if unicodedata.category(ch)[0] in "PSZC" else ch for ch in text)
    return " ".join(text.split())


@dataclass(frozen=True)
class _Combination:
    department: rules.catalogue.Department
    service: rules.catalogue.Service
    grievance: rules.catalogue.GrievanceType


@dataclass(frozen=True)
class _Own:
    """A text of a grievance type itself: its name or keyword (category None), or a category or subcategory name."""
    combination: int
    category: rules.catalogue.Category | None = None
    subcategory: rules.catalogue.Subcategory | None = None

    @property
    def depth(self) -> int:
        return (self.category is not None) + (self.subcategory is not None)


@dataclass(frozen=True)
class _Context:
    """A text of a service, line department or department: it speaks for all of their grievance types."""
    combinations: tuple


class _Texts:
    """The distinct normalised texts of one script, each with the (weight, owner, text as written) carrying it."""

    def __init__(self):
        self.texts: list[str] = []
        self.owners: list[list[tuple[float, object, str]]] = []
        self._index: dict[str, int] = {}

    def add(self, text: str, weight: float, owner) -> None:
        key = normalise(text)
        if not key:
            return
        i = self._index.get(key)
        if i is None:
            i = self._index[key] = len(self.texts)
            self.texts.append(key)
            self.owners.append([])
        self.owners[i].append((weight, owner, text))

    def sort_by_length(self) -> None:
        order = sorted(range(len(self.texts)), key=lambda i: len(self.texts[i]))
        self.texts = [self.texts[i] for i in order]
        self.owners = [self.owners[i] for i in order]
        self.lengths = [len(t) for t in self.texts]
        self._index = {}


class CatalogSearch:
    """The search index of one catalogue version; build it once (see `catalogue_search`) and query it often."""

    def __init__(self, catalogue: rules.Catalogue):
        self.version = catalogue.version
        self.combinations: list[_Combination] = []
        self.kannada, self.latin = _Texts(), _Texts()
        for dept in catalogue.departments.values():
            first_of_department = len(self.combinations)
            by_line_department: dict[str, list[int]] = {}
            for service in dept.services:
                first_of_service = len(self.combinations)
                for g in service.grievances:
                    gi = len(self.combinations)
                    self.combinations.append(_Combination(dept, service, g))
                    by_line_department.setdefault(service.line_department, []).append(gi)
                    self._add(g.name, "grievance", _Own(gi))
                    for keyword in g.keywords:
                        self._add_text(keyword, "keyword", _Own(gi))
                    for category in g.categories:
                        self._add(category.name, "category", _Own(gi, category))
                        for sub in category.subcategories:
                            self._add(sub.name, "subcategory", _Own(gi, category, sub))
                of_service = _Context(tuple(range(first_of_service, len(self.combinations))))
                self._add(service.name, "service", of_service)
                for keyword in service.keywords:
                    self._add_text(keyword, "service_keyword", of_service)
            for code, name in dept.line_departments.items():
                self._add(name, "line_department", _Context(tuple(by_line_department.get(code, ()))))
            self._add(dept.name, "department", _Context(tuple(range(first_of_department, len(self.combinations)))))
        self.kannada.sort_by_length()
        self.latin.sort_by_length()

    def _add(self, name: rules.catalogue.Bilingual, kind: str, owner) -> None:
        self._add_text(name.en, kind, owner)
        self._add_text(name.kn, kind, owner)

    def _add_text(self, text: str, kind: str, owner) -> None:
        (self.kannada if _KANNADA.search(text) else self.latin).add(text, WEIGHTS[kind], owner)

    def search(self, q: str, limit: int = DEFAULT_LIMIT) -> list[dict]:
        """The best `limit` combinations for the query, best first. Raises SearchQueryError when the query
        has fewer than 2 letters or digits, is longer than 100 characters (spaces folded), or the limit is
        not 1–50."""
        if not isinstance(q, str):
            raise SearchQueryError(f"Type at least {MIN_QUERY} letters or digits to search.")
        if len(" ".join(q.split())) > MAX_QUERY:
            raise SearchQueryError(f"A search can be at most {MAX_QUERY} characters long; shorten it to the main words.")
        query = normalise(q)
        if len(query.replace(" ", "")) < MIN_QUERY:
            raise SearchQueryError(f"Type at least {MIN_QUERY} letters or digits to search.")
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise SearchQueryError(LIMIT_ERROR)

        own: dict[int, tuple[float, int, str, _Own]] = {}   # combination -> (score, -depth, matched text, owner)
        context: dict[int, tuple[float, str]] = {}           # combination -> (score, matched text)
        kannada, latin = bool(_KANNADA.search(query)), bool(_LATIN.search(query))
        for texts, wanted in ((self.kannada, kannada or not latin), (self.latin, latin or not kannada)):
            if not wanted:
                continue
            for i, score in _text_scores(query, texts).items():
                for weight, owner, text in texts.owners[i]:
                    weighted = score * weight
                    if isinstance(owner, _Own):
                        # on equal scores the shallower combination wins; a category is returned only when
                        # its name matches better than the grievance type's own texts
                        candidate = (weighted, -owner.depth, text, owner)
                        current = own.get(owner.combination)
                        if current is None or candidate[:2] > current[:2]:
                            own[owner.combination] = candidate
                    else:
                        for gi in owner.combinations:
                            current = context.get(gi)
                            if current is None or weighted > current[0]:
                                context[gi] = (weighted, text)

        ranked = []
        for gi in own.keys() | context.keys():
            own_score, _, own_text, owner = own.get(gi, (0.0, 0, None, _Own(gi)))
            context_score, context_text = context.get(gi, (0.0, None))
            high, low = max(own_score, context_score), min(own_score, context_score)
            score = high + (100.0 - high) * CONTEXT * low / 100.0
            matched = own_text if own_score >= context_score else context_text
            ranked.append((-score, gi, owner, matched))
        ranked.sort(key=lambda r: r[:2])
        return [self._result(owner, -negative, matched) for negative, _, owner, matched in ranked[:limit]]

    def _result(self, owner: _Own, score: float, matched: str) -> dict:
        combo = self.combinations[owner.combination]
        dept, service, g = combo.department, combo.service, combo.grievance
        category, sub = owner.category, owner.subcategory
        result = {
            "department": {"code": dept.code, "name": dept.name.as_dict()},
            "line_department": {"code": service.line_department,
                                "name": dept.line_departments[service.line_department].as_dict()},
            "service": {"code": service.code, "name": service.name.as_dict()},
            "grievance_type": {"code": g.code, "name": g.name.as_dict()},
        }
        if category is not None:
            result["category"] = {"code": category.code, "name": category.name.as_dict()}
        if sub is not None:
            result["subcategory"] = {"code": sub.code, "name": sub.name.as_dict()}
        result["score"] = round(score, 1)
        result["matched"] = matched
        return result


_indexes: dict[str, CatalogSearch] = {}
_lock = threading.Lock()


def catalogue_search(catalogue: rules.Catalogue) -> CatalogSearch:
    """The index of this catalogue version, built on first use; older versions' indexes are dropped."""
    index = _indexes.get(catalogue.version)
    if index is None:
        with _lock:
            index = _indexes.get(catalogue.version)
            if index is None:
                index = CatalogSearch(catalogue)
                _indexes.clear()
                _indexes[catalogue.version] = index
    return index
