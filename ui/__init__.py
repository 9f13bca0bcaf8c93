"""PySide6 widgets and windows. Views bound to services through Qt signals; no business rule lives here.

May import `agent_desktop` and the service interfaces of `telephony`, `asr`, `sync`; never an adapter's implementation.
"""
