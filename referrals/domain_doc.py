"""The parts of docs/DOMAIN.md that the code says best: the states, the steps with who takes
them and what must hold, the rules the database holds, and the codes with their labels in
both languages.

`manage.py domain_doc` writes them between the markers `<!-- generated: NAME -->` and
`<!-- end generated -->`; a test fails when the document and the code disagree, so that the
reference people read stays the one the code runs."""

import re
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import translation

from . import access, enums
from .models import Referral

DOCUMENT = Path(settings.BASE_DIR) / "docs" / "DOMAIN.md"

# Who may take a step, in words: every `permission=` of a transition needs a line here.
WHO = {
    access.is_clients_caseworker: "caseworker of the client's OCMW",
    access.is_responsible_counsellor: "VDAB counsellor of the training, once agreed",
    access.is_either_side: "either side",
}

# The enumerations whose codes are a contract (reports, imports, the API), in reading order.
CODES = [
    ("End results", enums.EndResult),
    ("What was obtained", enums.Obtained),
    ("How the warm handover took place", enums.HandoverHow),
    ("Reasons to stop early", enums.StopReason),
    ("Reasons for an interruption", enums.InterruptionReason),
    ("Who continues the guidance to work", enums.ContinuedBy),
    ("OKOT types", enums.OkotType),
    ("Training modes", enums.TrainingMode),
    ("Outflow check-ups", enums.CheckupMonths),
]

MARKER = re.compile(r"(<!-- generated: (?P<name>[a-z-]+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def _labels(choices: type[models.Choices], value) -> tuple[str, str]:
    label = choices(value).label
    with translation.override("nl-be"):
        dutch = str(label)
    with translation.override("en"):
        english = str(label)
    return dutch, english


def _transitions() -> list:
    """Every (step, source) pair of the state machine, in the order of the flow."""
    order = list(enums.State.values)
    found = Referral().get_all_state_transitions()
    return sorted(found, key=lambda t: (order.index(t.target), order.index(t.source)))


def _steps() -> dict[str, list]:
    steps: dict[str, list] = {}
    for transition in _transitions():
        steps.setdefault(transition.name, []).append(transition)
    return steps


def states() -> str:
    reached = {}
    for name, transitions in _steps().items():
        reached.setdefault(transitions[0].target, []).append(f"`{name}`")
    lines = ["| state | label (nl) | label (en) | reached by |", "| --- | --- | --- | --- |"]
    for state in enums.State:
        dutch, english = _labels(enums.State, state)
        how = ", ".join(reached.get(state.value, [])) or "creating the referral"
        lines.append(f"| `{state.value}` | {dutch} | {english} | {how} |")
    return "\n".join(lines)


def steps() -> str:
    lines = [
        "| step | from | to | who takes it | refused while |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, transitions in _steps().items():
        first = transitions[0]
        sources = ", ".join(f"`{t.source}`" for t in transitions)
        with translation.override("en"):
            guards = " ".join(str(check.message) for check in first.conditions) or "—"
        lines.append(
            f"| `{name}` | {sources} | `{first.target}` | {WHO[first.permission]} | {guards} |"
        )
    return "\n".join(lines)


def rules() -> str:
    """Every CheckConstraint of the app's models but the text limits (the fields' own
    lengths), with what it refuses as the user reads it."""
    lines = ["| model | rule | what it refuses |", "| --- | --- | --- |"]
    for model in apps.get_app_config("referrals").get_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            if constraint.name.endswith("_max_length"):
                continue
            with translation.override("en"):
                message = str(constraint.get_violation_error_message())
            lines.append(f"| {model.__name__} | `{constraint.name}` | {message} |")
    return "\n".join(lines)


def codes() -> str:
    parts = []
    for title, choices in CODES:
        rows = [f"**{title}**", "", "| code | label (nl) | label (en) |", "| --- | --- | --- |"]
        for value in choices.values:
            dutch, english = _labels(choices, value)
            rows.append(f"| `{value}` | {dutch} | {english} |")
        parts.append("\n".join(rows))
    return "\n\n".join(parts)


BLOCKS: dict[str, Callable[[], str]] = {
    "states": states,
    "steps": steps,
    "rules": rules,
    "codes": codes,
}


def rewritten(text: str) -> str:
    """`text` with every generated block written anew from the code."""

    def fill(match: re.Match) -> str:
        return f"{match[1]}{BLOCKS[match['name']]()}\n{match[4]}"

    return MARKER.sub(fill, text)


def generated_names(text: str) -> list[str]:
    return [match["name"] for match in MARKER.finditer(text)]
