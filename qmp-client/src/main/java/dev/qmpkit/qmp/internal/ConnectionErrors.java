package dev.qmpkit.qmp.internal;

import dev.qmpkit.qmp.QmpConnectionException;
import dev.qmpkit.qmp.QmpProtocolException;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.EOFException;
import java.io.IOException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Error translation for one connection: what Netty and the socket raise becomes the
 * {@code QmpException} family, and protocol errors are handed on every time but logged at WARN
 * at most once a second, so a hostile peer cannot flood the log.
 */
final class ConnectionErrors {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionErrors.class);
    private static final long WARN_INTERVAL_NANOS = 1_000_000_000L;

    private final String peer;
    private final Consumer<QmpProtocolException> sink;
    private long lastWarnNanos;
    private long suppressedWarnings;

    /**
     * @param peer the peer's address, for the log
     * @param sink receives every protocol error (the connection's owner)
     */
    ConnectionErrors(String peer, Consumer<QmpProtocolException> sink) {
        this.peer = peer;
        this.sink = sink;
    }

    /**
     * Translates a failure raised in the pipeline into the reason the connection closes with.
     * When the peer broke the protocol (oversized message, bytes that are not JSON), the
     * reason's cause is the {@link QmpProtocolException}.
     *
     * @param cause what the pipeline raised; never null
     * @param describedPeer the peer as error messages name it (with the QEMU version once known)
     * @return the reason; never null
     */
    static QmpConnectionException translate(Throwable cause, String describedPeer) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        if (c instanceof QmpConnectionException e) {
            return e; // an earlier handler (the handshake) ends the connection with this reason
        }
        if (c instanceof TooLongFrameException) {
            return new QmpConnectionException("connection to " + describedPeer + " closed: message over the size limit",
                    new QmpProtocolException("a message from " + describedPeer
                            + " exceeds the size limit (QmpOptions.maxMessageSize); the connection is closed"));
        }
        if (c instanceof CorruptedFrameException) {
            // The framer cannot resynchronise after bytes that cannot start a JSON object.
            return new QmpConnectionException("connection to " + describedPeer + " closed: invalid JSON framing",
                    new QmpProtocolException("the monitor at " + describedPeer
                            + " sent bytes that are not JSON; framing is lost and the connection is closed"));
        }
        if (c instanceof IOException) {
            return new QmpConnectionException("connection to " + describedPeer + " lost: " + c.getMessage(), c);
        }
        return new QmpConnectionException("connection to " + describedPeer + " failed: " + c, c);
    }

    /**
     * @param cause what the pipeline raised
     * @return whether it is none of the failures a connection expects (a bug, worth a WARN with its stack)
     */
    static boolean unexpected(Throwable cause) {
        Throwable c = cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
        return !(c instanceof QmpConnectionException || c instanceof TooLongFrameException
                || c instanceof CorruptedFrameException || c instanceof IOException);
    }

    /**
     * @param describedPeer the peer as error messages name it
     * @param address the peer's address
     * @return the reason when the peer closed the socket without an error
     */
    static QmpConnectionException peerClosed(String describedPeer, String address) {
        return new QmpConnectionException("connection to " + describedPeer
                + " lost: the monitor closed the socket (QEMU exited or was killed?)",
                new EOFException("end of stream on the QMP socket " + address));
    }

    /** Reports a protocol error that did not end the connection, at WARN. */
    void report(QmpProtocolException e) {
        report(e, true);
    }

    /**
     * Hands the error to the sink every time; logs it at WARN at most once a second (with how
     * many were suppressed meanwhile), otherwise at DEBUG.
     *
     * @param e the error; never null
     * @param warn false for errors that only ever deserve DEBUG (a reply to an id we never sent)
     */
    void report(QmpProtocolException e, boolean warn) {
        long now = System.nanoTime();
        if (warn && (lastWarnNanos == 0 || now - lastWarnNanos >= WARN_INTERVAL_NANOS)) {
            lastWarnNanos = now;
            if (suppressedWarnings > 0) {
                LOG.warn("protocol error from {}: {} ({} more since the last warning)", peer, e.getMessage(),
                        suppressedWarnings);
            } else {
                LOG.warn("protocol error from {}: {}", peer, e.getMessage());
            }
            suppressedWarnings = 0;
        } else {
            if (warn) {
                suppressedWarnings++;
            }
            LOG.debug("protocol error from {}: {}", peer, e.getMessage());
        }
        try {
            sink.accept(e);
        } catch (RuntimeException ex) {
            LOG.warn("protocol error callback failed", ex);
        }
    }
}
