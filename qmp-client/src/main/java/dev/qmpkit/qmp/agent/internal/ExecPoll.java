package dev.qmpkit.qmp.agent.internal;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.agent.ExecResult;
import dev.qmpkit.qmp.agent.ExecTimeoutException;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Waits for a program started with {@code guest-exec} by polling {@code guest-exec-status}: at
 * once, then after 1 ms, doubling up to 100 ms, so short programs answer fast and long ones cost
 * ten polls a second. Each poll is one queued command, so other calls interleave.
 */
final class ExecPoll {
    private static final long FIRST_DELAY = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_DELAY = TimeUnit.MILLISECONDS.toNanos(100);

    private final GuestAgentClient client;
    private final EventLoop loop;
    private final long pid;
    private final long deadline;
    private final Duration timeout;
    private final String peer;
    private final CompletableFuture<ExecResult> result = new CompletableFuture<>();

    ExecPoll(GuestAgentClient client, EventLoop loop, long pid, long deadline, Duration timeout, String peer) {
        this.client = client;
        this.loop = loop;
        this.pid = pid;
        this.deadline = deadline;
        this.timeout = timeout;
        this.peer = peer;
    }

    CompletableFuture<ExecResult> start() {
        poll(FIRST_DELAY);
        return result;
    }

    private void poll(long nextDelay) {
        client.execStatus(pid).whenComplete((status, e) -> {
            if (e != null) {
                result.completeExceptionally(Futures.unwrap(e));
                return;
            }
            if (status.exited()) {
                result.complete(status);
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                result.completeExceptionally(new ExecTimeoutException("the program started in the guest (pid " + pid
                        + ", guest agent at " + peer + ") did not exit within " + timeout + "; it was not killed and "
                        + "may still run: GuestAgentClient.execStatus(" + pid + ") collects its result later", timeout,
                        pid));
                return;
            }
            long delay = Math.min(nextDelay, left);
            try {
                loop.schedule(() -> poll(Math.min(nextDelay * 2, MAX_DELAY)), delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException rejected) {
                result.completeExceptionally(Futures.unwrap(rejected));
            }
        });
    }
}
