"""Asterisk Manager Interface: the pure wire protocol (`protocol`), capture files (`capture`) and the live connection
over panoramisk (`connection`)."""
