"""The integration tests count the worker's runs of `deliver` from its log lines, which the
logs mask as production's are (`operations.logs.redact`)."""

from operations.logs import redact
from tests.notifications.integration.processes import deliver_runs


def test_a_run_whose_task_id_the_logs_mask_as_a_national_number_is_counted():
    ids = ["a34caffd-adf4-427d-b19c-f96031234567", "0fa46a06-a435-4c01-9762-6d58660e1195"]
    log = "\n".join(
        redact(f"Task notifications.tasks.deliver[{task}] succeeded in 0.51s: 'sent'")
        for task in ids
    )
    assert "[national number]" in log  # the first id, masked
    assert deliver_runs(log) == {"sent": 2}


def test_each_way_a_run_ends_is_counted():
    log = "\n".join(
        [
            "Task notifications.tasks.deliver[1] succeeded in 0.2s: 'skipped'",
            "Task notifications.tasks.deliver[2] retry: Retry in 4s",
            "Task notifications.tasks.deliver[3] raised unexpected: OSError()",
            "Task notifications.tasks.relay_pending[4] succeeded in 0.01s: 0",
        ]
    )
    assert deliver_runs(log) == {"skipped": 1, "retry": 1, "raised": 1}
