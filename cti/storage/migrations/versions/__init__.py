"""One module per schema revision, written by hand to match `cti.storage.models`."""
