"""The CTI's HTTP API: aiohttp views over the call log, the live queues and component health."""
