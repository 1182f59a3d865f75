"""Scale benchmarks: a synthetic report generator (synth) and the benchmark runner (run)."""
