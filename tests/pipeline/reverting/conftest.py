"""The exam cycle's sandboxes (FS and WISEflow over HTTP), for the WISEflow revert."""

from tests.exams.conftest import make_cycle  # noqa: F401 (a fixture)
