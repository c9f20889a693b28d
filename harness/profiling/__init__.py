"""Profiling: memory, line profiles and call counts for entries, in their own processes.

Nothing here runs inside the timing processes. ``harness profile`` runs, per entry, one
child that takes the memory profile (memory_profiler on the normal build) and then the
line profile (line_profiler); a Cython backend's line profile runs in a child of its own,
on a separate build with line tracing. The findings land in ``Entry.profile`` (see
``docs/results-format.md, section "profile"``).

Importing this package is cheap: memory_profiler, line_profiler, scipy and numba are only
imported inside the child processes that use them.
"""
