"""Hotline Agent Desktop (热线坐席桌面).

`core/` is the domain (pure); beside it live configuration, the resource loader and the CLI.
"""

__version__ = "0.1.0"
