"""Live state of the queues and operators, and its publication (in process, or over Redis).

Data flows one way: AMI frames -> `from_ami` (pure) -> `state` (immutable) -> `messages`
(JSON-ready snapshot and change dicts) -> a `bus` that fans them out to the console.
"""
