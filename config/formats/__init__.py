"""Project formats (FORMAT_MODULE_PATH): where Django's own for a language do not fit Flanders.

Only English has one: Django's `en` is American (month first, "2:30 p.m."); a Flemish or
British reader expects the day first and a 24-hour clock. Dutch keeps Django's `nl`."""
