"""Job runs: users' Python code run with mpiexec across a RUNNING cluster (issue 10)."""
