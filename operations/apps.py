from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the site: health, metrics and logs, for load balancers, Prometheus and the
    operators (docs/operations.md)."""

    name = "operations"
    verbose_name = "Operations"
