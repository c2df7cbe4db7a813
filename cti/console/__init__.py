"""The operator console's live side: screen pops, the operator's call and wrap-up, queue login.

Data flows one way: AMI frames → `rings` (what happened to whose phone) → `service` (pop
contents, wrap-up) → `hub` (each operator's WebSocket stream).
"""
