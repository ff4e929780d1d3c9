package dev.qmpkit.qmp;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Immutable client configuration; build with {@link #builder()}. Every setting has a
 * default that suits a local QEMU.
 */
public final class QmpOptions {

    /** Default limit on one QMP message: 16 MiB ({@code query-qmp-schema} is about 236 KB). */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 16 * 1024 * 1024;

    private final Duration commandTimeout;
    private final Duration greetingTimeout;
    private final Duration connectTimeout;
    private final int maxMessageSize;
    private final boolean enableOob;
    private final int eventQueueCapacity;
    private final Executor eventExecutor;
    private final ReconnectPolicy reconnectPolicy;
    private final QmpResources resources;
    private final boolean allowRemoteTcp;
    private final ConnectionListener connectionListener;
    private final QmpMetrics metrics;

    private QmpOptions(Builder b) {
        this.commandTimeout = b.commandTimeout;
        this.greetingTimeout = b.greetingTimeout;
        this.connectTimeout = b.connectTimeout;
        this.maxMessageSize = b.maxMessageSize;
        this.enableOob = b.enableOob;
        this.eventQueueCapacity = b.eventQueueCapacity;
        this.eventExecutor = b.eventExecutor;
        this.reconnectPolicy = b.reconnectPolicy;
        this.resources = b.resources;
        this.allowRemoteTcp = b.allowRemoteTcp;
        this.connectionListener = b.connectionListener;
        this.metrics = b.metrics;
    }

    /** @return a builder with the defaults */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the defaults */
    public static QmpOptions defaults() {
        return builder().build();
    }

    /** @return a builder initialised from this */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.commandTimeout = commandTimeout;
        b.greetingTimeout = greetingTimeout;
        b.connectTimeout = connectTimeout;
        b.maxMessageSize = maxMessageSize;
        b.enableOob = enableOob;
        b.eventQueueCapacity = eventQueueCapacity;
        b.eventExecutor = eventExecutor;
        b.reconnectPolicy = reconnectPolicy;
        b.resources = resources;
        b.allowRemoteTcp = allowRemoteTcp;
        b.connectionListener = connectionListener;
        b.metrics = metrics;
        return b;
    }

    /** @return timeout of a command that sets none itself (default 30 s); never null */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /** @return how long to wait for QEMU's greeting and capability negotiation (default 10 s); never null */
    public Duration greetingTimeout() {
        return greetingTimeout;
    }

    /** @return how long to wait for the transport connection (default 10 s); never null */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** @return largest accepted message in bytes (default {@link #DEFAULT_MAX_MESSAGE_SIZE}) */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /** @return whether to enable the {@code oob} capability when QEMU offers it (default true) */
    public boolean enableOob() {
        return enableOob;
    }

    /**
     * @return per-subscription event queue bound (default 1024); when a listener falls this far
     *         behind, the oldest queued events are dropped (counted in
     *         {@link EventSubscription#droppedEvents()} and logged at WARN at most every 5 s)
     */
    public int eventQueueCapacity() {
        return eventQueueCapacity;
    }

    /**
     * @return executor that runs event and connection listeners; null means a process-wide pool of
     *         daemon threads created on demand (no thread is owned by a client or subscription;
     *         each subscription is drained serially, so its events stay in order)
     */
    public Executor eventExecutor() {
        return eventExecutor;
    }

    /** @return what to do when the connection is lost (default {@link ReconnectPolicy#never()}); never null */
    public ReconnectPolicy reconnectPolicy() {
        return reconnectPolicy;
    }

    /** @return borrowed I/O resources; null means the process-wide {@link QmpResources#shared()} */
    public QmpResources resources() {
        return resources;
    }

    /** @return whether TCP to a non-loopback address is allowed (default false) */
    public boolean allowRemoteTcp() {
        return allowRemoteTcp;
    }

    /** @return the connection listener; never null (a no-op by default) */
    public ConnectionListener connectionListener() {
        return connectionListener;
    }

    /** @return what receives the client's measurements; never null ({@link QmpMetrics#NONE} by default) */
    public QmpMetrics metrics() {
        return metrics;
    }

    /** Builds {@link QmpOptions}. Not thread-safe. */
    public static final class Builder {
        private Duration commandTimeout = Duration.ofSeconds(30);
        private Duration greetingTimeout = Duration.ofSeconds(10);
        private Duration connectTimeout = Duration.ofSeconds(10);
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private boolean enableOob = true;
        private int eventQueueCapacity = 1024;
        private Executor eventExecutor;
        private ReconnectPolicy reconnectPolicy = ReconnectPolicy.never();
        private QmpResources resources;
        private boolean allowRemoteTcp;
        private ConnectionListener connectionListener = new ConnectionListener() { };
        private QmpMetrics metrics = QmpMetrics.NONE;

        private Builder() {
        }

        /**
         * @param timeout default per-command timeout, positive; never null
         * @return this
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive(timeout, "commandTimeout");
            return this;
        }

        /**
         * @param timeout greeting and negotiation timeout, positive; never null
         * @return this
         */
        public Builder greetingTimeout(Duration timeout) {
            this.greetingTimeout = positive(timeout, "greetingTimeout");
            return this;
        }

        /**
         * @param timeout transport connect timeout, positive; never null
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * @param bytes message size limit, at least 64 KiB
         * @return this
         */
        public Builder maxMessageSize(int bytes) {
            if (bytes < 64 * 1024) {
                throw new IllegalArgumentException("maxMessageSize must be at least 65536 bytes, got " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * @param enable whether to negotiate {@code oob} when offered
         * @return this
         */
        public Builder enableOob(boolean enable) {
            this.enableOob = enable;
            return this;
        }

        /**
         * @param capacity per-subscription event queue bound, at least 1
         * @return this
         */
        public Builder eventQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("eventQueueCapacity must be >= 1, got " + capacity);
            }
            this.eventQueueCapacity = capacity;
            return this;
        }

        /**
         * @param executor runs listeners; null for the process-wide daemon pool
         * @return this
         */
        public Builder eventExecutor(Executor executor) {
            this.eventExecutor = executor;
            return this;
        }

        /**
         * @param policy reconnect policy; never null
         * @return this
         */
        public Builder reconnectPolicy(ReconnectPolicy policy) {
            this.reconnectPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param resources borrowed I/O resources (not closed by the client); null for the shared ones
         * @return this
         */
        public Builder resources(QmpResources resources) {
            this.resources = resources;
            return this;
        }

        /**
         * @param allow whether TCP to non-loopback addresses is allowed (a warning is logged)
         * @return this
         */
        public Builder allowRemoteTcp(boolean allow) {
            this.allowRemoteTcp = allow;
            return this;
        }

        /**
         * @param listener connection listener; never null
         * @return this
         */
        public Builder connectionListener(ConnectionListener listener) {
            this.connectionListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * @param metrics receives command latencies, commands in flight, dropped events and
         *                reconnects (default {@link QmpMetrics#NONE}: nothing measured, at no
         *                cost); e.g. {@code MicrometerQmpMetrics.qmp(registry)}; never null
         * @return this
         */
        public Builder metrics(QmpMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** @return the options */
        public QmpOptions build() {
            return new QmpOptions(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }
}
