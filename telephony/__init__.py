"""Telephony adapter: AMI connection (panoramisk), the pure call tracker, call control, survey dialer, simulator PBX.

May import `agent_desktop` domain types and panoramisk; never `ui`.
"""
