"""English as British English writes it (Django's en_GB), on a 24-hour clock as in Flanders.

The *_FORMAT strings use Django's date format syntax, the *_INPUT_FORMATS Python's strptime
syntax; what a page shows (SHORT_DATE_FORMAT) is the first date input format, so that a date
copied from a page reads back as the same day. Date fields use the browser's date picker,
which sends ISO dates (always accepted)."""

DATE_FORMAT = "j M Y"  # '1 Sep 1991'
TIME_FORMAT = "H:i"  # '14:30'
DATETIME_FORMAT = "j M Y, H:i"  # '1 Sep 1991, 14:30'
YEAR_MONTH_FORMAT = "F Y"  # 'September 1991'
MONTH_DAY_FORMAT = "j F"  # '1 September'
SHORT_DATE_FORMAT = "d/m/Y"  # '01/09/1991'
SHORT_DATETIME_FORMAT = "d/m/Y H:i"  # '01/09/1991 14:30'
FIRST_DAY_OF_WEEK = 1  # Monday

DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # '01/09/1991'
    "%d/%m/%y",  # '01/09/91'
    "%d-%m-%Y",  # '01-09-1991'
    "%d-%m-%y",  # '01-09-91'
    "%Y-%m-%d",  # '1991-09-01'
]
TIME_INPUT_FORMATS = [
    "%H:%M:%S",  # '14:30:59'
    "%H:%M:%S.%f",  # '14:30:59.000200'
    "%H:%M",  # '14:30'
]
DATETIME_INPUT_FORMATS = [
    "%d/%m/%Y %H:%M:%S",  # '01/09/1991 14:30:59'
    "%d/%m/%Y %H:%M:%S.%f",  # '01/09/1991 14:30:59.000200'
    "%d/%m/%Y %H:%M",  # '01/09/1991 14:30'
    "%d/%m/%y %H:%M:%S",  # '01/09/91 14:30:59'
    "%d/%m/%y %H:%M",  # '01/09/91 14:30'
    "%d-%m-%Y %H:%M:%S",  # '01-09-1991 14:30:59'
    "%d-%m-%Y %H:%M",  # '01-09-1991 14:30'
    "%Y-%m-%d %H:%M:%S",  # '1991-09-01 14:30:59'
    "%Y-%m-%d %H:%M:%S.%f",  # '1991-09-01 14:30:59.000200'
    "%Y-%m-%d %H:%M",  # '1991-09-01 14:30'
]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
