"""Citizens' requests: their fields, numbers, lifecycle and reference data. No I/O but the
seed files read once from the package (`reference.py`)."""
