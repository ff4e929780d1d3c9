package dev.qmpkit.benchmarks;

import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Collects how long each templating step took, to show where a save's or a clone's time goes. */
final class StepTimes implements ProgressListener {

    private final Map<Step, List<Double>> millis = new EnumMap<>(Step.class);

    @Override
    public synchronized void stepFinished(Step step, String vmName, Duration took) {
        millis.computeIfAbsent(step, s -> new ArrayList<>()).add(took.toNanos() / 1e6);
    }

    /** @return "STEP median ms" for every step seen, in workflow order */
    synchronized String medians() {
        return millis.entrySet().stream()
                .map(e -> String.format("%s %.1f", e.getKey().name().toLowerCase(), median(e.getValue())))
                .collect(Collectors.joining(", "));
    }

    synchronized void clear() {
        millis.clear();
    }

    private static double median(List<Double> v) {
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }
}
