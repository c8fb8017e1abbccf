"""samstat's benchmarks: ``make bench`` (= ``python -m bench``) runs them all and writes
docs/benchmarks.md; ``python -m bench --quick`` uses smaller sizes; ``python -m bench NAME``
runs one benchmark (its section is replaced, the others are kept from their last run).

Every load goes to 127.0.0.1 only, is bounded in count and in time, and stops by itself. Each
figure is measured next to its baseline in the same run, as a median over repetitions.
"""
