"""The embedded demo environment of `agent-desktop desktop --demo`: the simulator PBX with Changsha callers, the
central store on SQLite, a seat and a unit account, and a unit that answers the orders dispatched to it. No Qt.
See `agent_desktop.demo.environment` and docs/demo.md."""

from agent_desktop.demo.environment import DemoEnvironment, DemoModel, ScriptLine, default_demo_dir, start_demo

__all__ = ["DemoEnvironment", "DemoModel", "ScriptLine", "default_demo_dir", "start_demo"]
