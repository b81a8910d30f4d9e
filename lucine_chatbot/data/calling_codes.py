"""Country calling codes for SMS_ALLOWED_COUNTRIES; plain data, so config.py can check the setting at load."""

ANY_COUNTRY = "*"
# E.164 calling codes of the countries an allow-list may name (ISO 3166 alpha-2). E.164 codes are prefix-free, so
# a number belongs to the code it starts with. +1 is shared by the US, Canada and the Caribbean; Vatican numbers
# are Italian (+39 06 698…).
CALLING_CODES = {
    "IT": ("39",), "SM": ("378",), "VA": ("379", "3906698"), "CH": ("41",), "LI": ("423",), "DE": ("49",),
    "AT": ("43",), "FR": ("33",), "MC": ("377",), "SI": ("386",), "HR": ("385",), "ES": ("34",), "PT": ("351",),
    "BE": ("32",), "NL": ("31",), "LU": ("352",), "GB": ("44",), "IE": ("353",), "DK": ("45",), "SE": ("46",),
    "NO": ("47",), "FI": ("358",), "PL": ("48",), "CZ": ("420",), "SK": ("421",), "HU": ("36",), "RO": ("40",),
    "BG": ("359",), "GR": ("30",), "MT": ("356",), "CY": ("357",), "EE": ("372",), "LV": ("371",),
    "LT": ("370",), "AL": ("355",), "US": ("1",), "CA": ("1",),
}
