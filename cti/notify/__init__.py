"""Notifications: an outbox written in the same transaction as its cause, and a dispatcher
that sends it by e-mail (SMTP) or SMS (an HTTP gateway), retrying with back-off.

`outbox.enqueue` is the one way in; `dispatcher.OutboxDispatcher` the one way out;
`delivery_log` what a supervisor reads.
"""
