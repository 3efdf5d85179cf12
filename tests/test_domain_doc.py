"""docs/DOMAIN.md says what the code does: its generated parts are current, and every message
the application sends is in its "who hears what"."""

from django.core.management import CommandError, call_command

from notifications.models import Kind
from referrals.domain_doc import BLOCKS, DOCUMENT, generated_names, rewritten


def test_the_generated_parts_are_current():
    text = DOCUMENT.read_text(encoding="utf-8")
    assert rewritten(text) == text, "run `manage.py domain_doc` and commit docs/DOMAIN.md"


def test_every_generated_part_is_in_the_document():
    assert sorted(generated_names(DOCUMENT.read_text(encoding="utf-8"))) == sorted(BLOCKS)


def test_every_message_kind_is_in_who_hears_what():
    text = DOCUMENT.read_text(encoding="utf-8")
    section = text.split("## Who hears what", 1)[1].split("\n## ", 1)[0]
    missing = [kind.value for kind in Kind if f"`{kind.value}`" not in section]
    assert not missing, f"docs/DOMAIN.md's 'Who hears what' does not name {missing}"
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    named_twice = [kind.value for kind in Kind if sum(f"`{kind.value}`" in r for r in rows) > 1]
    assert not named_twice, f"docs/DOMAIN.md's 'Who hears what' names {named_twice} twice"


def test_the_check_fails_on_a_stale_document(tmp_path, monkeypatch):
    stale = tmp_path / "DOMAIN.md"
    stale.write_text("<!-- generated: states -->\nold\n<!-- end generated -->\n", encoding="utf-8")
    monkeypatch.setattr("referrals.management.commands.domain_doc.DOCUMENT", stale)
    try:
        call_command("domain_doc", "--check")
    except CommandError as error:
        assert "differs" in str(error)
    else:
        raise AssertionError("a stale document passed the check")
    call_command("domain_doc")
    assert "| `informed` |" in stale.read_text(encoding="utf-8")
    call_command("domain_doc", "--check")
