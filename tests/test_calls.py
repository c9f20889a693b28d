import functools

from harness.run.calls import count_calls


def leaf():
    return len([1, 2])


def two_leaves():
    return leaf() + leaf()


def test_calls_inside_a_function_are_counted_and_its_own_frame_is_not():
    counts, result = count_calls(two_leaves)
    assert result == 4
    assert counts.python_calls == 2  # leaf, leaf
    assert counts.builtin_calls == 2  # len, len
    assert counts.total == 4


def test_a_lambda_wrapper_is_not_counted():
    counts, _ = count_calls(lambda: leaf())
    assert (counts.python_calls, counts.builtin_calls) == (1, 1)


def test_an_invisible_compiled_call_still_counts_one():
    counts, result = count_calls(functools.partial(sum, [1, 2]))
    assert result == 3
    assert counts.total >= 1


def test_a_loop_makes_one_call_per_iteration():
    def loop():
        for _ in range(10):
            leaf()

    counts, _ = count_calls(loop)
    assert counts.python_calls == 10 and counts.builtin_calls == 10
