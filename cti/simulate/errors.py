"""The error every part of the SIPp runner raises, so callers catch one type."""


class SippError(RuntimeError):
    """SIPp is missing, or a SIPp did not start."""
