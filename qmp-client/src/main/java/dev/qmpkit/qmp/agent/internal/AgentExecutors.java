package dev.qmpkit.qmp.agent.internal;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/** The default executor for the caller's streams in file transfers. */
final class AgentExecutors {
    /** Daemon threads created on demand that end after 30 s idle, so no client owns a thread. */
    static final ExecutorService DEFAULT = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), new DefaultThreadFactory("qmpkit-agent-io", true));

    private AgentExecutors() {
    }
}
