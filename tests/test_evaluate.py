from harness.core.workload import Kernel
from harness.run.kernels import perf_counter_timer, time_function


def test_timer_times_loops_back_to_back_with_a_fake_clock():
    calls = []
    ticks = iter([10.0, 12.5])
    time_loops = perf_counter_timer(lambda: calls.append(1), clock=lambda: next(ticks))
    assert time_loops(5) == 2.5
    assert len(calls) == 5


def test_a_kernel_with_its_own_timer_uses_it():
    def device_timer(loops):
        return 0.001 * loops

    kernel = Kernel(call=lambda: None, time_loops=device_timer)
    name, function = time_function(kernel)
    assert name == "cuda_events" and function(3) == 0.003
    assert time_function(Kernel(call=lambda: None))[0] == "perf_counter"
