"""simtel's bundled scenarios (installed as the `simtel.scenarios` package data).

Each `*.yaml` file starts with a comment saying what it teaches; `golden/<name>.jsonl` is its
golden event log. Find them with `simtel.scenario.bundled_folder()`.
"""
