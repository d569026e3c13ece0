from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """A staff member (citizens need no account)."""
