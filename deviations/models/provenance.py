from django.db import models

from .config import ConfigCommit
from .deviation import Deviation


class DeviationLife(models.Model):
    """An earlier run of a deviation in the config, which ended when it was removed.

    A deviation that leaves the config and comes back has its current run on the
    Deviation itself (`introduced_commit`, `changed_commit`); its earlier runs are
    these, oldest first: "present from A, last changed in B, removed by C".  They are
    provenance, computed from git by the import: when a walk of the history says
    otherwise, a deviation's runs are replaced as a whole, with an audit event
    holding the runs before and after.
    """

    deviation = models.ForeignKey(Deviation, on_delete=models.PROTECT, related_name="earlier_lives")
    number = models.PositiveIntegerField()  # 1 for its first run
    introduced_commit = models.ForeignKey(ConfigCommit, on_delete=models.PROTECT, related_name="+")
    changed_commit = models.ForeignKey(ConfigCommit, on_delete=models.PROTECT, related_name="+")
    removed_commit = models.ForeignKey(ConfigCommit, on_delete=models.PROTECT, related_name="+")

    class Meta:  # no default ordering (it would join the deviations): lists say theirs
        constraints = [
            models.UniqueConstraint(
                fields=["deviation", "number"], name="deviationlife_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.deviation} run {self.number}"
