"""Figure 8, the export benchmark, run as `python -m bench.exports` (bench/run.py starts it).

benchmark.py is the benchmark process: it loads the registers and starts a fresh child process per
measurement (`python -m bench.exports child SPEC`); child.py runs one of the modes of modes.py
(the export, the library alone, a profile) or of bounds.py (figure 8c).
"""
