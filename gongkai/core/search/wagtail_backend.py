# Placeholder until the Chinese search backend lands.
from wagtail.search.backends.database import DatabaseSearchBackend as SearchBackend  # noqa: F401
