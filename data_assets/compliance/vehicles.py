"""Vehicle identifiers a text gives as such, which HIPAA lists among the identifiers to remove:
a vehicle identification number ("VIN: 1HGCM82633A004352") and a licence plate ("plate B-123-XYZ",
"Kennzeichen M-AB 1234").

Neither counts on its shape alone. Seventeen capitals and digits are also keys and serial numbers,
and only North American VINs carry a check digit; a plate is a few capitals and digits, as
countless codes are. So both count only right after their name, joined to it by the words that
introduce a number (`national_ids.NUMBER_JOINT`).
"""

from __future__ import annotations

from data_assets.compliance.findings import Finding, overlaps_any
from data_assets.compliance.national_ids import NUMBER_JOINT, id_pattern, named_matches

# Each name opens with one of its kind's stems, so the patterns are tried only where a stem opens
# a word ("licence plate" is read from "plate", "numéro d'immatriculation" from "immatriculation").
_VIN_NAMES = (r"vin\b|vehicle[ \t]+identification[ \t]+number|vehicle[ \t]+id\b|chassis[ \t]+(?:number|no\.?)|frame[ \t]+number|"
              r"fahrgestellnummer|fahrzeug-?identifizierungsnummer|numéro[ \t]+de[ \t]+série[ \t]+du[ \t]+véhicule|bastidor")
_VIN_STEMS = ("vin", "vehicle", "chassis", "frame", "fahr", "numéro de série", "bastidor")
# Seventeen characters of the VIN alphabet (no I, O or Q), digits among them.
_VIN = id_pattern(rf"(?i:{_VIN_NAMES}){NUMBER_JOINT}(?P<value>(?<![\w-])(?=(?:[A-Z]*\d){{3}})[A-HJ-NPR-Z0-9]{{17}}(?![\w-]))")
# "Registration number" alone names a company's as often as a car's: the vehicle's is said so.
_PLATE_NAMES = (r"plate|vehicle[ \t]+registration(?:[ \t]+(?:number|no\.?))?|registration[ \t]+(?:mark|plate)|reg\.?[ \t]+(?:no\.?|number)|"
                r"kennzeichen|immatriculation|matrícula|targa|kenteken|registreringsnummer")
_PLATE_STEMS = ("plate", "vehicle", "reg", "kennzeichen", "immatriculation", "matrícula", "targa", "kenteken")
# Two to ten capitals and digits in up to four groups parted by a space or a hyphen ("AB12 CDE",
# "B-123-XYZ", "7ABC123"), at least one of each.
_PLATE = id_pattern(rf"(?i:{_PLATE_NAMES}){NUMBER_JOINT}(?P<value>(?<![\w-])(?=[A-Z0-9 -]*\d)(?=[0-9 -]*[A-Z])"
                    rf"[A-Z0-9]{{1,8}}(?:[ -][A-Z0-9]{{1,7}}){{0,3}}(?![\w-]))")

_VIN_VALUES = dict(zip("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", (*range(10), 1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5,
                                                            6, 7, 8, 9)))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def vin_check_digit_valid(vin: str) -> bool:
    """The check digit (9th character) North American VINs carry: the weighted sum of the
    characters' values mod 11, 10 written X. VINs of other regions need not carry one."""
    vin = vin.upper()
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS))
    return "0123456789X"[total % 11] == vin[8]


def vehicle_ids(text: str, lower: str | None = None) -> list[Finding]:
    """VINs and licence plates given as such. `lower`: `text.lower()`, if made."""
    lower = text.lower() if lower is None else lower
    # A VIN whose check digit is right is surely one; the others are written so after "VIN" too.
    found = [Finding(m.start("value"), m.end("value"), "VEHICLE_ID", "vin", 0.9 if vin_check_digit_valid(m.group("value")) else 0.8)
             for m in named_matches(text, lower, _VIN_STEMS, _VIN)]
    for m in named_matches(text, lower, _PLATE_STEMS, _PLATE):
        finding = Finding(m.start("value"), m.end("value"), "VEHICLE_ID", "licence_plate", 0.8)
        if not overlaps_any(finding, found):
            found.append(finding)
    return found
