"""A simulated month of Changsha work orders, walked through the real lifecycle (`month`), over matter templates
kept as data (`matters`, from `resources/simulation/`). Used by `agent-desktop orders simulate` and the tests."""
