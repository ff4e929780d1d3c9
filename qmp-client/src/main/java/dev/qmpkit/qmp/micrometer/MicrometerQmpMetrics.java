package dev.qmpkit.qmp.micrometer;

import dev.qmpkit.qmp.CommandOutcome;
import dev.qmpkit.qmp.QmpMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records a QMP or guest agent client's measurements into a Micrometer {@link MeterRegistry}.
 * Needs {@code io.micrometer:micrometer-core} on the class path, which qmp-client declares as an
 * optional dependency: add it to your project to use this class; nothing else in qmp-client
 * touches Micrometer. Create one per registry and kind ({@link #qmp}, {@link #agent}) and share
 * it between every client of an application: a second one on the same registry would find the
 * gauge of commands in flight already registered to the first.
 *
 * <pre>{@code
 * QmpOptions options = QmpOptions.builder().metrics(MicrometerQmpMetrics.qmp(registry)).build();
 * AgentOptions agent = AgentOptions.builder().metrics(MicrometerQmpMetrics.agent(registry)).build();
 * }</pre>
 *
 * <p>Meters, with {@code PREFIX} {@code qmpkit.qmp} for {@link #qmp} and {@code qmpkit.agent}
 * for {@link #agent}:
 * <ul>
 *   <li>{@code PREFIX.commands}, a timer: each command's latency, tagged {@code command} (the
 *   QMP or agent command name) and {@code outcome} ({@code success}, {@code error},
 *   {@code timeout}, {@code disconnected}); its count with {@code outcome=timeout} counts the
 *   timeouts;</li>
 *   <li>{@code PREFIX.commands.active}, a gauge: commands sent and not finished;</li>
 *   <li>{@code PREFIX.events.dropped}, a counter tagged {@code event}: events a slow
 *   subscription dropped (QMP only);</li>
 *   <li>{@code PREFIX.reconnects}, a counter tagged {@code outcome} ({@code success},
 *   {@code failure}): reconnect attempts (QMP only).</li>
 * </ul>
 * Thread-safe.
 */
public final class MicrometerQmpMetrics implements QmpMetrics {
    private static final CommandOutcome[] OUTCOMES = CommandOutcome.values();

    private final MeterRegistry registry;
    private final String prefix;
    private final AtomicLong active = new AtomicLong();
    private final Map<String, Timer[]> timers = new ConcurrentHashMap<>();
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Counter reconnected;
    private final Counter reconnectFailed;

    private MicrometerQmpMetrics(MeterRegistry registry, String prefix) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.prefix = prefix;
        Gauge.builder(prefix + ".commands.active", active, AtomicLong::get)
                .description("Commands sent and not answered, timed out or failed yet").register(registry);
        reconnected = reconnects("success");
        reconnectFailed = reconnects("failure");
    }

    /**
     * @param registry where the meters go; never null
     * @return a recorder for QMP clients, meters named {@code qmpkit.qmp.*}
     */
    public static MicrometerQmpMetrics qmp(MeterRegistry registry) {
        return new MicrometerQmpMetrics(registry, "qmpkit.qmp");
    }

    /**
     * @param registry where the meters go; never null
     * @return a recorder for guest agent clients, meters named {@code qmpkit.agent.*}
     */
    public static MicrometerQmpMetrics agent(MeterRegistry registry) {
        return new MicrometerQmpMetrics(registry, "qmpkit.agent");
    }

    @Override
    public void commandStarted(String command) {
        active.incrementAndGet();
    }

    @Override
    public void commandFinished(String command, CommandOutcome outcome, long durationNanos) {
        active.decrementAndGet();
        Timer[] byOutcome = timers.computeIfAbsent(command, c -> new Timer[OUTCOMES.length]);
        Timer t = byOutcome[outcome.ordinal()];
        if (t == null) {
            // Registered on first use: a command that never timed out has no timeout series.
            // Two threads may both register it; the registry hands both the same timer.
            t = Timer.builder(prefix + ".commands").tag("command", command)
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .description("Command latency, from sending to its reply, timeout or failure")
                    .register(registry);
            byOutcome[outcome.ordinal()] = t;
        }
        t.record(durationNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void eventDropped(String event) {
        dropped.computeIfAbsent(event, e -> Counter.builder(prefix + ".events.dropped").tag("event", e)
                .description("Events a slow subscription dropped to make room").register(registry)).increment();
    }

    @Override
    public void reconnectAttempt(boolean succeeded) {
        (succeeded ? reconnected : reconnectFailed).increment();
    }

    private Counter reconnects(String outcome) {
        return Counter.builder(prefix + ".reconnects").tag("outcome", outcome)
                .description("Attempts to reconnect after a lost connection").register(registry);
    }

    @Override
    public String toString() {
        return "MicrometerQmpMetrics[" + prefix + ", " + active.get() + " active]";
    }
}
