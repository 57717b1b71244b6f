"""Capacity analysis for planners: figures from the contact log, staffing by Erlang C/A, hours."""
