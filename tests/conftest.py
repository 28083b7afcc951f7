import os

from hypothesis import HealthCheck, settings

# Scripts that tests run in subprocesses (under mpiexec, or as a user would): never import them
# during collection, where --doctest-modules would otherwise run them.
collect_ignore = ["quickstart_script.py"]
collect_ignore_glob = ["mpi_scripts/*"]

# Under CI a derandomized profile without deadlines keeps a green run green; locally explore wider.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=25,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
# A short smoke run (e.g. the whole suite on a GPU within a small time budget): HYPOTHESIS_PROFILE=quick
settings.register_profile("quick", derandomize=True, deadline=None, max_examples=5,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def pytest_sessionstart(session):
    """Under CI the differential tests must run, not skip: without PyTorch about a sixth of the suite
    (every comparison with torch) would skip and the run would still look green."""
    import importlib.util

    if os.environ.get("CI") and importlib.util.find_spec("torch") is None:
        raise RuntimeError("CI=true but PyTorch is not installed: the differential tests would be skipped. "
                           "Install it with `make install-torch`.")
