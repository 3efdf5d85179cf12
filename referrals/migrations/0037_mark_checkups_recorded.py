# Each referral's outcome check-ups recorded so far marked on it (`checkups_recorded`,
# migration 0036): the referrals that have any updated a range of keys at a time, each
# range in a transaction of its own, so that no step waits long for one of them (at a
# million referrals, 390,000 of them: about a minute and a quarter on a two-core machine).
# A check-up recorded meanwhile marks itself (its signal), or is looked for as before
# (`work.outflow_due` asks the check-ups of a referral not marked). Written by hand: the
# months and their bits as they are today (tests/referrals/test_checkups_recorded.py holds
# them to `followup.checkup_bit`).

from django.db import migrations, transaction
from django.db.models import Case, Exists, IntegerField, Max, OuterRef, Subquery, Sum, Value, When

BITS = {3: 1, 6: 2, 9: 4, 12: 8}
KEYS_AT_A_TIME = 50_000


def mark_recorded(apps, schema_editor):
    Referral = apps.get_model("referrals", "Referral")
    OutcomeCheck = apps.get_model("referrals", "OutcomeCheck")
    checks = OutcomeCheck.objects.filter(referral=OuterRef("pk")).order_by()
    bit = Case(
        *(When(months=months, then=Value(bit)) for months, bit in BITS.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    # One check-up per referral and months: their sum is their bits together.
    bits = checks.values("referral").annotate(bits=Sum(bit)).values("bits")
    last = Referral.objects.aggregate(last=Max("pk"))["last"] or 0
    for first in range(0, last + 1, KEYS_AT_A_TIME):
        with transaction.atomic(using=Referral.objects.db):
            Referral.objects.filter(
                Exists(checks), pk__gte=first, pk__lt=first + KEYS_AT_A_TIME
            ).update(checkups_recorded=Subquery(bits))


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("referrals", "0036_referral_checkups_recorded"),
    ]

    operations = [
        migrations.RunPython(mark_recorded, migrations.RunPython.noop, elidable=True),
    ]
