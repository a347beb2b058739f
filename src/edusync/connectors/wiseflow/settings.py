"""The ``wiseflow`` connector's settings (one frozen model; the API token only through ``${ENV}``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class WiseflowSettings(BaseModel):
    """Where the WISEflow API is, the licence's API token, and who manages the flows edusync makes.

    ``base_url`` includes the version, e.g. ``https://europe-api.wiseflow.net/v1``. ``manager`` is
    the Feide username of the manager every new flow gets (WISEflow needs one on create, and the
    grade export sends it to FS as ``saksbehandler``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)
    base_url: str = Field(min_length=1)
    """The API with its version, such as ``https://europe-api.wiseflow.net/v1``."""
    api_token: SecretStr
    """The licence's API token (sent as ``x-api-key``), only as an ``${ENV}`` reference."""
    manager: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    """The Feide username of the manager every new flow gets: WISEflow needs one on create, and the grade export
    sends it to FS as ``saksbehandler``."""
    manager_first_name: str = "Eksamen"
    """The manager's first name, used when edusync has to create that user in WISEflow."""
    manager_last_name: str = "Administrasjon"
    """The manager's last name, used when edusync has to create that user in WISEflow."""
    flow_type: int = Field(default=1, ge=1)
    """The type id of the flows edusync creates (the licence's types: ``GET /license/flow-types``)."""
    room_capacity: int = Field(default=100, ge=0)
    """The capacity given to a room edusync adds to the licence for an exam's room booking."""
    booking_hours: float = Field(default=4.0, gt=0)
    """How long a room is booked when FS gives the exam a start but no end."""
    group_map: Path = Path("wiseflow-groups.json")
    """edusync's record of which WISEflow assessor group is which FS kommisjon on each flow (WISEflow's groups carry
    no external id); relative to the configuration file. Keep it with the database: without it a re-sync makes the
    groups again."""
    parallel: int = Field(default=8, ge=1, le=32)
    """How many calls edusync makes to WISEflow at once where its API has no bulk form (creating or updating
    the users of new participants); everything else of a batch goes in bulk calls, one flow at a time."""
    timeout: float = Field(default=30.0, gt=0)
    """Seconds to wait for one answer."""
    retries: int = Field(default=3, ge=0, le=10)
    """Extra attempts after a timeout, a dropped connection or a 5xx answer (never for a create that may have
    arrived)."""
    backoff: float = Field(default=0.5, ge=0, le=30)
    """Seconds before the first retry, doubling with each one after (at most eight times this)."""
