"""Speech recognition adapter: Vosk models, streaming recognition, the AudioSocket server, transcript pre-fill.

May import `agent_desktop` domain types and vosk; never `ui`.
"""
