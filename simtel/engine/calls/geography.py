"""Where a phone number is: the `FromCountry`, `FromState`, `FromCity`, `FromZip` (and `To…`,
`Caller…`, `Called…`) values of the voice request parameters (digest §7.1).

Twilio derives them from its numbering databases; simtel uses two small tables, documented here
because they are the whole of it:

* North American Numbering Plan (`+1`): the area code decides the country. `CANADA` and
  `CARIBBEAN` list the area codes outside the US; every other `+1` number is `US`. For the area
  codes of `NANP_PLACES` (the larger cities) state, city and ZIP (or postal prefix) are known;
  for the others they are empty strings, as Twilio sends them when it does not know.
* Elsewhere: `COUNTRY_CODES` maps a calling code to its ISO 3166 country (longest prefix wins);
  state, city and ZIP are empty.

A `client:` or `sip:` address, `anonymous`, or a number no table knows has no location: the
parameters are left out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    country: str
    state: str = ""
    city: str = ""
    zip: str = ""


#: area code -> (state or province, city, ZIP or postal prefix)
NANP_PLACES: dict[str, tuple[str, str, str]] = {
    "201": ("NJ", "JERSEY CITY", "07302"),
    "202": ("DC", "WASHINGTON", "20001"),
    "206": ("WA", "SEATTLE", "98101"),
    "210": ("TX", "SAN ANTONIO", "78205"),
    "212": ("NY", "NEW YORK", "10001"),
    "213": ("CA", "LOS ANGELES", "90012"),
    "214": ("TX", "DALLAS", "75201"),
    "215": ("PA", "PHILADELPHIA", "19107"),
    "303": ("CO", "DENVER", "80202"),
    "305": ("FL", "MIAMI", "33130"),
    "310": ("CA", "LOS ANGELES", "90025"),
    "312": ("IL", "CHICAGO", "60601"),
    "313": ("MI", "DETROIT", "48226"),
    "323": ("CA", "LOS ANGELES", "90012"),
    "404": ("GA", "ATLANTA", "30303"),
    "407": ("FL", "ORLANDO", "32801"),
    "408": ("CA", "SAN JOSE", "95113"),
    "412": ("PA", "PITTSBURGH", "15222"),
    "415": ("CA", "SAN FRANCISCO", "94103"),
    "503": ("OR", "PORTLAND", "97204"),
    "510": ("CA", "OAKLAND", "94612"),
    "512": ("TX", "AUSTIN", "78701"),
    "602": ("AZ", "PHOENIX", "85004"),
    "612": ("MN", "MINNEAPOLIS", "55401"),
    "615": ("TN", "NASHVILLE", "37203"),
    "617": ("MA", "BOSTON", "02108"),
    "619": ("CA", "SAN DIEGO", "92101"),
    "646": ("NY", "NEW YORK", "10001"),
    "650": ("CA", "SAN MATEO", "94401"),
    "702": ("NV", "LAS VEGAS", "89101"),
    "704": ("NC", "CHARLOTTE", "28202"),
    "713": ("TX", "HOUSTON", "77002"),
    "718": ("NY", "BROOKLYN", "11201"),
    "801": ("UT", "SALT LAKE CITY", "84101"),
    "808": ("HI", "HONOLULU", "96813"),
    "907": ("AK", "ANCHORAGE", "99501"),
    "916": ("CA", "SACRAMENTO", "95814"),
    "917": ("NY", "NEW YORK", "10001"),
    "403": ("AB", "CALGARY", "T2P"),
    "416": ("ON", "TORONTO", "M5H"),
    "514": ("QC", "MONTREAL", "H2Y"),
    "604": ("BC", "VANCOUVER", "V6B"),
    "613": ("ON", "OTTAWA", "K1P"),
}

CANADA = frozenset(
    {
        "204",
        "226",
        "236",
        "249",
        "250",
        "263",
        "289",
        "306",
        "343",
        "354",
        "365",
        "367",
        "368",
        "382",
        "403",
        "416",
        "418",
        "428",
        "431",
        "437",
        "438",
        "450",
        "468",
        "474",
        "506",
        "514",
        "519",
        "548",
        "579",
        "581",
        "584",
        "587",
        "604",
        "613",
        "639",
        "647",
        "672",
        "683",
        "705",
        "709",
        "742",
        "753",
        "778",
        "780",
        "782",
        "807",
        "819",
        "825",
        "867",
        "873",
        "879",
        "902",
        "905",
    }
)
#: NANP area codes outside the US and Canada (a few of the Caribbean and Atlantic ones)
CARIBBEAN: dict[str, str] = {
    "242": "BS",
    "246": "BB",
    "441": "BM",
    "809": "DO",
    "829": "DO",
    "849": "DO",
    "868": "TT",
    "876": "JM",
}
#: calling code -> ISO 3166 country, for numbers outside the NANP
COUNTRY_CODES: dict[str, str] = {
    "7": "RU",
    "20": "EG",
    "27": "ZA",
    "30": "GR",
    "31": "NL",
    "32": "BE",
    "33": "FR",
    "34": "ES",
    "39": "IT",
    "41": "CH",
    "43": "AT",
    "44": "GB",
    "45": "DK",
    "46": "SE",
    "47": "NO",
    "48": "PL",
    "49": "DE",
    "51": "PE",
    "52": "MX",
    "54": "AR",
    "55": "BR",
    "56": "CL",
    "57": "CO",
    "61": "AU",
    "62": "ID",
    "63": "PH",
    "64": "NZ",
    "65": "SG",
    "81": "JP",
    "82": "KR",
    "86": "CN",
    "90": "TR",
    "91": "IN",
    "234": "NG",
    "254": "KE",
    "351": "PT",
    "353": "IE",
    "358": "FI",
    "852": "HK",
    "971": "AE",
    "972": "IL",
}
_LONGEST_CODE = max(len(code) for code in COUNTRY_CODES)


def locate(address: str) -> Location | None:
    """The location of an E.164 number, or None (see the module docstring)."""
    if not address.startswith("+") or not address[1:].isdigit() or len(address) < 8:
        return None
    digits = address[1:]
    if digits.startswith("1"):
        return _nanp(digits[1:4])
    for length in range(min(_LONGEST_CODE, len(digits)), 0, -1):
        country = COUNTRY_CODES.get(digits[:length])
        if country is not None:
            return Location(country)
    return None


def _nanp(area: str) -> Location:
    if area in CARIBBEAN:
        return Location(CARIBBEAN[area])
    country = "CA" if area in CANADA else "US"
    place = NANP_PLACES.get(area)
    return Location(country, *place) if place is not None else Location(country)


def location_params(address: str, *prefixes: str) -> list[tuple[str, str]]:
    """`{prefix}City`, `{prefix}Country`, `{prefix}State`, `{prefix}Zip` for each prefix (none
    when `address` has no location)."""
    where = locate(address)
    if where is None:
        return []
    params: list[tuple[str, str]] = []
    for prefix in prefixes:
        params += [
            (f"{prefix}City", where.city),
            (f"{prefix}Country", where.country),
            (f"{prefix}State", where.state),
            (f"{prefix}Zip", where.zip),
        ]
    return params
