import os
import stat

from django.apps import AppConfig
from django.conf import settings
from django.db.backends.signals import connection_created

from .search_index import require_fts5


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = "Directory"

    def ready(self):
        connection_created.connect(private_sqlite_files)
        if any(db["ENGINE"].endswith("sqlite3") for db in settings.DATABASES.values()):
            require_fts5()


def private_sqlite_files(sender, connection, **kwargs):
    """A SQLite database holds password hashes: its file, and the write-ahead log beside it, are
    readable by their owner only, whatever the umask they were created with."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    name = str(connection.settings_dict["NAME"])
    for path in (name, f"{name}-wal", f"{name}-shm"):
        try:
            if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
                os.chmod(path, 0o600)
        except FileNotFoundError:
            pass
