"""What the field tasks refuse. No HTTP codes here: the web layer maps these."""

from __future__ import annotations


class FieldError(Exception):
    """Any refusal of the field tasks."""


class FieldTaskNotFound(FieldError, LookupError):
    def __init__(self, task_id: int) -> None:
        super().__init__(f"no field task {task_id}")
        self.task_id = task_id


class FieldTaskClosed(FieldError):
    """The task is done or cancelled: its photos, notes and tutanak are final."""

    def __init__(self, task_id: int, status: str) -> None:
        super().__init__(f"field task {task_id} is {status}")
        self.task_id = task_id
        self.status = status


class PhotoRefused(FieldError):
    """A photo the task does not take.

    `reason`: "empty", "too_large" (bytes), "not_a_photo" (not JPEG, PNG or WebP by its bytes),
    "unreadable" (no decodable image, or too many pixels), "too_many" (the task's limit).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ReportIncomplete(FieldError):
    """A tutanak needs the field notes and at least one photo taken on this visit."""

    def __init__(self, missing: str) -> None:  # "notes" or "photos"
        super().__init__(f"the report lacks {missing}")
        self.missing = missing


class InvalidFieldInput(FieldError, ValueError):
    """A value sent for a task is malformed (too long, NUL)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class TicketNotOpen(FieldError):
    """A closed ticket gets no new visit: there is nothing left to chase."""

    def __init__(self, number: str) -> None:
        super().__init__(f"ticket {number} is closed")
        self.number = number


class FieldTaskChanged(FieldError):
    """Photos or notes kept changing while the tutanak was being written: try again."""

    def __init__(self, task_id: int) -> None:
        super().__init__(f"field task {task_id} changed while its report was written")
        self.task_id = task_id


class FieldFileNotFound(FieldError, LookupError):
    """No such photo of the task's ticket, nor the task's tutanak."""

    def __init__(self, attachment_id: int) -> None:
        super().__init__(f"no field file {attachment_id}")
        self.attachment_id = attachment_id
