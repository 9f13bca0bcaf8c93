"""`agent-desktop desktop`: the display check and the system libraries' message (the window itself: tests/ui)."""

from __future__ import annotations

from agent_desktop.cli import build_parser
from agent_desktop.cli import desktop as cmd


def test_the_command_is_registered_with_its_options() -> None:
    args = build_parser().parse_args(["desktop", "--demo", "--offscreen-seconds", "5", "--screenshots", "shots",
                                      "--config", "seat.toml"])
    assert (args.demo, args.offscreen_seconds, args.screenshots, args.config) == (True, 5.0, "shots", "seat.toml")
    assert args.handler is cmd.run
    top = build_parser().parse_args(["--config", "a.toml", "desktop"])
    assert top.config == "a.toml"  # the global option is not reset by the command's own


def test_a_display_is_either_x11_or_wayland() -> None:
    assert not cmd.has_display({})
    assert cmd.has_display({"DISPLAY": ":0"})
    assert cmd.has_display({"WAYLAND_DISPLAY": "wayland-0"})


def test_missing_libraries_name_their_debian_packages() -> None:
    present = {"xcb-cursor", "xkbcommon-x11", "EGL", "GL", "fontconfig", "dbus-1"}
    missing = cmd.missing_system_packages(lambda lib: f"lib{lib}.so" if lib in present else None)
    assert "libxcb-icccm4" in missing and "libxcb-xinerama0" in missing
    assert "libxcb-cursor0" not in missing and "fonts-noto-cjk" not in missing
    assert cmd.APT_COMMAND.startswith("apt-get install -y libxcb-cursor0 libxkbcommon-x11-0 ")
    assert cmd.APT_COMMAND.endswith("libdbus-1-3 fonts-noto-cjk")
