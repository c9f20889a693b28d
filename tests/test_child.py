"""Child outcomes: one line that says why a child failed."""

from harness.run.child import ChildOutcome, last_meaningful_line

TRACEBACK = """Traceback (most recent call last):
  File "/x/prepare.py", line 3, in prepare
    raise ValueError("width must be >= 2")
ValueError: width must be >= 2

"""

FAULTHANDLER = """Fatal Python error: Segmentation fault

Current thread 0x00007f (most recent call first):
  File "/x/crash.py", line 8 in crash

Extension modules: numpy._core._multiarray_umath (total: 1)
"""


def test_the_last_meaningful_line_of_a_traceback_is_the_exception():
    assert last_meaningful_line(TRACEBACK) == "ValueError: width must be >= 2"
    assert last_meaningful_line("Traceback (most recent call last):\n") == ""
    assert last_meaningful_line(FAULTHANDLER) == "Fatal Python error: Segmentation fault"


def test_the_headline_says_how_the_child_ended_and_why():
    assert ChildOutcome(1, TRACEBACK).headline() == "exited with status 1: ValueError: width must be >= 2"
    assert ChildOutcome(-11, "").headline() == "died with signal SIGSEGV"
    assert ChildOutcome(None, "").headline() == "timed out and was killed"
    assert ChildOutcome(1, TRACEBACK).describe().startswith("exited with status 1: Traceback")
