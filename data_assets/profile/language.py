"""A cheap, offline language guess: script first, then stopword votes for Latin-script text.

Good enough to show a dataset's language mix; not a replacement for a trained identifier.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)

# The most frequent function words of each language; overlaps between languages are left out.
_STOPWORDS = {
    "en": set("the and of to is in that it for you with this are be on as what how can your an or".split()),
    "es": set("el la los las de que y en un una es por para con del se su al como más pero".split()),
    "fr": set("le la les de des et est un une du que pour dans qui sur au avec ce pas vous".split()),
    "de": set("der die das und ist nicht ein eine zu den mit von sie ich auf für im dem des".split()),
    "pt": set("o os as de que e um uma do da em para com não se por mais dos das".split()),
    "it": set("il lo gli di che e un una è per con non si del della sono nel alla".split()),
    "nl": set("de het een en van is dat op te zijn niet met voor hij ik".split()),
}

_SCRIPTS = [
    ("zh", re.compile(r"[\u4e00-\u9fff]")),
    ("ja", re.compile(r"[\u3040-\u30ff]")),
    ("ko", re.compile(r"[\uac00-\ud7af]")),
    ("ru", re.compile(r"[\u0400-\u04ff]")),
    ("ar", re.compile(r"[\u0600-\u06ff]")),
    ("hi", re.compile(r"[\u0900-\u097f]")),
    ("el", re.compile(r"[\u0370-\u03ff]")),
    ("he", re.compile(r"[\u0590-\u05ff]")),
    ("th", re.compile(r"[\u0e00-\u0e7f]")),
]


def guess_language(text: str) -> str:
    """ISO 639-1 code of the likeliest language, `und` when there is too little text to tell."""
    if not text or not text.strip():
        return "und"
    letters = sum(1 for ch in text if ch.isalpha())
    if letters == 0:
        return "und"
    # Japanese is checked before Chinese: kana appear only in Japanese, Han characters in both.
    counts = {code: len(pattern.findall(text)) for code, pattern in _SCRIPTS}
    if counts["ja"] and counts["ja"] + counts["zh"] > 0.3 * letters:
        return "ja"
    best_script = max(counts, key=counts.get)
    if counts[best_script] > 0.3 * letters:
        return best_script
    words = [w.lower() for w in _WORD.findall(text)]
    votes = {code: sum(1 for w in words if w in stop) for code, stop in _STOPWORDS.items()}
    code = max(votes, key=votes.get)
    if votes[code] == 0:
        return "en" if words else "und"
    return code
