# The admin's searches of a referral's and a client's rows find the rows whose own texts hold
# a word (`admin.search.RowSearchMixin`): the history's reasons, the guidance notes, the
# documents' file names, the consents' forms and the employers of temporary work. Each text
# gets a trigram index on the expression Django's `icontains` compares (as migration 0028's
# of the clients' names): without one, PostgreSQL read the whole table for every search
# (the history's 6.5 million lines at a million referrals). Of every row, blank texts too:
# the planner then knows from the index's statistics how many rows hold a word (11 MB for
# the history's 6.5 million lines, 190,000 with a reason; 4.9 MB of those alone).
#
# PostgreSQL only (see _postgres.py), built concurrently (`atomic = False`): if it stops
# halfway, drop every index of this migration that exists (the one left invalid too), then
# migrate again.

from django.db import migrations

from ._postgres import RunSQLOnPostgres, trigram_index

TEXTS = [
    ("referrals_referralevent", "reason", "referral_event_reason_trgm"),
    ("referrals_guidancenote", "note", "guidance_note_trgm"),
    ("referrals_document", "original_name", "document_name_trgm"),
    ("referrals_consent", "document_reference", "consent_reference_trgm"),
    ("referrals_temporaryworkexperience", "employer", "twe_employer_trgm"),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0041_referral_region_agreed_state"),
    ]

    operations = [
        *(trigram_index(table, column, name, concurrently=True) for table, column, name in TEXTS),
        # The index's statistics (how often a word is found) are gathered by the next
        # ANALYZE of its table: until then the planner guesses.
        RunSQLOnPostgres(
            f"ANALYZE {', '.join(table for table, _, _ in TEXTS)}", migrations.RunSQL.noop
        ),
    ]
