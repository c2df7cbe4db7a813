"""The call centre's rules, free of any framework: numbers, callers, calls, tickets."""
