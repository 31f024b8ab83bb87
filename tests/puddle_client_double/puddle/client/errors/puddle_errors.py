"""The documented exceptions of puddle.client.errors.puddle_errors."""

PRECONDITION_FAILED_ERROR_TYPE = 'failed_precondition'


class PreconditionFailedError(Exception):
    """Raised when the preconditions of an operation are not met (e.g. starting a system that is not stopped)."""


class SystemFailedError(Exception):
    """Raised when a system enters the failed state."""


class ValidationFailedError(Exception):
    """Raised when a validation fails (e.g. a system name with invalid characters)."""


class ImageFailedError(Exception):
    """Raised when an image enters the failed state."""
