"""Java 8's English time zone names, and the ids ``TimeZone.getTimeZone`` maps specially.

``NAMES`` gives each zone its long standard, short standard, long daylight and short daylight
names, in the order ``SimpleDateFormat`` searches them when it parses a zone name.  It
covers the zones met in logs; a zone missing here still works, with names from the tz
database abbreviations or ``GMT+hh:mm``.
"""

from __future__ import annotations

__all__ = ["FIXED_IDS", "NAMES", "OLD_IDS", "SAME_NAMES"]

_HOUR = 3_600_000


def _names(long: str, short: str, summer: str, summer_short: str) -> tuple[str, str, str, str]:
    return (long, short, summer, summer_short)


def _plain(region: str, short: str, summer_short: str) -> tuple[str, str, str, str]:
    return (f"{region} Time", short, f"{region} Summer Time", summer_short)


def _standard(region: str, short: str, summer_short: str) -> tuple[str, str, str, str]:
    return (f"{region} Standard Time", short, f"{region} Daylight Time", summer_short)


# Java 8's English names: long standard, short standard, long daylight, short daylight.
_PACIFIC = _standard("Pacific", "PST", "PDT")
_MOUNTAIN = _standard("Mountain", "MST", "MDT")
_CENTRAL = _standard("Central", "CST", "CDT")
_EASTERN = _standard("Eastern", "EST", "EDT")
_HAWAII = _standard("Hawaii", "HST", "HDT")
_ATLANTIC = _standard("Atlantic", "AST", "ADT")
_ARABIA = _standard("Arabia", "AST", "ADT")
_CHINA = _standard("China", "CST", "CDT")
_INDIA = _standard("India", "IST", "IDT")
_CET = _names("Central European Time", "CET", "Central European Summer Time", "CEST")
_EET = _names("Eastern European Time", "EET", "Eastern European Summer Time", "EEST")
_WET = _names("Western European Time", "WET", "Western European Summer Time", "WEST")
_GMT = ("Greenwich Mean Time", "GMT", "Greenwich Mean Time", "GMT")
_UTC = ("Coordinated Universal Time", "UTC", "Coordinated Universal Time", "UTC")
_MOSCOW = _standard("Moscow", "MSK", "MSD")
_GULF = _standard("Gulf", "GST", "GDT")
_EAST_AFRICA = _plain("Eastern African", "EAT", "EAST")
_CENTRAL_AFRICA = _plain("Central African", "CAT", "CAST")
_WEST_AFRICA = _plain("Western African", "WAT", "WAST")
_INDOCHINA = _plain("Indochina", "ICT", "ICST")


def _australia(kind: str, short: str, state: str) -> tuple[str, str, str, str]:
    where = f" ({state})" if state else ""
    std = f"Australian {kind} Standard Time{where}"
    return (std, short + "ST", std.replace("Standard", "Daylight"), short + "DT")


# Zones in the order Java searches its name table when parsing a zone name ('z'): a block
# of preferred zones, then alphabetical.  The first zone with a matching name wins, so an
# ambiguous abbreviation resolves as it does there ("CST" is Chicago, "IST" is Israel).
NAMES: dict[str, tuple[str, str, str, str]] = {
    "America/Los_Angeles": _PACIFIC,
    "America/Denver": _MOUNTAIN,
    "America/Phoenix": _MOUNTAIN,
    "America/Chicago": _CENTRAL,
    "America/New_York": _EASTERN,
    "America/Indianapolis": _EASTERN,
    "Pacific/Honolulu": _HAWAII,
    "America/Anchorage": _standard("Alaska", "AKST", "AKDT"),
    "America/Halifax": _ATLANTIC,
    "America/St_Johns": _standard("Newfoundland", "NST", "NDT"),
    "Europe/Paris": _CET,
    "GMT": _GMT,
    "Africa/Casablanca": _WET,
    "Asia/Jerusalem": _standard("Israel", "IST", "IDT"),
    "Asia/Tokyo": _standard("Japan", "JST", "JDT"),
    "Europe/Bucharest": _EET,
    "Asia/Shanghai": _CHINA,
    "UTC": _UTC,
    "Australia/Darwin": _australia("Central", "AC", "Northern Territory"),
    "Australia/Sydney": _australia("Eastern", "AE", "New South Wales"),
    "America/Argentina/Buenos_Aires": _plain("Argentine", "ART", "ARST"),
    "Africa/Cairo": _EET,
    "Africa/Abidjan": _GMT,
    "Africa/Accra": _names("Ghana Mean Time", "GMT", "Ghana Summer Time", "GHST"),
    "Africa/Addis_Ababa": _EAST_AFRICA,
    "Africa/Algiers": _CET,
    "Africa/Harare": _CENTRAL_AFRICA,
    "Africa/Johannesburg": _standard("South Africa", "SAST", "SAST"),
    "Africa/Khartoum": _CENTRAL_AFRICA,
    "Africa/Kinshasa": _WEST_AFRICA,
    "Africa/Lagos": _WEST_AFRICA,
    "Africa/Maputo": _CENTRAL_AFRICA,
    "Africa/Nairobi": _EAST_AFRICA,
    "Africa/Tripoli": _EET,
    "Africa/Tunis": _CET,
    "Africa/Windhoek": _names("Central African Time", "CAT", "Western African Time", "WAT"),
    "America/Asuncion": _plain("Paraguay", "PYT", "PYST"),
    "America/Bogota": _plain("Colombia", "COT", "COST"),
    "America/Caracas": _plain("Venezuela", "VET", "VEST"),
    "America/Edmonton": _MOUNTAIN,
    "America/Guatemala": _CENTRAL,
    "America/Havana": _standard("Cuba", "CST", "CDT"),
    "America/La_Paz": _plain("Bolivia", "BOT", "BOST"),
    "America/Lima": _plain("Peru", "PET", "PEST"),
    "America/Manaus": _plain("Amazon", "AMT", "AMST"),
    "America/Mexico_City": _CENTRAL,
    "America/Montevideo": _plain("Uruguay", "UYT", "UYST"),
    "America/Panama": _EASTERN,
    "America/Puerto_Rico": _ATLANTIC,
    "America/Regina": _CENTRAL,
    "America/Santiago": _plain("Chile", "CLT", "CLST"),
    "America/Sao_Paulo": _plain("Brasilia", "BRT", "BRST"),
    "America/Toronto": _EASTERN,
    "America/Vancouver": _PACIFIC,
    "America/Winnipeg": _CENTRAL,
    "Asia/Almaty": _plain("Alma-Ata", "ALMT", "ALMST"),
    "Asia/Amman": _EET,
    "Asia/Baghdad": _ARABIA,
    "Asia/Baku": _plain("Azerbaijan", "AZT", "AZST"),
    "Asia/Bangkok": _INDOCHINA,
    "Asia/Beirut": _EET,
    "Asia/Colombo": _INDIA,
    "Asia/Damascus": _EET,
    "Asia/Dhaka": _plain("Bangladesh", "BDT", "BDST"),
    "Asia/Dubai": _GULF,
    "Asia/Ho_Chi_Minh": _INDOCHINA,
    "Asia/Hong_Kong": _plain("Hong Kong", "HKT", "HKST"),
    "Asia/Irkutsk": _plain("Irkutsk", "IRKT", "IRKST"),
    "Asia/Jakarta": _plain("West Indonesia", "WIB", "WIST"),
    "Asia/Kabul": _plain("Afghanistan", "AFT", "AFST"),
    "Asia/Karachi": _plain("Pakistan", "PKT", "PKST"),
    "Asia/Kathmandu": _plain("Nepal", "NPT", "NPST"),
    "Asia/Kolkata": _INDIA,
    "Asia/Krasnoyarsk": _plain("Krasnoyarsk", "KRAT", "KRAST"),
    "Asia/Kuala_Lumpur": _plain("Malaysia", "MYT", "MYST"),
    "Asia/Kuwait": _ARABIA,
    "Asia/Makassar": _plain("Central Indonesia", "WITA", "CIST"),
    "Asia/Manila": _standard("Philippines", "PST", "PDT"),
    "Asia/Muscat": _GULF,
    "Asia/Nicosia": _EET,
    "Asia/Novosibirsk": _plain("Novosibirsk", "NOVT", "NOVST"),
    "Asia/Qatar": _ARABIA,
    "Asia/Riyadh": _ARABIA,
    "Asia/Seoul": _standard("Korea", "KST", "KDT"),
    "Asia/Singapore": _plain("Singapore", "SGT", "SGST"),
    "Asia/Taipei": _CHINA,
    "Asia/Tashkent": _plain("Uzbekistan", "UZT", "UZST"),
    "Asia/Tbilisi": _plain("Georgia", "GET", "GEST"),
    "Asia/Tehran": _standard("Iran", "IRST", "IRDT"),
    "Asia/Ulaanbaatar": _plain("Ulaanbaatar", "ULAT", "ULAST"),
    "Asia/Vladivostok": _plain("Vladivostok", "VLAT", "VLAST"),
    "Asia/Yangon": _plain("Myanmar", "MMT", "MMST"),
    "Asia/Yekaterinburg": _plain("Yekaterinburg", "YEKT", "YEKST"),
    "Asia/Yerevan": _plain("Armenia", "AMT", "AMST"),
    "Atlantic/Azores": _plain("Azores", "AZOT", "AZOST"),
    "Atlantic/Canary": _WET,
    "Atlantic/Reykjavik": _GMT,
    "Australia/Adelaide": _australia("Central", "AC", "South Australia"),
    "Australia/Brisbane": _australia("Eastern", "AE", "Queensland"),
    "Australia/Hobart": _australia("Eastern", "AE", "Tasmania"),
    "Australia/Melbourne": _australia("Eastern", "AE", "Victoria"),
    "Australia/Perth": _australia("Western", "AW", ""),
    "Europe/Amsterdam": _CET,
    "Europe/Andorra": _CET,
    "Europe/Athens": _EET,
    "Europe/Belgrade": _CET,
    "Europe/Berlin": _CET,
    "Europe/Bratislava": _CET,
    "Europe/Brussels": _CET,
    "Europe/Budapest": _CET,
    "Europe/Chisinau": _EET,
    "Europe/Copenhagen": _CET,
    "Europe/Dublin": _names("Greenwich Mean Time", "GMT", "Irish Summer Time", "IST"),
    "Europe/Helsinki": _EET,
    "Europe/Istanbul": _plain("Turkey", "TRT", "TRST"),
    "Europe/Kaliningrad": _EET,
    "Europe/Kiev": _EET,
    "Europe/Lisbon": _WET,
    "Europe/Ljubljana": _CET,
    "Europe/London": _names("Greenwich Mean Time", "GMT", "British Summer Time", "BST"),
    "Europe/Luxembourg": _CET,
    "Europe/Madrid": _CET,
    "Europe/Malta": _CET,
    "Europe/Moscow": _MOSCOW,  # ahead of Minsk so that "MSK" reads as Moscow time
    "Europe/Minsk": _MOSCOW,
    "Europe/Monaco": _CET,
    "Europe/Oslo": _CET,
    "Europe/Prague": _CET,
    "Europe/Riga": _EET,
    "Europe/Rome": _CET,
    "Europe/Samara": _plain("Samara", "SAMT", "SAMST"),
    "Europe/Sarajevo": _CET,
    "Europe/Skopje": _CET,
    "Europe/Sofia": _EET,
    "Europe/Stockholm": _CET,
    "Europe/Tallinn": _EET,
    "Europe/Tirane": _CET,
    "Europe/Vienna": _CET,
    "Europe/Vilnius": _EET,
    "Europe/Warsaw": _CET,
    "Europe/Zagreb": _CET,
    "Europe/Zurich": _CET,
    "Indian/Maldives": _plain("Maldives", "MVT", "MVST"),
    "Indian/Mauritius": _plain("Mauritius", "MUT", "MUST"),
    "Pacific/Apia": _standard("West Samoa", "WSST", "WSDT"),
    "Pacific/Auckland": _standard("New Zealand", "NZST", "NZDT"),
    "Pacific/Fiji": _plain("Fiji", "FJT", "FJST"),
    "Pacific/Guadalcanal": _plain("Solomon Is.", "SBT", "SBST"),
    "Pacific/Guam": _standard("Chamorro", "ChST", "ChDT"),
    "Pacific/Noumea": _plain("New Caledonia", "NCT", "NCST"),
    "Pacific/Port_Moresby": _plain("Papua New Guinea", "PGT", "PGST"),
    "Pacific/Tahiti": _plain("Tahiti", "TAHT", "TAHST"),
    "Pacific/Tongatapu": _plain("Tonga", "TOT", "TOST"),
}

# Ids that name the same zone (and the same names) as an entry above.
SAME_NAMES = {
    "US/Pacific": "America/Los_Angeles",
    "US/Mountain": "America/Denver",
    "US/Arizona": "America/Phoenix",
    "US/Central": "America/Chicago",
    "US/Eastern": "America/New_York",
    "America/Indiana/Indianapolis": "America/Indianapolis",
    "US/Hawaii": "Pacific/Honolulu",
    "US/Alaska": "America/Anchorage",
    "Canada/Atlantic": "America/Halifax",
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Tel_Aviv": "Asia/Jerusalem",
    "Israel": "Asia/Jerusalem",
    "Japan": "Asia/Tokyo",
    "PRC": "Asia/Shanghai",
    "Asia/Chongqing": "Asia/Shanghai",
    "Etc/UTC": "UTC",
    "Etc/UCT": "UTC",
    "UCT": "UTC",
    "Universal": "UTC",
    "Zulu": "UTC",
    "Etc/Universal": "UTC",
    "Etc/Zulu": "UTC",
    "Etc/GMT": "GMT",
    "Etc/GMT0": "GMT",
    "Etc/GMT+0": "GMT",
    "Etc/GMT-0": "GMT",
    "Etc/Greenwich": "GMT",
    "GMT0": "GMT",
    "Greenwich": "GMT",
    "Europe/Kyiv": "Europe/Kiev",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
    "Asia/Dacca": "Asia/Dhaka",
    "Asia/Istanbul": "Europe/Istanbul",
    "Iran": "Asia/Tehran",
    "Iceland": "Atlantic/Reykjavik",
    "Cuba": "America/Havana",
    "Europe/Belfast": "Europe/London",
    "Europe/Jersey": "Europe/London",
    "Europe/Guernsey": "Europe/London",
    "Europe/Isle_of_Man": "Europe/London",
    "America/Montreal": "America/Toronto",
    "Canada/Eastern": "America/Toronto",
    "Canada/Central": "America/Winnipeg",
    "Canada/Mountain": "America/Edmonton",
    "Canada/Pacific": "America/Vancouver",
    "Mexico/General": "America/Mexico_City",
    "Chile/Continental": "America/Santiago",
    "Eire": "Europe/Dublin",
    "GB": "Europe/London",
    "NZ": "Pacific/Auckland",
    "Australia/ACT": "Australia/Sydney",
    "Australia/NSW": "Australia/Sydney",
    "Australia/Canberra": "Australia/Sydney",
    "Turkey": "Europe/Istanbul",
    "ROK": "Asia/Seoul",
    "Singapore": "Asia/Singapore",
    "Hongkong": "Asia/Hong_Kong",
    "W-SU": "Europe/Moscow",
    "Egypt": "Africa/Cairo",
    "Portugal": "Europe/Lisbon",
    "Brazil/East": "America/Sao_Paulo",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
}

# Java's old three-letter ids (ZoneInfoFile's "old mappings"); the id itself is kept.
OLD_IDS = {
    "ACT": "Australia/Darwin",
    "AET": "Australia/Sydney",
    "AGT": "America/Argentina/Buenos_Aires",
    "ART": "Africa/Cairo",
    "AST": "America/Anchorage",
    "BET": "America/Sao_Paulo",
    "BST": "Asia/Dhaka",
    "CAT": "Africa/Harare",
    "CNT": "America/St_Johns",
    "CST": "America/Chicago",
    "CTT": "Asia/Shanghai",
    "EAT": "Africa/Addis_Ababa",
    "ECT": "Europe/Paris",
    "IET": "America/Indiana/Indianapolis",
    "IST": "Asia/Kolkata",
    "JST": "Asia/Tokyo",
    "MIT": "Pacific/Apia",
    "NET": "Asia/Yerevan",
    "NST": "Pacific/Auckland",
    "PLT": "Asia/Karachi",
    "PNT": "America/Phoenix",
    "PRT": "America/Puerto_Rico",
    "PST": "America/Los_Angeles",
    "SST": "Pacific/Guadalcanal",
    "VST": "Asia/Ho_Chi_Minh",
}

# Java keeps these three as fixed offsets (no DST), whatever the tz database says.
FIXED_IDS = {
    "EST": (-5 * _HOUR, _EASTERN),
    "MST": (-7 * _HOUR, _MOUNTAIN),
    "HST": (-10 * _HOUR, _HAWAII),
}
