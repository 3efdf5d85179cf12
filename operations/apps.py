from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the site: health, metrics and logs, for load balancers, Prometheus and the
    operators (docs/operations.md)."""

    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        # No `_created` timestamp beside every counter: a second series each, which
        # Prometheus does not need to see a counter reset.
        import prometheus_client

        prometheus_client.disable_created_metrics()
