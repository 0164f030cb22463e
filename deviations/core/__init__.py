"""The core: azldev's formats (TOML config, spec text, overlays, diffs, git).

Nothing under this package imports Django, so it can be tested and
benchmarked alone.  The Django layers (models, domain, reads, web) sit on
top and call into it.
"""
