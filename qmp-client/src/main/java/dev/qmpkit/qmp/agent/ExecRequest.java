package dev.qmpkit.qmp.agent;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A program for {@link GuestAgentClient#exec} to run in the guest ({@code guest-exec}): the
 * program, its arguments, optionally its environment and standard input, whether to capture
 * its output, and how long to wait for it. Immutable; build with {@link #builder(String)} or
 * {@link #of(String, String...)}.
 */
public final class ExecRequest {
    private final String program;
    private final List<String> args;
    private final List<String> env;
    private final byte[] input;
    private final boolean captureOutput;
    private final Duration timeout;

    private ExecRequest(Builder b) {
        this.program = b.program;
        this.args = List.copyOf(b.args);
        this.env = b.env == null ? null : List.copyOf(b.env);
        this.input = b.input;
        this.captureOutput = b.captureOutput;
        this.timeout = b.timeout;
    }

    /**
     * @param program a path, or a name looked up on the agent's {@code PATH}; never null or blank
     * @param args its arguments; never null, no null element
     * @return a request that captures the output and uses the client's exec timeout
     */
    public static ExecRequest of(String program, String... args) {
        return builder(program).args(args).build();
    }

    /**
     * @param program a path, or a name looked up on the agent's {@code PATH}; never null or blank
     * @return a builder
     */
    public static Builder builder(String program) {
        return new Builder(program);
    }

    /**
     * @return the program; never null
     */
    public String program() {
        return program;
    }

    /**
     * @return its arguments; never null, unmodifiable
     */
    public List<String> args() {
        return args;
    }

    /**
     * @return the program's whole environment as {@code NAME=VALUE} entries, or null to inherit
     *         the agent's (qemu-ga passes a given list as the entire environment)
     */
    public List<String> env() {
        return env;
    }

    /**
     * @return a copy of what the program reads on standard input, or null for none
     */
    public byte[] input() {
        return input == null ? null : input.clone();
    }

    /**
     * @return whether standard output and error are captured (default true)
     */
    public boolean captureOutput() {
        return captureOutput;
    }

    /**
     * @return how long to wait for the program to exit, or null for {@link AgentOptions#execTimeout()}
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>();
        all.add(program);
        all.addAll(args);
        return "ExecRequest" + all;
    }

    /** Builds an {@link ExecRequest}. Not thread-safe. */
    public static final class Builder {
        private final String program;
        private final List<String> args = new ArrayList<>();
        private List<String> env;
        private byte[] input;
        private boolean captureOutput = true;
        private Duration timeout;

        private Builder(String program) {
            Objects.requireNonNull(program, "program");
            if (program.isBlank()) {
                throw new IllegalArgumentException("program must not be blank");
            }
            this.program = program;
        }

        /**
         * @param args arguments to append; never null, no null element
         * @return this
         */
        public Builder args(String... args) {
            return args(Arrays.asList(args));
        }

        /**
         * @param args arguments to append; never null, no null element
         * @return this
         */
        public Builder args(List<String> args) {
            for (String a : args) {
                this.args.add(Objects.requireNonNull(a, "argument"));
            }
            return this;
        }

        /**
         * Adds one variable; the first call replaces the inherited environment with the given
         * variables only.
         *
         * @param name a variable name, not empty, without '='; never null
         * @param value its value; never null
         * @return this
         */
        public Builder env(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("environment variable name must be non-empty without '=' or NUL, got '"
                        + name + "'");
            }
            if (env == null) {
                env = new ArrayList<>();
            }
            env.add(name + "=" + value);
            return this;
        }

        /**
         * @param variables variables to add, as {@link #env(String, String)}; never null
         * @return this
         */
        public Builder env(Map<String, String> variables) {
            variables.forEach(this::env);
            if (env == null) {
                env = new ArrayList<>();
            }
            return this;
        }

        /**
         * @param bytes standard input, copied; null for none
         * @return this
         */
        public Builder input(byte[] bytes) {
            this.input = bytes == null ? null : bytes.clone();
            return this;
        }

        /**
         * @param text standard input, encoded as UTF-8; null for none
         * @return this
         */
        public Builder input(String text) {
            this.input = text == null ? null : text.getBytes(StandardCharsets.UTF_8);
            return this;
        }

        /**
         * @param capture whether to capture standard output and error (default true)
         * @return this
         */
        public Builder captureOutput(boolean capture) {
            this.captureOutput = capture;
            return this;
        }

        /**
         * @param timeout how long to wait for the exit, positive; null for the client's default
         * @return this
         */
        public Builder timeout(Duration timeout) {
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive, got " + timeout);
            }
            this.timeout = timeout;
            return this;
        }

        /**
         * @return the request; never null
         */
        public ExecRequest build() {
            return new ExecRequest(this);
        }
    }
}
