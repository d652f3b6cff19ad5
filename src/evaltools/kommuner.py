"""The 98 Danish kommuner: look up by code, name or slug, with suggestions for typos."""

from __future__ import annotations

import csv
import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from evaltools.errors import InputError


@dataclass(frozen=True, order=True)
class Kommune:
    """One kommune: official 3-digit code, Danish name, region."""

    code: str
    name: str
    region_code: str
    region: str

    @property
    def slug(self) -> str:
        return slugify(self.name)

    @property
    def full_name(self) -> str:
        """'Lejre Kommune'; Bornholm is 'Bornholms Regionskommune'."""
        if self.code == "400":
            return "Bornholms Regionskommune"
        return f"{self.name} Kommune"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class UnknownKommuneError(InputError, LookupError):
    """No kommune matches; the message suggests the closest names."""

    def __init__(self, query: str, suggestions: list[str]):
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"Unknown kommune '{query}'.{hint}")

    def __str__(self) -> str:  # LookupError would wrap the message in quotes
        return self.args[0]


_DANISH = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "ae", "Ø": "oe", "Å": "aa"})


def slugify(name: str) -> str:
    """'Lyngby-Taarbæk' -> 'lyngby-taarbaek', 'Høje-Taastrup' -> 'hoeje-taastrup'."""
    text = name.translate(_DANISH).lower()
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


# names used in exports and older DST tables (the kommune was renamed, or DST spells it another way)
_ALIASES = {"broenderslev-dronninglund": "810", "aarhus": "751", "copenhagen": "101", "koebenhavn": "101"}


def _key(text: str) -> str:
    return slugify(re.sub(r"\s+(regions)?kommune$", "", text.strip(), flags=re.IGNORECASE))


@lru_cache(maxsize=1)
def all_kommuner() -> tuple[Kommune, ...]:
    """The 98 kommuner in code order, from the packaged kommune list."""
    path = resources.files("evaltools.data.snapshot") / "kommuner.csv"
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        sorted(Kommune(r["kode"].zfill(3), r["navn"], r["regionskode"], r["region"]) for r in rows)
    )


@lru_cache(maxsize=1)
def _index() -> dict[str, Kommune]:
    index: dict[str, Kommune] = {}
    for k in all_kommuner():
        index[k.code] = k
        index[str(int(k.code))] = k
        index[_key(k.name)] = k
    for alias, code in _ALIASES.items():
        index.setdefault(alias, index[code])
    return index


def get_kommune(query: str | int | Kommune) -> Kommune:
    """Find a kommune by code (350, '350'), name ('Lejre', 'lejre kommune') or slug ('lyngby-taarbaek').

    Raises UnknownKommuneError with the closest names when nothing matches.
    """
    if isinstance(query, Kommune):
        return query
    text = str(query).strip()
    index = _index()
    key = _key(text)
    # 'Københavns Kommune', 'Bornholms Regionskommune': the official names are in the genitive
    # ('Vesthimmerlands' is DST's name, so 'Vesthimmerland' is the other way round)
    if text.isdigit():  # '0350' and '350' are both Lejre's code
        text = str(int(text))
    found = index.get(text) or index.get(key) or index.get(key.removesuffix("s")) or index.get(key + "s")
    if found is not None:
        return found
    names = {_key(k.name): k.name for k in all_kommuner()}
    close = difflib.get_close_matches(_key(text), list(names), n=3, cutoff=0.6)
    if not close:  # a prefix is often what a user means ('Lyngby' for Lyngby-Taarbæk)
        close = [s for s in names if s.startswith(_key(text)[:4])][:3] if len(text) >= 4 else []
    raise UnknownKommuneError(text, [names[c] for c in close])


class _CallableModule(type(unicodedata)):
    """``evaltools.kommuner()`` is the table of kommuner while ``evaltools.kommuner`` stays this module."""

    def __call__(self):
        from evaltools.listings import kommuner

        return kommuner()


import sys as _sys  # noqa: E402

_sys.modules[__name__].__class__ = _CallableModule
