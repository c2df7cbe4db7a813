"""FastAGI: Asterisk asks the CTI about a call while the call waits."""
