package dev.qmpkit.qmp;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Blocking helpers that unwrap futures into the {@link QmpException} family. */
public final class Futures {
    private Futures() {
    }

    /**
     * Waits for a future and returns its value. A failure is rethrown as it was raised when
     * it is a {@link RuntimeException} (so callers catch {@link QmpCommandException} etc.
     * directly), otherwise wrapped in a {@link QmpException}.
     *
     * @param future the future; never null
     * @param <T> the value type
     * @return the value
     */
    public static <T> T await(CompletableFuture<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new QmpException("interrupted while waiting for QEMU", e);
        } catch (CancellationException e) {
            throw new QmpException("cancelled", e);
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        }
    }

    /**
     * @param t a failure, possibly wrapped in {@link CompletionException} or {@link ExecutionException}
     * @return the failure as a runtime exception, unwrapped
     */
    public static RuntimeException unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error err) {
            throw err;
        }
        return new QmpException(String.valueOf(t.getMessage()), t);
    }
}
