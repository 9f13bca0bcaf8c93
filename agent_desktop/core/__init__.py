"""The domain core: work order, lifecycle, rule parameters, working days, privacy, routing, warnings, assessment.

Pure: standard library plus chinese-calendar and cryptography only. No Qt, asyncio, sockets, SQLAlchemy, panoramisk,
websockets or vosk; time is always passed in, never read from the wall clock.
"""
