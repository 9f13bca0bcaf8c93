"""The desk window's widgets: each renders immutable desk values and emits the agent's intents as signals; none
holds a service, awaits, or keeps business state."""
