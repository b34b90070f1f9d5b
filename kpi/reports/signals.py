"""``report_run_queued``: a report run was committed and waits for a worker. The services send it (they do not know
Celery); ``kpi.tasks`` receives it and queues ``generate_report`` (connected when the app is ready), so the services
and the tasks that call them import each other in one direction only."""

from django.dispatch import Signal

report_run_queued = Signal()  # keyword argument: run_id
