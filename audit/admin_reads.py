"""Reads of personal data in Django admin, recorded in the trail (`audit.reads`).

`AuditedReadsMixin` goes on every ModelAdmin of personal data, which names in
`audit_subject` the client and referral a row is about. It records what a response shows,
once Django built it and before it is rendered, from the context the admin's templates
are given:

- a change page (also read-only, and a POST re-rendered with errors), a history page and a
  deletion's confirmation: VIEW of the object's client and referral;
- a list (`cl.result_list`, the page of rows the template then shows from the same,
  already evaluated, queryset): VIEW of each row's subject, or, while a search is kept
  (`SessionSearchMixin`), SEARCH with the term masked, the number of hits and the hits
  shown;
- an action's confirmation that lists the selected rows (delete_selected): VIEW of each;
- an autocomplete field's answer (accounts.admin_autocomplete asks `autocomplete_searched`):
  SEARCH, or VIEW of the choices offered when nothing was typed.

A redirect (a save, a refusal turned into a message) records nothing: what it leads to
records itself. A list costs one query more (the INSERT), whatever its length; a list
that does not show its rows' referral, a second one (`Subject.of_all` reads their clients).

The context's names (`original`, `object`, `cl` with its `result_list`, `query` and
`result_count`, `queryset`) are what Django's admin templates are given; they are read
here only, and tests/audit/test_admin_reads.py pins them for every model."""

from .reads import Subject, listed, searched, shown


class AuditedReadsMixin:
    """For a ModelAdmin of personal data: record each page that shows its rows."""

    audit_subject: Subject  # which client and referral a row is about
    # Whether a list shows whom its rows are about; where it does not (the outbox lists
    # recipients and kinds), only its searches are recorded.
    audit_lists = True

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._record_object(request, response, "original")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        self._record_object(request, response, "object")
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        self._record_object(request, response, "object")
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None) or {}
        if "cl" in context:
            changelist = context["cl"]
            self.record_list(
                request, changelist.result_list, changelist.query, hits=changelist.result_count
            )
        elif "queryset" in context:  # an action asking to confirm (delete_selected)
            listed(request, self.audit_subject.of_queryset(context["queryset"]))
        return response

    def autocomplete_searched(self, request, term: str, objects, *, hits: int) -> None:
        """An autocomplete field offered `objects` (one page of `hits`) for `term`."""
        self.record_list(request, objects, term, hits=hits)

    def record_list(self, request, objects, query: str, *, hits: int) -> None:
        """A page of `objects`: found by `query` (of `hits` in all), or listed."""
        subjects = self.audit_subject.of_all(objects)
        if query.strip():
            searched(request, query, subjects, hits=hits)
        elif self.audit_lists:
            listed(request, subjects)

    def _record_object(self, request, response, name: str) -> None:
        obj = (getattr(response, "context_data", None) or {}).get(name)
        if obj is not None:
            client, referral = self.audit_subject.of(obj)
            shown(request, client=client, referral=referral)
