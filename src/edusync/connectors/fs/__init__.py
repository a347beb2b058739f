"""The ``fs`` connector: exams and study groups from FS (Felles studentsystem)."""

from edusync.connectors.fs.connector import FsConnector
from edusync.connectors.fs.keys import ExamKey, ExamKeyError, parse_tid
from edusync.connectors.fs.settings import FsSettings

__all__ = ["ExamKey", "ExamKeyError", "FsConnector", "FsSettings", "parse_tid"]
