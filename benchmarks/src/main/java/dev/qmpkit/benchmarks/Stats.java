package dev.qmpkit.benchmarks;

import java.util.Arrays;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** Figures of one measured round, and the medians over rounds. */
record Stats(long ops, long elapsedNanos, double p50Micros, double p99Micros, long jvmCpuNanos, long qemuCpuNanos) {

    /**
     * @param latenciesNanos one entry per operation (sorted in place)
     * @param elapsedNanos wall time of the whole round
     * @return the round's figures
     */
    static Stats of(long[] latenciesNanos, long elapsedNanos) {
        Arrays.sort(latenciesNanos);
        return new Stats(latenciesNanos.length, elapsedNanos,
                percentile(latenciesNanos, 0.50) / 1000.0, percentile(latenciesNanos, 0.99) / 1000.0, 0, 0);
    }

    /** @return these figures with the CPU time the benchmark JVM and QEMU spent during the round */
    Stats withCpu(long jvmNanos, long qemuNanos) {
        return new Stats(ops, elapsedNanos, p50Micros, p99Micros, jvmNanos, qemuNanos);
    }

    /** @return CPU microseconds per operation spent by the benchmark JVM (client or raw side) */
    double jvmCpuMicrosPerOp() {
        return jvmCpuNanos / 1000.0 / ops;
    }

    /** @return CPU microseconds per operation spent by QEMU (all its threads) */
    double qemuCpuMicrosPerOp() {
        return qemuCpuNanos / 1000.0 / ops;
    }

    /** @return operations per second */
    double opsPerSecond() {
        return ops * 1e9 / elapsedNanos;
    }

    /** @return wall time per operation in milliseconds (for single large operations) */
    double millisPerOp() {
        return elapsedNanos / 1e6 / ops;
    }

    private static long percentile(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** Median of each figure over rounds, taken independently. */
    static Stats median(List<Stats> rounds) {
        return new Stats(rounds.get(0).ops(), (long) med(rounds, s -> s.elapsedNanos()),
                med(rounds, Stats::p50Micros), med(rounds, Stats::p99Micros),
                (long) med(rounds, s -> s.jvmCpuNanos()), (long) med(rounds, s -> s.qemuCpuNanos()));
    }

    static double med(List<Stats> rounds, ToDoubleFunction<Stats> f) {
        double[] v = rounds.stream().mapToDouble(f).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** @return throughput of each round, for the report's spread column */
    static String spread(List<Stats> rounds) {
        double[] v = rounds.stream().mapToDouble(Stats::opsPerSecond).sorted().toArray();
        return String.format("%,.0f..%,.0f", v[0], v[v.length - 1]);
    }
}
