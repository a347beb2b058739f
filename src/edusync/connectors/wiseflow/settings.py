"""The ``wiseflow`` connector's settings (one frozen model; the API token only through ``${ENV}``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class WiseflowSettings(BaseModel):
    """Where the WISEflow API is, the licence's API token, and who manages the flows edusync makes.

    ``base_url`` includes the version, e.g. ``https://europe-api.wiseflow.net/v1``. ``manager`` is
    the Feide username of the manager every new flow gets (WISEflow needs one on create, and the
    grade export sends it to FS as ``saksbehandler``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")
    base_url: str = Field(min_length=1)
    api_token: SecretStr
    manager: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    manager_first_name: str = "Eksamen"
    manager_last_name: str = "Administrasjon"
    flow_type: int = Field(default=1, ge=1, description="create-flow's type id (GET /license/flow-types)")
    room_capacity: int = Field(default=100, ge=0)
    booking_hours: float = Field(default=4.0, gt=0, description="room booking length when FS gives no end")
    timeout: float = Field(default=30.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    backoff: float = Field(default=0.5, ge=0, le=30)
