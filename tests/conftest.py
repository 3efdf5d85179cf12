"""Fixtures shared by every test folder.

Nothing generic is needed yet: each app keeps its factories and fixtures in
tests/<app>/ (factories.py, conftest.py). Put a fixture here only when two apps need it.
"""
