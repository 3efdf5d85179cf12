"""What the trail's rows of a read say it showed: the tests of the views', the admin's and
the API's reads compare it with what the response shows."""

from audit.models import Entry


def assert_read_rows(rows, shown: set) -> list[Entry]:
    """A read that showed the (client, referral) pairs `shown` left one row naming them
    all, none if it showed nobody: a single pair in `client_id` and `referral_id` (as a
    page about one writes it), several in `client_ids` and `referral_ids`, each once. The
    rows, to check what else they hold."""
    rows = list(rows)
    if not shown:
        assert rows == []
        return rows
    assert len(rows) == 1, rows  # one row for the read, however many it showed
    row = rows[0]
    if len(shown) == 1:
        assert (row.client_id, row.referral_id) == next(iter(shown))
        assert (row.client_ids, row.referral_ids) == (None, None)
    else:
        assert (row.client_id, row.referral_id) == (None, None)
        clients = {client for client, _referral in shown if client is not None}
        referrals = {referral for _client, referral in shown if referral is not None}
        # Each id once; no list (NULL) where the read showed none of its kind.
        assert ordered(row.client_ids) == (sorted(clients) or None)
        assert ordered(row.referral_ids) == (sorted(referrals) or None)
    return rows


def ordered(ids: list | None) -> list | None:
    return None if ids is None else sorted(ids)
