from django.conf import settings
from django.db import models
from django.db.models.functions import Lower


class GitIdentity(models.Model):
    """A name or e-mail a user commits config changes under (for four-eyes checks)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="git_identities"
    )
    email = models.CharField(max_length=255, blank=True)
    name = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~models.Q(email=""), name="gitidentity_unique_email"
            ),
            # An identity without e-mail is a name, once per user (people.link_identity).
            models.UniqueConstraint(
                "user",
                Lower("name"),
                condition=models.Q(email=""),
                name="gitidentity_unique_name",
            ),
            models.CheckConstraint(
                condition=~models.Q(email="", name=""), name="gitidentity_email_or_name"
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.name
