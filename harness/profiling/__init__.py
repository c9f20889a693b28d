"""Profiling: memory, line profiles and call counts for entries, in their own processes.

Nothing here runs inside the timing processes. ``harness profile`` runs, per entry, a
memory child (memory_profiler on the normal build) and a line child (line_profiler; a
Cython backend gets a separate build with line tracing). Their findings land in
``Entry.profile`` (see ``docs/results-format.md, section "profile"``).

Importing this package is cheap: memory_profiler, line_profiler, scipy and numba are only
imported inside the child processes that use them.
"""
