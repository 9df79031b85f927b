"""`python -m bench.exports`: figure 8, or one measurement of it in a child process."""

from bench.exports.benchmark import main

main()
