"""The local folders the embedded setup writes to, made when a process starts (``ContactcenterConfig.ready``), not
when the settings are imported: the SQLite file's folder, the collected static files, the uploaded files and the
filesystem broker's queue."""

from pathlib import Path

from django.conf import settings


def local_folders() -> list[Path]:
    folders = [Path(settings.STATIC_ROOT), Path(settings.MEDIA_ROOT)]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and str(database["NAME"]) not in ("", ":memory:"):
        folders.append(Path(database["NAME"]).parent)
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders += [Path(options[name]) for name in ("data_folder_in", "processed_folder", "control_folder")]
    return folders


def make_local_folders() -> None:
    for folder in local_folders():
        folder.mkdir(parents=True, exist_ok=True)
