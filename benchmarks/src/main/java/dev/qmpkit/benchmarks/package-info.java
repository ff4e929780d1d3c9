/** Benchmark programs; results go to docs/BENCHMARKS.md. */
package dev.qmpkit.benchmarks;
