"""Ordinary instruction data that must pass the compliance scan unchanged.

Written for this project (no row of any benchmark or shared dataset): the kinds of sentence a
user of instruction data hits every day that look, to a pattern, like PII. Add a case whenever a
user could hit one. A case passes when the default policy changes no character of it; flags
(a city, a URL, a public figure, a character) are allowed, redaction is not.
"""

from __future__ import annotations

import pytest

from data_assets.compliance import CompliancePolicy, scan_and_redact

MEASUREMENTS_AND_DECIMALS = [
    "Mix 75 g per person and 250 ml of milk.",
    "Light travels at 299,792,458 metres per second.",
    "The Earth takes about 365.2422 days to orbit the Sun.",
    "Pi is roughly 3.14159265358979 and e is 2.718281828.",
    "The tank holds 1250000 litres when full.",
    "Set the oven to 180 °C and bake for 25-30 minutes.",
    "A marathon is 42.195 km, or 26.2 miles.",
    "The population grew from 7.8 billion to 8.1 billion people.",
    "Avogadro's number is 6.02214076 x 10^23 per mole.",
    "The file is 1048576 bytes, exactly one mebibyte.",
    "Their revenue was $4,350,000 in Q3, up 12.5% on the year.",
    "It costs €1 299 999 for the whole building.",
    "The coordinates are 48.8584 N, 2.2945 E.",
    "Convert 0.000123 to scientific notation.",
    "Multiply 1234567 by 89 and show your work.",
    "The sequence 1 1 2 3 5 8 13 21 34 55 continues forever.",
]

YEARS_RANGES_VERSIONS_CODES = [
    "The Second World War lasted from 1939-1945.",
    "The Opium Wars (1839-1842 and 1856-1860) reshaped trade.",
    "Shakespeare wrote his sonnets between 1592 and 1598.",
    "Upgrade from Python 3.11.4 to 3.12.0 and Django 4.2.10.",
    "Install version 10.0.19041.1415 of the driver.",
    "Windows build 22621.2428 fixed the bug.",
    "See section 4.2.1.3 of the specification.",
    "The ISBN 978-3-16-148410-0 identifies the book.",
    "Our order number 2023-11-045-778 shipped today.",
    "Mail it to Beverly Hills, CA 90210-1234.",
    "The ZIP+4 code 20500-0003 belongs to a federal building.",
    "Run it at 12:45:18 on 2024-03-15.",
    "The hex colour #1a2b3c looks dark blue.",
    "Flight BA 2490 leaves from gate 12.",
    "Catalog number 555-0100-22 is discontinued; policy number 0161 496 0000 stays.",
    "The model has 175000000000 parameters and 4096 hidden units.",
    "CAS number 7732-18-5 is water; doi:10.1038/nature12373 is the paper.",
]

ADDRESSES_THAT_ARE_NOT_PERSONAL = [
    "Point the browser at 127.0.0.1 to reach the local server.",
    "Bind the service to 0.0.0.0 so every interface listens.",
    "Use the netmask 255.255.255.0 for a /24 subnet.",
    "My router is at 192.168.1.1 and the printer at 10.0.0.25.",
    "The documentation range 203.0.113.0/24 is safe for examples.",
    "Docker uses 172.17.0.1 as the bridge gateway.",
    "IPv6 loopback is ::1 and link-local addresses start with fe80::1.",
    "Examples use 2001:db8::8a2e:370:7334 by convention.",
    "Multicast DNS answers on 224.0.0.251.",
]

EPONYMS = [
    "What is the Maillard reaction?",
    "Should I open a Roth IRA or a traditional one?",
    "Explain Boyle's law with an example.",
    "The Diels-Alder reaction forms a six-membered ring.",
    "A Grignard reagent attacks the carbonyl carbon.",
    "The Haber process makes ammonia.",
    "Heat the flask with a Bunsen burner.",
    "Describe the Krebs cycle in plain words.",
    "How does the Doppler effect change a siren's pitch?",
    "State the Pythagorean theorem.",
    "Compute the Sharpe ratio of this portfolio.",
    "The Gini coefficient measures inequality.",
    "Explain the Black-Scholes model for options.",
    "A Ponzi scheme pays old investors with new money.",
    "Roe v. Wade was decided in 1973.",
    "What are Miranda rights?",
    "Apply Ohm's law to find the current.",
    "Plot the Fibonacci sequence.",
    "The Turing test asks whether a machine can pass for human.",
    "Use Bayes' theorem to update the probability.",
    "Kirchhoff's laws govern circuits.",
    "The Higgs boson was found in 2012.",
    "Draw the Lewis structure of water.",
    "What is the Calvin cycle?",
    "Fill in a Punnett square for two heterozygous parents.",
]

COMMON_WORDS_IN_OTHER_LANGUAGES = [
    "Einen Tisch für zwei Personen, bitte.",
    "Ich hätte gern eine Tasse Kaffee mit Milch.",
    "Die Arbeit ist morgen fertig.",
    "Merci beaucoup, à demain !",
    "Je voudrais un billet pour Lyon, s'il vous plaît.",
    "¿Dónde está la estación de tren? Muchas gracias.",
    "Quiero una mesa para cuatro personas.",
    "Vorrei un caffè e un cornetto, per favore.",
    "Obrigado pela ajuda, até amanhã.",
    "Dank je wel voor het eten.",
    "Tack så mycket för hjälpen.",
    "Translate 'Guten Morgen, wie geht es dir?' into English.",
]

CAPITALIZED_ORDINARY_WORDS = [
    "Will you help me plan a trip? May I bring my dog?",
    "CAN I SPEAK TO A REAL PERSON PLEASE",
    "The Sun is larger than the Moon.",
    "Hope is not a strategy.",
    "Grace under pressure is a virtue.",
    "Summer in the Alps is short.",
    "Explain the difference between a String and a List in Java.",
    "Mark the correct answer: A. 3 B. 4 C. 6 D. 8",
    "The White House is in Washington.",
    "Rank the Rhine, the Danube and the Volga by length.",
    "Black and white photos look timeless.",
    "Add ginger to the tea for a warm flavour.",
    "Describe the Long March.",
]

CREATIVE_WRITING = [
    "Write a story about Harry and Sally.",
    "Write a short poem in which Lucy talks to the moon.",
    "Write a dialogue between Alice and Bob about the weather.",
    "Create a fairy tale where Jack and Jill find a dragon.",
    "Write a scene: Maya and Leo meet at a train station.",
]

PUBLIC_CONTENT = [
    "Who wrote 1984? George Orwell.",
    "Summarize Einstein's theory of relativity.",
    "Marie Curie won two Nobel Prizes.",
    "Compare Picasso and Monet.",
    "What is the capital of France?",
    "Visit https://docs.python.org/3/ for the tutorial.",
]

# Periods, styles, plans and instruments named after peoples, places or people: capitalized
# words around a name-like word that are the subject of the content, not anyone's data.
HISTORY_AND_SCIENCE = [
    "The Roman Empire fell in 476 AD.",
    "Describe the Victorian era in three sentences.",
    "Compare Gothic and Baroque architecture.",
    "Who won the Battle of Bunker Hill?",             # an event named after its place
    "Summarize the Treaty of Fort Stanwix.",
    "Explain the Doppler effect with an example.",
    "Write a haiku about the Pacific Ocean.",
    "What did the Marshall Plan do for Europe?",
    "The Great Wall of China is visible from space: true or false?",
    "Name three French painters of the Impressionist movement.",
    "How does a Bunsen burner work?",
]

# An instruction's verb opening the sentence, then a scientist's or author's name in the possessive:
# the subject is the work, not the person.
INSTRUCTION_ABOUT_SOMEONES_WORK = [
    "Paraphrase Hubble's observation about distant galaxies.",
    "Summarize Carson's warning about pesticides.",
    "Outline Kepler's laws of planetary motion.",
]

# A salutation to a role or an everyday word, not to a named person.
SALUTATIONS_TO_EVERYDAY_WORDS = [
    "Dear Reader, this chapter is short.",
    "Dear Guest, breakfast is served until ten.",
    "Dear Neighbor, the street party is on Saturday.",
]

# A name cue before an everyday word that goes on as a phrase: a campaign, a team or a title.
PHRASES_AFTER_A_NAME_CUE = [
    "Name: Save the Whales\nGoal: raise 500 dollars for the aquarium.",
    "Team name: Hope for All. Members: five.",
    "Project name: Grace under Fire",
]

# Products, titles and mnemonics that open with a given name but hold an everyday word inside.
THINGS_WITH_AN_EVERYDAY_WORD_INSIDE = [
    "Try the Ruby Baking Mix for muffins.",
    "Pack the Vera Hiking Boots.",
    "Mnemonic for the planets: Martin Eats Very Sweet Jam.",
]

CODE = [
    "Replace localhost:8080 with 127.0.0.1:8080 in the config.",
    "Use os.environ['API_KEY'] instead of hard-coding the key.",
    "password = os.environ.get('DB_PASSWORD')",
    "In binary, 'Hi' is 01001000 01101001.",
    "x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]",
    "SELECT * FROM users WHERE id = 1234567;",
]

# Contractions written with a curly apostrophe, after a greeting or a comma: the word lists hold
# them with a straight one, and "Hey, I’m" read as someone greeted by name.
CURLY_CONTRACTIONS = [
    "Hey, I’m happy to help with that.",
    "Hello, I’m doing quite well, thanks.",
    "To get more help with your landlord, I’d recommend a tenants’ union.",
    "Sure, you’ll find it in the second drawer.",
]

BENIGN = (MEASUREMENTS_AND_DECIMALS + YEARS_RANGES_VERSIONS_CODES + ADDRESSES_THAT_ARE_NOT_PERSONAL + EPONYMS
          + COMMON_WORDS_IN_OTHER_LANGUAGES + CAPITALIZED_ORDINARY_WORDS + CREATIVE_WRITING + PUBLIC_CONTENT + HISTORY_AND_SCIENCE + INSTRUCTION_ABOUT_SOMEONES_WORK
          + SALUTATIONS_TO_EVERYDAY_WORDS + PHRASES_AFTER_A_NAME_CUE + THINGS_WITH_AN_EVERYDAY_WORD_INSIDE + CODE + CURLY_CONTRACTIONS)


@pytest.mark.parametrize("text", BENIGN)
def test_benign_sentence_passes_unchanged(text):
    outcome = scan_and_redact({"instruction": text, "input": "", "response": ""})
    assert outcome.fields["instruction"] == text, outcome.reasons
    assert outcome.status == "pass", outcome.reasons


@pytest.mark.parametrize("text", CREATIVE_WRITING)
def test_characters_of_creative_prompts_are_flagged(text):
    outcome = scan_and_redact({"instruction": text})
    assert "flag:CHARACTER" in outcome.reasons


def test_a_private_person_in_a_creative_prompt_with_a_naming_cue_is_still_redacted():
    outcome = scan_and_redact({"instruction": "Write a poem for my wife. Her name is Ingrid Solberg."})
    assert "Ingrid Solberg" not in outcome.fields["instruction"]


def test_a_salutation_to_a_given_name_that_is_also_a_word_is_still_redacted():
    outcome = scan_and_redact({"instruction": "Dear Hope, your parcel has arrived."})
    assert "Hope" not in outcome.fields["instruction"]


def test_a_full_name_in_the_possessive_after_a_verb_is_still_redacted():
    outcome = scan_and_redact({"instruction": "Forward Ingrid Solberg's invoice to accounting."})
    assert "Ingrid Solberg" not in outcome.fields["instruction"]


def test_a_full_name_with_a_middle_initial_is_still_redacted():
    outcome = scan_and_redact({"instruction": "Send the contract to Ingrid K. Solberg tomorrow."})
    assert "Solberg" not in outcome.fields["instruction"]


@pytest.mark.parametrize("text", [
    "As a regular commenter Stephan Brandt wrote, the verses of that song were better live.",
    "The play was directed by Joanna Kowalczyk and I loved the second scene.",
    "Strip the special characters from the file Anna Lindqvist sent.",
])
def test_a_mention_of_a_song_a_play_or_characters_is_no_creative_prompt(text):
    outcome = scan_and_redact({"instruction": text})
    assert "flag:CHARACTER" not in outcome.reasons, outcome.reasons
    assert "redact:PERSON" in outcome.reasons, outcome.reasons


# Everyday English words that the international given-name list also holds (as rare names
# somewhere): with other PII in the text, or a policy that redacts lone given names, they must
# still read as the words they are.
WORDS_THAT_ARE_RARE_NAMES = [
    "Okay, I can send it to you at jo.marsh@example.org tomorrow.",
    "Edit the draft and mail it back to jo.marsh@example.org.",
    "Five of us will be there; call 020 7946 0958 if you are late.",
    "Cat food goes on the top shelf, card 4111 1111 1111 1111 pays for it.",
    "Joke aside, my number is 020 7946 0958.",
]


@pytest.mark.parametrize("text", WORDS_THAT_ARE_RARE_NAMES)
def test_everyday_words_that_are_rare_names_are_no_names(text):
    strict = CompliancePolicy(actions={**CompliancePolicy().actions, "GIVEN_NAME": "redact"})
    outcome = scan_and_redact({"instruction": text}, strict)
    assert text.split()[0] in outcome.fields["instruction"], outcome.reasons
    assert not {"PERSON", "GIVEN_NAME"} & {f.entity_type for f in outcome.findings["instruction"]}


def test_a_given_name_of_the_international_list_is_still_a_name():
    outcome = scan_and_redact({"instruction": "Yesterday Hülya asked me to call 020 7946 0958."})
    assert "Hülya" not in outcome.fields["instruction"]



# A word that labels the value after it, in lowercase text where any listed given name can be a
# name ("Iban" is a Basque given name): the value goes, its label stays.
@pytest.mark.parametrize("text, label", [
    ("my iban is de89 3704 0044 0532 0130 00, thanks", "iban"),
    ("iban: fr14 2004 1010 0505 0001 3m02 606", "iban"),
    ("my visa number is 4111 1111 1111 1111", "visa"),
])
def test_the_label_of_a_value_is_no_name(text, label):
    outcome = scan_and_redact({"instruction": text})
    assert outcome.status == "redacted", outcome.reasons
    assert outcome.fields["instruction"].startswith(text[:text.index(label) + len(label)]), outcome.fields
    assert not {"PERSON", "GIVEN_NAME"} & {f.entity_type for f in outcome.findings["instruction"]}


def test_a_person_with_the_name_of_a_label_is_still_a_person():
    outcome = scan_and_redact({"instruction": "please call iban at 020 7946 0958 tomorrow"})
    assert "iban" not in outcome.fields["instruction"], outcome.fields
