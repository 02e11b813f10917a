"""Task families whose answers are computed, so a pair can be checked by computing it again.

Each family generates varied tasks (instruction, input, response) from a seeded random source,
themed by a domain and sized by a length bucket, and can `solve` a task phrased the way it
phrases them (or close to it) by parsing the numbers, dates or lists out of the text. The offline
provider generates with these families; verification recomputes with them, whatever wrote the pair.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import statistics
from collections.abc import Callable
from dataclasses import dataclass

from data_assets.text.taxonomy import DOMAINS


@dataclass(frozen=True)
class Task:
    instruction: str
    input: str
    response: str
    task_type: str
    domain: str
    family: str


# Per-domain vocabulary: a subject that acts, the things it counts, a place, and words for lists.
VOCAB: dict[str, dict] = {
    "programming": {"subject": ("A build server", "A developer team", "A code review bot"), "items": ("commits", "pull requests", "test cases", "bug reports"),
                    "words": ("compiler", "variable", "function", "module", "iterator", "closure", "pointer", "lambda", "thread", "socket")},
    "math": {"subject": ("A tutor", "A math club", "A classroom"), "items": ("worksheets", "puzzles", "exercises", "flash cards"),
             "words": ("vector", "matrix", "integral", "prime", "fraction", "tangent", "radius", "median", "theorem", "axiom")},
    "science": {"subject": ("A laboratory", "A research station", "A field biologist"), "items": ("samples", "test tubes", "readings", "specimens"),
                "words": ("electron", "photon", "enzyme", "neutron", "isotope", "nebula", "protein", "quasar", "mitosis", "catalyst")},
    "health": {"subject": ("A clinic", "A fitness coach", "A pharmacy"), "items": ("check-ups", "workouts", "vitamin packs", "appointments"),
               "words": ("protein", "stretching", "hydration", "cardio", "posture", "sleep", "fiber", "balance", "recovery", "pulse")},
    "finance": {"subject": ("A small shop", "An accountant", "A savings club"), "items": ("invoices", "receipts", "orders", "payments"),
                "words": ("budget", "dividend", "invoice", "ledger", "revenue", "equity", "interest", "audit", "margin", "asset")},
    "food": {"subject": ("A bakery", "A restaurant kitchen", "A food truck"), "items": ("loaves", "pancakes", "sandwiches", "cupcakes"),
             "words": ("basil", "cinnamon", "paprika", "oregano", "saffron", "nutmeg", "thyme", "ginger", "vanilla", "cumin")},
    "travel": {"subject": ("A tour guide", "A hotel", "A ferry service"), "items": ("tickets", "bookings", "suitcases", "postcards"),
               "words": ("passport", "itinerary", "terminal", "luggage", "harbor", "hostel", "visa", "compass", "railway", "souvenir")},
    "history": {"subject": ("A museum", "An archive", "A history teacher"), "items": ("manuscripts", "coins", "letters", "artifacts"),
                "words": ("dynasty", "treaty", "empire", "charter", "pharaoh", "crusade", "senate", "monarch", "armada", "republic")},
    "sports": {"subject": ("A football team", "A tennis academy", "A cycling club"), "items": ("training sessions", "matches", "footballs", "medals"),
               "words": ("marathon", "penalty", "referee", "stadium", "sprint", "tackle", "racket", "trophy", "relay", "league")},
    "arts": {"subject": ("A gallery", "A theatre company", "A poetry circle"), "items": ("paintings", "tickets", "poems", "sketches"),
             "words": ("sonnet", "canvas", "sculpture", "melody", "ballad", "fresco", "chorus", "mosaic", "palette", "opera")},
    "language": {"subject": ("A language school", "An editor", "A dictionary team"), "items": ("essays", "lessons", "entries", "sentences"),
                 "words": ("adjective", "syllable", "idiom", "pronoun", "adverb", "metaphor", "prefix", "suffix", "synonym", "vowel")},
    "general": {"subject": ("A library", "A community center", "A neighbor"), "items": ("books", "chairs", "boxes", "notebooks"),
                "words": ("lantern", "window", "garden", "pencil", "bicycle", "blanket", "kettle", "ladder", "mirror", "basket")},
}
assert set(VOCAB) == set(DOMAINS)

_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?")


def _fmt(value: float) -> str:
    value = round(value, 2)
    return str(int(value)) if value == int(value) else f"{value:.2f}".rstrip("0").rstrip(".")


def _numbers(text: str) -> list[float]:
    return [float(m.replace(",", "")) for m in _NUMBER.findall(text)]


def _list_items(text: str) -> list[str]:
    parts = [p.strip().strip(".") for p in re.split(r",|\n|;", text)]
    return [p for p in parts if p]


def _data_of(instruction: str, input_text: str) -> str:
    """Where a task's data lives: the input, or what follows the instruction's last colon."""
    if input_text.strip():
        return input_text
    return instruction.rsplit(":", 1)[1] if ":" in instruction else ""


def _answer(rng: random.Random, length: str, answer: str, steps: list[str]) -> str:
    """The response at the requested length; the answer always comes last, so a checker reading
    the last number or the tail of the text finds it."""
    if length == "short":
        return answer
    if length == "medium":
        return f"{steps[-1] if steps else 'Working it out'}. The answer is {answer}."
    body = "\n".join(f"Step {i}: {s}." for i, s in enumerate(steps, start=1))
    return f"{body}\nAnswer: {answer}"


# ---------------------------------------------------------------- families


class Family:
    name: str
    task_type: str

    def generate(self, rng: random.Random, domain: str, length: str) -> Task:
        raise NotImplementedError

    def solve(self, instruction: str, input_text: str) -> str | None:
        """The expected answer if this family recognizes the task, else None."""
        raise NotImplementedError

    def matches(self, response: str, expected: str) -> bool:
        numbers = _numbers(response)
        try:
            target = float(expected)
        except ValueError:
            return _norm(expected) in _norm(response)
        return bool(numbers) and abs(numbers[-1] - target) <= 0.011 + 1e-6 * abs(target)

    def task(self, instruction: str, input_text: str, response: str, domain: str) -> Task:
        return Task(instruction, input_text, response, self.task_type, domain, self.name)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.lower()).strip().strip(".")


UNITS = {  # (from, to): factor or function; names as they appear in text
    ("kilometers", "miles"): lambda v: v * 0.621371,
    ("miles", "kilometers"): lambda v: v / 0.621371,
    ("kilograms", "pounds"): lambda v: v * 2.20462,
    ("pounds", "kilograms"): lambda v: v / 2.20462,
    ("celsius", "fahrenheit"): lambda v: v * 9 / 5 + 32,
    ("fahrenheit", "celsius"): lambda v: (v - 32) * 5 / 9,
    ("liters", "gallons"): lambda v: v * 0.264172,
    ("meters", "feet"): lambda v: v * 3.28084,
    ("centimeters", "inches"): lambda v: v / 2.54,
    ("hours", "minutes"): lambda v: v * 60,
}
_UNIT_NAMES = sorted({u for pair in UNITS for u in pair}, key=len, reverse=True)
_UNIT_RE = "|".join(_UNIT_NAMES)


class UnitConversion(Family):
    name, task_type = "unit_conversion", "math"
    _CONTEXT = ("{subject} records a value of {v} {a}.", "In a note from {subject_l}, a quantity is given as {v} {a}.", "{subject} needs to report {v} {a} in other units.")
    _ASK = ("Convert {v} {a} to {b}, rounded to two decimals.", "How many {b} is {v} {a}? Round to two decimals.", "Express {v} {a} in {b} (two decimal places).")

    def generate(self, rng, domain, length):
        a, b = rng.choice(sorted(UNITS))
        v = _fmt(rng.choice([rng.randint(1, 500), rng.randint(1, 9999) / 10]))
        subject = rng.choice(VOCAB[domain]["subject"])
        ask = rng.choice(self._ASK).format(v=v, a=a, b=b)
        instruction = ask if rng.random() < 0.5 else rng.choice(self._CONTEXT).format(subject=subject, subject_l=subject.lower(), v=v, a=a) + " " + ask
        result = _fmt(UNITS[(a, b)](float(v)))
        steps = [f"The conversion from {a} to {b} is fixed", f"Applying it to {v} {a} gives {result} {b}"]
        return self.task(instruction, "", _answer(rng, length, f"{result} {b}", steps), domain)

    def solve(self, instruction, input_text):
        text = f"{instruction} {input_text}".lower()
        m = re.search(rf"(-?\d+(?:\.\d+)?)\s*(?:degrees\s+)?({_UNIT_RE})\b.*?\b(?:to|into|in)\s+(?:degrees\s+)?({_UNIT_RE})\b", text)
        if not m:
            m2 = re.search(rf"how many ({_UNIT_RE}) (?:is|are|in) (-?\d+(?:\.\d+)?)\s*({_UNIT_RE})", text)
            if not m2:
                return None
            value, a, b = m2.group(2), m2.group(3), m2.group(1)
        else:
            value, a, b = m.group(1), m.group(2), m.group(3)
        if (a, b) not in UNITS:
            return None
        return _fmt(UNITS[(a, b)](float(value)))


class WordProblem(Family):
    name, task_type = "arithmetic_word_problem", "math"
    # (template, answer) — the template is also the parser: numbers become groups.
    TEMPLATES: tuple[tuple[str, Callable[[int, int], float]], ...] = (
        ("{subject} has {a} {items}. It gets {b} more {items}. How many {items} does it have now?", lambda a, b: a + b),
        ("{subject} had {a} {items} and gave away {b} of them. How many {items} are left?", lambda a, b: a - b),
        ("{subject} handles {a} {items} every day. How many {items} does it handle in {b} days?", lambda a, b: a * b),
        ("{subject} shares {a} {items} equally among {b} groups. How many {items} does each group get?", lambda a, b: a / b),
        ("If {subject_l} orders {b} boxes with {a} {items} in each box, how many {items} is that in total?", lambda a, b: a * b),
        ("{subject} counted {a} {items} on Monday and {b} {items} on Tuesday. What is the total number of {items} over both days?", lambda a, b: a + b),
        ("{subject} needs {a} {items} but only has {b}. How many more {items} does it need?", lambda a, b: a - b),
        ("{subject} spends {a} dollars on {items} each week. How much does it spend in {b} weeks?", lambda a, b: a * b),
    )

    def generate(self, rng, domain, length):
        template, fn = rng.choice(self.TEMPLATES)
        a, b = rng.randint(12, 480), rng.randint(2, 24)
        if "equally" in template:
            a = b * rng.randint(3, 40)
        if "gave away" in template or "only has" in template:
            a, b = max(a, b) + rng.randint(1, 50), min(a, b)
        subject = rng.choice(VOCAB[domain]["subject"])
        items = rng.choice(VOCAB[domain]["items"])
        instruction = template.format(subject=subject, subject_l=subject.lower(), a=a, b=b, items=items)
        result = _fmt(fn(a, b))
        steps = [f"The numbers in the problem are {a} and {b}", f"Applying the operation the question describes to them gives {result}"]
        return self.task(instruction, "", _answer(rng, length, result, steps), domain)

    def solve(self, instruction, input_text):
        for template, fn in self.TEMPLATES:
            pattern = re.escape(template)
            pattern = pattern.replace(re.escape("{a}"), r"(?P<a>\d+)", 1).replace(re.escape("{b}"), r"(?P<b>\d+)", 1)
            pattern = pattern.replace(re.escape("{a}"), r"(?P=a)").replace(re.escape("{b}"), r"(?P=b)")
            for slot in ("{subject}", "{subject_l}", "{items}"):
                pattern = pattern.replace(re.escape(slot), r".+?")
            m = re.fullmatch(pattern, instruction.strip(), flags=re.IGNORECASE)
            if m:
                return _fmt(fn(int(m["a"]), int(m["b"])))
        return None


_DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%d %B %Y")
_DATE_RE = r"(\d{4}-\d{2}-\d{2}|[A-Z][a-z]+ \d{1,2}, \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})"


def _parse_date(text: str) -> dt.date | None:
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


class DateDifference(Family):
    name, task_type = "date_difference", "math"
    _ASK = (
        "How many days are there between {d1} and {d2}?",
        "{subject} runs a project from {d1} to {d2}. How many days is that?",
        "Count the days from {d1} to {d2}.",
        "{subject} booked something on {d1} for {d2}. How many days apart are the two dates?",
    )

    def generate(self, rng, domain, length):
        start = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randint(0, 3650))
        end = start + dt.timedelta(days=rng.randint(2, 900))
        fmt = rng.choice(_DATE_FORMATS)
        d1, d2 = start.strftime(fmt), end.strftime(fmt)
        instruction = rng.choice(self._ASK).format(d1=d1, d2=d2, subject=rng.choice(VOCAB[domain]["subject"]))
        days = (end - start).days
        steps = [f"From {d1} to {d2} the calendar advances {days} days", f"So the difference is {days} days"]
        return self.task(instruction, "", _answer(rng, length, f"{days} days" if length != "short" else str(days), steps), domain)

    def solve(self, instruction, input_text):
        text = f"{instruction} {input_text}"
        if not re.search(r"\bdays?\b", text, re.IGNORECASE):
            return None
        dates = [_parse_date(d) for d in re.findall(_DATE_RE, text)]
        dates = [d for d in dates if d]
        if len(dates) != 2:
            return None
        return str(abs((dates[1] - dates[0]).days))

    def matches(self, response, expected):
        # Dates in a worked answer contain numbers too; the day count is the number before "days"
        # or the last number.
        counts = re.findall(r"(-?\d+)\s+days?\b", response)
        return (bool(counts) and counts[-1] == expected) or super().matches(response, expected)


class ListStatistic(Family):
    name, task_type = "list_statistic", "math"
    STATS = {
        "average": lambda xs: statistics.mean(xs), "mean": lambda xs: statistics.mean(xs),
        "median": lambda xs: statistics.median(xs), "sum": lambda xs: sum(xs),
        "largest": lambda xs: max(xs), "smallest": lambda xs: min(xs),
    }
    _ASK = ("What is the {stat} of these {items} counts: {data}?", "{subject} logged these numbers of {items}: {data}. What is the {stat}?",
            "Find the {stat} of the following numbers.", "Give the {stat} value in this list of {items} per day.")

    def generate(self, rng, domain, length):
        stat = rng.choice(sorted(self.STATS))
        xs = [rng.randint(1, 200) for _ in range({"short": 4, "medium": 6, "long": 9}[length])]
        data = ", ".join(map(str, xs))
        ask = rng.choice(self._ASK)
        instruction = ask.format(stat=stat, items=rng.choice(VOCAB[domain]["items"]), data=data, subject=rng.choice(VOCAB[domain]["subject"]))
        input_text = "" if "{data}" in ask else data
        result = _fmt(self.STATS[stat](xs))
        steps = [f"The list has {len(xs)} numbers", f"Its {stat} is {result}"]
        return self.task(instruction, input_text, _answer(rng, length, result, steps), domain)

    def solve(self, instruction, input_text):
        lowered = instruction.lower()
        stats = [s for s in self.STATS if re.search(rf"\b{s}\b", lowered)]
        if len(stats) != 1:
            return None
        data = input_text if input_text.strip() else (lowered.split(":", 1)[1] if ":" in lowered else "")
        xs = _numbers(data)
        if len(xs) < 2:
            return None
        return _fmt(self.STATS[stats[0]](xs))


class Sorting(Family):
    name, task_type = "sorting", "transformation"
    _ASK_WORDS = ("Sort the following {domain} terms alphabetically.", "Put these words in alphabetical order: {data}",
                  "Arrange the {domain} words below in reverse alphabetical order.")
    _ASK_NUMBERS = ("Sort these numbers from smallest to largest: {data}", "Order the following {items} counts in descending order.",
                    "Arrange the numbers below in ascending order.")

    def generate(self, rng, domain, length):
        n = {"short": 4, "medium": 6, "long": 8}[length]
        if rng.random() < 0.5:
            xs = rng.sample(VOCAB[domain]["words"], n)
            ask = rng.choice(self._ASK_WORDS)
        else:
            xs = [str(x) for x in rng.sample(range(1, 999), n)]
            ask = rng.choice(self._ASK_NUMBERS)
        data = ", ".join(xs)
        instruction = ask.format(domain=domain, data=data, items=rng.choice(VOCAB[domain]["items"]))
        input_text = "" if "{data}" in ask else data
        result = self.solve(instruction, input_text)
        steps = [f"There are {n} items to order", f"In the requested order they read {result}"]
        return self.task(instruction, input_text, result if length == "short" else f"{steps[-1]}." if length == "medium" else "\n".join(f"Step {i}: {s}." for i, s in enumerate(steps, 1)) + f"\nAnswer: {result}", domain)

    def solve(self, instruction, input_text):
        lowered = instruction.lower()
        if not re.search(r"\b(sort|order|arrange)\b", lowered):
            return None
        items = _list_items(_data_of(instruction, input_text))
        if len(items) < 2:
            return None
        descending = bool(re.search(r"descending|largest to smallest|reverse alphabetical|z to a|highest to lowest", lowered))
        if all(_NUMBER.fullmatch(i) for i in items):
            ordered = sorted(items, key=lambda s: float(s.replace(",", "")), reverse=descending)
        elif re.search(r"alphabetical|a to z|z to a", lowered):
            ordered = sorted(items, key=str.lower, reverse=descending)
        else:
            return None
        return ", ".join(ordered)

    def matches(self, response, expected):
        return _norm(expected) in _norm(response)


def _sentence(rng: random.Random, domain: str) -> str:
    words = VOCAB[domain]["words"]
    subject = rng.choice(VOCAB[domain]["subject"])
    items = rng.choice(VOCAB[domain]["items"])
    verb = rng.choice(("checks", "collects", "describes", "compares", "keeps", "studies"))
    return f"{subject} {verb} the {rng.choice(words)} and {rng.randint(2, 30)} {items} near the {rng.choice(words)}"


class Reversal(Family):
    name, task_type = "string_reversal", "transformation"
    _ASK = ("Reverse the order of the words in the following sentence.", "Write this {domain} term backwards, letter by letter: {word}",
            "Reverse the characters of the word below.", "Give the sentence below with its words in reverse order.")

    def generate(self, rng, domain, length):
        ask = rng.choice(self._ASK)
        if "{word}" in ask or ask.endswith("of the word below."):
            data = rng.choice(VOCAB[domain]["words"])
        else:
            data = _sentence(rng, domain)
        instruction = ask.format(domain=domain, word=data)
        input_text = "" if "{word}" in ask else data
        result = self.solve(instruction, input_text) or ""
        return self.task(instruction, input_text, result if length != "long" else f"Reading from the end to the start gives:\n{result}", domain)

    def solve(self, instruction, input_text):
        lowered = instruction.lower()
        if not re.search(r"\b(reverse|backwards)\b", lowered):
            return None
        data = _data_of(instruction, input_text).strip()
        if not data:
            return None
        if re.search(r"\bwords\b", lowered) and not re.search(r"letter|character", lowered):
            return " ".join(reversed(data.split()))
        return data[::-1]

    def matches(self, response, expected):
        return expected.strip().lower() in response.lower()


class CaseConversion(Family):
    name, task_type = "case_conversion", "transformation"
    _ASK = ("Convert the following sentence to uppercase.", "Rewrite the text below in lowercase letters.",
            "Write the following {domain} sentence in title case.", "Change this line to all capital letters.")

    def generate(self, rng, domain, length):
        ask = rng.choice(self._ASK)
        data = _sentence(rng, domain)
        instruction = ask.format(domain=domain)
        return self.task(instruction, data, self.solve(instruction, data) or "", domain)

    def solve(self, instruction, input_text):
        lowered = instruction.lower()
        data = _data_of(instruction, input_text).strip()
        if not data:
            return None
        if re.search(r"uppercase|upper case|capital letters", lowered):
            return data.upper()
        if re.search(r"lowercase|lower case", lowered):
            return data.lower()
        if re.search(r"title case", lowered):
            return " ".join(w[:1].upper() + w[1:].lower() for w in data.split())
        return None

    def matches(self, response, expected):
        return expected.strip() in response


class Counting(Family):
    name, task_type = "counting", "closed_qa"
    _ASK = ("How many words are in the following sentence?", "Count the characters in the text below, including spaces.",
            "How many vowels does the following {domain} sentence contain?", "How many times does the letter '{letter}' appear in the text below?")

    def generate(self, rng, domain, length):
        ask = rng.choice(self._ASK)
        data = _sentence(rng, domain)
        letter = rng.choice([c for c in "aeinorst" if c in data.lower()] or ["e"])
        instruction = ask.format(domain=domain, letter=letter)
        result = self.solve(instruction, data) or "0"
        steps = ["Go through the text from start to end", f"The count is {result}"]
        return self.task(instruction, data, _answer(rng, length, result, steps), domain)

    def solve(self, instruction, input_text):
        lowered = instruction.lower()
        data = _data_of(instruction, input_text)
        if not data.strip() or not re.search(r"\b(how many|count)\b", lowered):
            return None
        letter = re.search(r"letter ['\"]?([a-z])['\"]?", lowered)
        if letter:
            return str(data.lower().count(letter.group(1)))
        if "vowel" in lowered:
            return str(sum(1 for c in data.lower() if c in "aeiou"))
        if "character" in lowered:
            return str(len(data.strip()) if "including spaces" in lowered or "spaces" not in lowered else len(re.sub(r"\s", "", data)))
        if re.search(r"\bwords\b", lowered):
            return str(len(data.split()))
        return None


class JsonExtraction(Family):
    name, task_type = "json_extraction", "extraction"
    _ASK = ("Extract the order number, quantity, item and unit price from the text below as a JSON object with keys order_id, quantity, item, unit_price.",
            "Return a JSON object (keys: order_id, quantity, item, unit_price) with the details of this {domain} order.",
            "Turn the following order line into JSON with the fields order_id, quantity, item and unit_price.")
    _LINE = re.compile(r"[Oo]rder #?(\d+): (\d+) x ([a-z][a-z -]*?) at \$(\d+(?:\.\d{1,2})?) each")

    def generate(self, rng, domain, length):
        item = rng.choice(VOCAB[domain]["items"])
        order_id, qty, price = rng.randint(1000, 99999), rng.randint(1, 60), rng.randint(50, 9999) / 100
        line = f"Order {order_id}: {qty} x {item} at ${price:.2f} each, placed by {rng.choice(VOCAB[domain]['subject']).lower()}."
        instruction = rng.choice(self._ASK).format(domain=domain)
        return self.task(instruction, line, self.solve(instruction, line) or "", domain)

    def solve(self, instruction, input_text):
        if "json" not in instruction.lower():
            return None
        m = self._LINE.search(input_text)
        if not m:
            return None
        return json.dumps({"order_id": int(m[1]), "quantity": int(m[2]), "item": m[3].strip(), "unit_price": float(m[4])})

    def matches(self, response, expected):
        m = re.search(r"\{.*\}", response, re.DOTALL)
        if not m:
            return False
        try:
            return json.loads(m.group(0)) == json.loads(expected)
        except json.JSONDecodeError:
            return False


class ParityClassification(Family):
    name, task_type = "number_classification", "classification"
    _ASK = ("Classify each of the following numbers as even or odd.", "Label every number in this list of {items} counts as even or odd: {data}",
            "For each number below, say whether it is prime or composite.", "Is each of these years a leap year or not? Answer per year.")

    def generate(self, rng, domain, length):
        ask = rng.choice(self._ASK)
        n = {"short": 3, "medium": 5, "long": 7}[length]
        xs = [rng.randint(1900, 2100) for _ in range(n)] if "leap" in ask else [rng.randint(2, 300) for _ in range(n)]
        data = ", ".join(map(str, xs))
        instruction = ask.format(items=rng.choice(VOCAB[domain]["items"]), data=data)
        input_text = "" if "{data}" in ask else data
        return self.task(instruction, input_text, self.solve(instruction, input_text) or "", domain)

    @staticmethod
    def _label(kind: str, x: int) -> str:
        if kind == "parity":
            return "even" if x % 2 == 0 else "odd"
        if kind == "prime":
            return "prime" if x > 1 and all(x % d for d in range(2, int(x ** 0.5) + 1)) else "composite"
        leap = x % 4 == 0 and (x % 100 != 0 or x % 400 == 0)
        return "leap year" if leap else "not a leap year"

    def solve(self, instruction, input_text):
        lowered = instruction.lower()
        kind = "parity" if "even or odd" in lowered else "prime" if "prime or composite" in lowered else "leap" if "leap year" in lowered else None
        if kind is None:
            return None
        xs = [int(x) for x in _numbers(_data_of(instruction, input_text)) if x == int(x)]
        if not xs:
            return None
        return "\n".join(f"{x}: {self._label(kind, x)}" for x in xs)

    def matches(self, response, expected):
        lines = {_norm(line) for line in response.splitlines()}
        return all(_norm(line) in lines for line in expected.splitlines())


FAMILIES: tuple[Family, ...] = (
    WordProblem(), UnitConversion(), DateDifference(), ListStatistic(), Sorting(), Reversal(), CaseConversion(),
    Counting(), JsonExtraction(), ParityClassification(),
)
FAMILIES_BY_TASK_TYPE: dict[str, list[Family]] = {}
for _family in FAMILIES:
    FAMILIES_BY_TASK_TYPE.setdefault(_family.task_type, []).append(_family)
COMPUTED_TASK_TYPES = tuple(sorted(FAMILIES_BY_TASK_TYPE))


def expected_answer(instruction: str, input_text: str) -> tuple[Family, str] | None:
    """The first family that recognizes the task, with the answer it computes."""
    for family in FAMILIES:
        expected = family.solve(instruction, input_text)
        if expected is not None:
            return family, expected
    return None


def verify_by_computation(instruction: str, input_text: str, response: str) -> tuple[bool, str] | None:
    """(verdict, reason) when a family recognizes the task; None when it must go to a judge."""
    found = expected_answer(instruction, input_text)
    if found is None:
        return None
    family, expected = found
    if family.matches(response, expected):
        return True, f"recomputed by {family.name}: answer matches"
    shown = expected if len(expected) <= 80 else expected[:79] + "…"
    return False, f"recomputed by {family.name}: expected {shown!r}"
