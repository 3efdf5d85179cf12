"""Cursor pagination: the next page starts after the last row seen, so no page counts the
rows (a million of them) and rows added meanwhile do not shift what comes next."""

from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    # The order of each list's indexes; a unique last column keeps pages apart.
    ordering = ("-pk",)
