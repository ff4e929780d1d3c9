package dev.qmpkit.qmp.agent;

import dev.qmpkit.qmp.QmpMetrics;
import dev.qmpkit.qmp.QmpResources;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * Immutable guest agent client configuration; build with {@link #builder()}. The defaults suit
 * an agent in a local VM.
 */
public final class AgentOptions {

    /**
     * Default limit on one message from the agent: 48 MiB. {@code guest-exec} captures up to
     * 16 MiB of standard output and 16 MiB of standard error (qemu-ga's own limit), which
     * {@code guest-exec-status} returns base64-encoded in one message of about 45 MB.
     */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 48 * 1024 * 1024;

    /** Default size of one {@code guest-file-read}/{@code guest-file-write} chunk: 4 MiB (5.6 MB as base64). */
    public static final int DEFAULT_FILE_CHUNK_SIZE = 4 * 1024 * 1024;

    /** Room for the JSON around a base64 chunk. */
    private static final int ENVELOPE = 4096;

    private final Duration commandTimeout;
    private final Duration syncTimeout;
    private final Duration connectTimeout;
    private final Duration execTimeout;
    private final int maxMessageSize;
    private final int fileChunkSize;
    private final QmpResources resources;
    private final Executor executor;
    private final QmpMetrics metrics;

    private AgentOptions(Builder b) {
        this.commandTimeout = b.commandTimeout;
        this.syncTimeout = b.syncTimeout;
        this.connectTimeout = b.connectTimeout;
        this.execTimeout = b.execTimeout;
        this.maxMessageSize = b.maxMessageSize;
        this.fileChunkSize = b.fileChunkSize;
        this.resources = b.resources;
        this.executor = b.executor;
        this.metrics = b.metrics;
    }

    /**
     * @return a builder with the defaults; never null
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * @return the defaults; never null
     */
    public static AgentOptions defaults() {
        return builder().build();
    }

    /**
     * @return a builder initialised from this; never null
     */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.commandTimeout = commandTimeout;
        b.syncTimeout = syncTimeout;
        b.connectTimeout = connectTimeout;
        b.execTimeout = execTimeout;
        b.maxMessageSize = maxMessageSize;
        b.fileChunkSize = fileChunkSize;
        b.resources = resources;
        b.executor = executor;
        b.metrics = metrics;
        return b;
    }

    /**
     * @return how long one command may wait for its reply once written (default 30 s), unless the
     *         call sets its own; never null
     */
    public Duration commandTimeout() {
        return commandTimeout;
    }

    /**
     * @return how long the agent may take to answer {@code guest-sync-delimited} (default 5 s, as
     *         libvirt): past it, the agent counts as absent and every queued command fails with a
     *         {@link dev.qmpkit.qmp.QmpTimeoutException}; never null
     */
    public Duration syncTimeout() {
        return syncTimeout;
    }

    /**
     * @return how long connecting to the socket may take (default 5 s); never null
     */
    public Duration connectTimeout() {
        return connectTimeout;
    }

    /**
     * @return how long {@link GuestAgentClient#exec} waits for a program that sets no timeout of
     *         its own (default 5 minutes); never null
     */
    public Duration execTimeout() {
        return execTimeout;
    }

    /**
     * @return the largest accepted message from the agent, in bytes (default {@link #DEFAULT_MAX_MESSAGE_SIZE})
     */
    public int maxMessageSize() {
        return maxMessageSize;
    }

    /**
     * @return bytes per {@code guest-file-read}/{@code guest-file-write} (default {@link #DEFAULT_FILE_CHUNK_SIZE})
     */
    public int fileChunkSize() {
        return fileChunkSize;
    }

    /**
     * @return borrowed I/O resources; null means {@link QmpResources#shared()}
     */
    public QmpResources resources() {
        return resources;
    }

    /**
     * @return where file transfers read and write the caller's streams (so the I/O thread never
     *         blocks on them); null means a process-wide pool of daemon threads created on demand
     */
    public Executor executor() {
        return executor;
    }

    /** Builds {@link AgentOptions}. Not thread-safe. */
    public static final class Builder {
        private Duration commandTimeout = Duration.ofSeconds(30);
        private Duration syncTimeout = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration execTimeout = Duration.ofMinutes(5);
        private int maxMessageSize = DEFAULT_MAX_MESSAGE_SIZE;
        private int fileChunkSize = DEFAULT_FILE_CHUNK_SIZE;
        private QmpResources resources;
        private Executor executor;
        private QmpMetrics metrics = QmpMetrics.NONE;

        private Builder() {
        }

        /**
         * @param timeout positive; never null
         * @return this
         */
        public Builder commandTimeout(Duration timeout) {
            this.commandTimeout = positive(timeout, "commandTimeout");
            return this;
        }

        /**
         * @param timeout positive; never null
         * @return this
         */
        public Builder syncTimeout(Duration timeout) {
            this.syncTimeout = positive(timeout, "syncTimeout");
            return this;
        }

        /**
         * @param timeout positive; never null
         * @return this
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * @param timeout positive; never null
         * @return this
         */
        public Builder execTimeout(Duration timeout) {
            this.execTimeout = positive(timeout, "execTimeout");
            return this;
        }

        /**
         * @param bytes at least 64 KiB
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
         * @param bytes at least 1; a chunk as base64 must fit in {@link #maxMessageSize} (checked by {@link #build()})
         * @return this
         */
        public Builder fileChunkSize(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("fileChunkSize must be at least 1, got " + bytes);
            }
            this.fileChunkSize = bytes;
            return this;
        }

        /**
         * @param resources borrowed (never closed by the client); null for the shared ones
         * @return this
         */
        public Builder resources(QmpResources resources) {
            this.resources = resources;
            return this;
        }

        /**
         * @param executor runs stream reads and writes of file transfers; null for the default pool
         * @return this
         */
        public Builder executor(Executor executor) {
            this.executor = executor;
            return this;
        }

        /**
         * @param metrics receives each agent command's latency and outcome and the commands in
         *                flight (default {@link QmpMetrics#NONE}: nothing measured, at no cost);
         *                e.g. {@code MicrometerQmpMetrics.agent(registry)}; never null
         * @return this
         */
        public Builder metrics(QmpMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * @return the options
         * @throws IllegalArgumentException when a file chunk, base64-encoded, would not fit in one message
         */
        public AgentOptions build() {
            long encoded = (fileChunkSize + 2L) / 3 * 4 + ENVELOPE;
            if (encoded > maxMessageSize) {
                throw new IllegalArgumentException("fileChunkSize " + fileChunkSize + " is " + encoded
                        + " bytes as base64 with its JSON, more than maxMessageSize " + maxMessageSize
                        + ": lower fileChunkSize or raise maxMessageSize");
            }
            return new AgentOptions(this);
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, got " + d);
            }
            return d;
        }
    }

    /** @return what receives the agent client's measurements; never null ({@link QmpMetrics#NONE} by default) */
    public QmpMetrics metrics() {
        return metrics;
    }

    @Override
    public String toString() {
        return "AgentOptions[commandTimeout=" + commandTimeout + ", syncTimeout=" + syncTimeout + ", maxMessageSize="
                + maxMessageSize + ", fileChunkSize=" + fileChunkSize + "]";
    }
}
