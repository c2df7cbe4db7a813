"""Reconciliation: the call-outcome log checked against, and completed from, Asterisk's own
records (queue_log and CDRs), so that nothing is lost while the CTI or its link was down."""
