"""Sync adapter: the local outbox, the websocket client, the wire protocol and the central ticket store server.

May import `agent_desktop`; never `ui`.
"""
