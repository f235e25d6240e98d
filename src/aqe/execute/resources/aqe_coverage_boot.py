"""Starts coverage.py in an aqe worker before pytest is imported.

aqe starts each worker as ``python -c <boot> ARGS``: the boot imports this module, then runs
pytest as ``python -m pytest ARGS`` would. ``coverage run -m pytest`` starts its tracer before
pytest exists; a tracer started by aqe's pytest plugin would miss every line of the project that
runs before the plugin loads: modules ``import pytest`` pulls in, plugins named by ``-p`` in the
project's addopts or by PYTEST_PLUGINS, which pytest loads first. Imports only the standard
library, and coverage only when aqe asked for coverage (AQE_COVERAGE_FILE).
"""
import os


def _start():
    data_file = os.environ.get("AQE_COVERAGE_FILE")
    if not data_file:
        return None
    import coverage

    # The project's own coverage config (found as `coverage run` finds it: COVERAGE_RCFILE,
    # .coveragerc, setup.cfg, tox.ini, pyproject.toml in the working directory) decides what is
    # measured: source, source_pkgs, include, omit, plugins. Without a source or include there,
    # aqe measures the directories it was given, and leaves out the test paths it was given.
    probe = coverage.Coverage(data_file=None)
    source = omit = None
    if not probe.config.source and not probe.config.source_pkgs and not probe.config.run_include:
        source = [p for p in os.environ.get("AQE_COVERAGE_SOURCE", "").split(os.pathsep) if p]
        omit = [p for p in os.environ.get("AQE_COVERAGE_OMIT", "").split(os.pathsep) if p]
        omit = (list(probe.config.run_omit or []) + omit) if omit else None
    # data_suffix=False: the project's `parallel = true` would name the data file
    # <file>.<host>.<pid>.<n>, which aqe would not find; aqe combines the workers' files itself.
    cov = coverage.Coverage(data_file=data_file, data_suffix=False, branch=True, source=source or None,
                            omit=omit)
    cov.start()
    return cov


cov = _start()
