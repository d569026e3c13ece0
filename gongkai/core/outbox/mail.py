# Placeholder until the outbox lands.
from django.core.mail.backends.locmem import EmailBackend as OutboxEmailBackend  # noqa: F401
