"""What the registry's service functions raise; the app maps each to its HTTP status."""

from __future__ import annotations


class RegistryError(Exception):
    status = 400


class NotFound(RegistryError):
    status = 404


class Conflict(RegistryError):
    status = 409


class Invalid(RegistryError):
    status = 422


class VersionMismatch(RegistryError):
    """The If-Match version is not the stored one: someone else changed it meanwhile."""

    status = 412

    def __init__(self, current: int) -> None:
        super().__init__(f"the stored version is {current}; reload and retry")
        self.current = current
