"""Upstream sync: Fedora dist-git pins, drift, rendered diffs and verdicts per component.

Flow (one direction): `service.start_sync()` takes the lock and enqueues batches ->
`tasks.sync_batch` -> `batch.run_batch()` plans `jobs` from the database, runs
`process.process()` per component in threads (core.distgit + the overlay engine, no
database), and `store.store_many()` writes the outcomes a group per transaction, with
their audit events.  `report.drift_rows()` reads the results back for `report_drift`.
"""

from deviations.domain.sync.runs import SyncAlreadyRunning
from deviations.domain.sync.service import SyncError, SyncRequest, start_sync, wait_for

__all__ = ["SyncAlreadyRunning", "SyncError", "SyncRequest", "start_sync", "wait_for"]
