"""Benchmarks of pwasync against raw aiohttp and the official client, parallelworks-client.

Run ``python -m benchmarks`` (or ``nox -s bench``) to measure every figure and
rewrite ``benchmarks/RESULTS.md``; ``python -m benchmarks --help`` lists the
options. Each figure is one module with a ``run(*, quick)`` function.
"""
