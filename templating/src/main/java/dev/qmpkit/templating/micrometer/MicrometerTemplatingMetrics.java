package dev.qmpkit.templating.micrometer;

import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.TemplatingMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records the templating workflows' measurements into a Micrometer {@link MeterRegistry}. Needs
 * {@code io.micrometer:micrometer-core} on the class path, which templating declares as an
 * optional dependency: add it to your project to use this class.
 *
 * <pre>{@code
 * Templating templating = Templating.builder()
 *         .metrics(MicrometerTemplatingMetrics.of(registry))
 *         .qmpOptions(QmpOptions.builder().metrics(MicrometerQmpMetrics.qmp(registry)).build())
 *         .build();
 * }</pre>
 *
 * <p>Meters ({@code outcome} is {@code success} or {@code failure}; {@code template} is the
 * template directory's name):
 * <ul>
 *   <li>{@code qmpkit.templating.step}, a timer tagged {@code step} (the {@link Step} in lower
 *   case, e.g. {@code clone_launch}, {@code restore_state}): each step that succeeded;</li>
 *   <li>{@code qmpkit.clone.start}, a timer tagged {@code outcome}: clone starts, from the call
 *   to a running (or paused) clone;</li>
 *   <li>{@code qmpkit.template.save}, a timer tagged {@code outcome}: template saves;</li>
 *   <li>{@code qmpkit.pool.size}, a gauge tagged {@code template}: clones ready in the open
 *   pools of that template;</li>
 *   <li>{@code qmpkit.pool.acquires}, a timer tagged {@code template} and {@code outcome}: each
 *   {@code acquire}, its wait and resume included;</li>
 *   <li>{@code qmpkit.pool.refills}, a counter tagged {@code template} and {@code outcome}: clones
 *   a pool started in the background.</li>
 * </ul>
 * Thread-safe.
 */
public final class MicrometerTemplatingMetrics implements TemplatingMetrics {
    private final MeterRegistry registry;
    private final Map<Step, Timer> steps = new ConcurrentHashMap<>();
    private final Timer cloneStarted;
    private final Timer cloneFailed;
    private final Timer saved;
    private final Timer saveFailed;
    /** The open pools, by template tag; a gauge per template sums their ready clones. */
    private final Map<String, Set<ClonePool>> pools = new ConcurrentHashMap<>();

    private MicrometerTemplatingMetrics(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
        cloneStarted = outcomeTimer("qmpkit.clone.start", "Clone starts, from the call to a running clone", true);
        cloneFailed = outcomeTimer("qmpkit.clone.start", "Clone starts, from the call to a running clone", false);
        saved = outcomeTimer("qmpkit.template.save", "Template saves", true);
        saveFailed = outcomeTimer("qmpkit.template.save", "Template saves", false);
    }

    /**
     * @param registry where the meters go; never null
     * @return a recorder for {@code Templating.Builder#metrics}
     */
    public static MicrometerTemplatingMetrics of(MeterRegistry registry) {
        return new MicrometerTemplatingMetrics(registry);
    }

    @Override
    public void stepFinished(Step step, long durationNanos) {
        steps.computeIfAbsent(step, s -> Timer.builder("qmpkit.templating.step")
                .tag("step", s.name().toLowerCase(Locale.ROOT))
                .description("Steps of template launches, saves and clone starts that succeeded").register(registry))
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void cloneStarted(boolean succeeded, long durationNanos) {
        (succeeded ? cloneStarted : cloneFailed).record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void templateSaved(boolean succeeded, long durationNanos) {
        (succeeded ? saved : saveFailed).record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void poolStarted(ClonePool pool) {
        String template = template(pool);
        pools.computeIfAbsent(template, t -> {
            Set<ClonePool> open = ConcurrentHashMap.newKeySet();
            Gauge.builder("qmpkit.pool.size", open, MicrometerTemplatingMetrics::ready).tag("template", t)
                    .description("Clones ready in the open warm pools of a template").register(registry);
            return open;
        }).add(pool);
    }

    @Override
    public void poolClosed(ClonePool pool) {
        Set<ClonePool> open = pools.get(template(pool));
        if (open != null) {
            open.remove(pool);
        }
    }

    @Override
    public void poolAcquired(ClonePool pool, boolean succeeded, long durationNanos) {
        Timer.builder("qmpkit.pool.acquires").tag("template", template(pool)).tag("outcome", outcome(succeeded))
                .description("Clones taken from a warm pool, waiting and resuming included").register(registry)
                .record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void poolRefilled(ClonePool pool, boolean succeeded) {
        Counter.builder("qmpkit.pool.refills").tag("template", template(pool)).tag("outcome", outcome(succeeded))
                .description("Clones a warm pool started in the background").register(registry).increment();
    }

    private Timer outcomeTimer(String name, String description, boolean succeeded) {
        return Timer.builder(name).tag("outcome", outcome(succeeded)).description(description).register(registry);
    }

    private static double ready(Set<ClonePool> open) {
        int n = 0;
        for (ClonePool p : open) {
            n += p.available();
        }
        return n;
    }

    private static String template(ClonePool pool) {
        return String.valueOf(pool.template().directory().getFileName());
    }

    private static String outcome(boolean succeeded) {
        return succeeded ? "success" : "failure";
    }

    @Override
    public String toString() {
        return "MicrometerTemplatingMetrics[" + pools.size() + " template(s) pooled]";
    }
}
