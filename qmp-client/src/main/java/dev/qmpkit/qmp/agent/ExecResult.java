package dev.qmpkit.qmp.agent;

import java.nio.charset.StandardCharsets;

/**
 * The state of a program started with {@code guest-exec}, as {@code guest-exec-status} reports
 * it, with its output decoded from base64. From {@link GuestAgentClient#exec} it has always
 * exited. qemu-ga captures at most 16 MiB per stream; beyond that it drops the rest and sets
 * the truncated flag.
 *
 * @param pid the program's process id in the guest
 * @param exited whether it has exited (then the agent has forgotten it)
 * @param exitCode its exit code when it exited normally; null when it was killed by a signal or still runs
 * @param signal the signal that ended it; null when it exited normally or still runs
 * @param stdout what it wrote to standard output so far (empty when not captured); never null
 * @param stderr what it wrote to standard error so far (empty when not captured); never null
 * @param stdoutTruncated whether standard output was cut at the agent's limit
 * @param stderrTruncated whether standard error was cut at the agent's limit
 */
public record ExecResult(long pid, boolean exited, Integer exitCode, Integer signal, byte[] stdout, byte[] stderr,
                         boolean stdoutTruncated, boolean stderrTruncated) {

    /**
     * Validates; keeps the arrays as given (the client never shares them).
     *
     * @param pid the program's process id in the guest
     * @param exited whether it has exited (then the agent has forgotten it)
     * @param exitCode its exit code when it exited normally; null when it was killed by a signal or still runs
     * @param signal the signal that ended it; null when it exited normally or still runs
     * @param stdout what it wrote to standard output so far (empty when not captured); never null
     * @param stderr what it wrote to standard error so far (empty when not captured); never null
     * @param stdoutTruncated whether standard output was cut at the agent's limit
     * @param stderrTruncated whether standard error was cut at the agent's limit
     */
    public ExecResult {
        stdout = stdout == null ? new byte[0] : stdout;
        stderr = stderr == null ? new byte[0] : stderr;
    }

    /**
     * @return standard output decoded as UTF-8; never null
     */
    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    /**
     * @return standard error decoded as UTF-8; never null
     */
    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    /**
     * @return whether it exited with code 0
     */
    public boolean succeeded() {
        return exited && exitCode != null && exitCode == 0;
    }

    /**
     * @return the status a shell would report: the exit code, or 128 + the signal; -1 while it runs
     */
    public int shellStatus() {
        if (exitCode != null) {
            return exitCode;
        }
        return signal != null ? 128 + signal : -1;
    }

    @Override
    public String toString() {
        return "ExecResult[pid=" + pid + ", exited=" + exited + ", exitCode=" + exitCode + ", signal=" + signal
                + ", stdout=" + stdout.length + " bytes" + (stdoutTruncated ? " (truncated)" : "") + ", stderr="
                + stderr.length + " bytes" + (stderrTruncated ? " (truncated)" : "") + "]";
    }
}
