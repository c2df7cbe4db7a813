"""ALO 153: CTI backend and citizen-request system for a municipal 153 call centre."""

__version__ = "0.1.0"
