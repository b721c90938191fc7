//! Contract-test suites every adapter of a port runs (feature `test-util`).
