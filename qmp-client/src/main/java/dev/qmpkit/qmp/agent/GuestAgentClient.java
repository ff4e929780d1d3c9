package dev.qmpkit.qmp.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.agent.internal.DefaultGuestAgentClient;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A client of one QEMU guest agent ({@code qemu-ga}), through the host end of its channel: the
 * Unix socket of QEMU's {@code -chardev socket,path=PATH,server=on,wait=off} that backs the
 * guest's {@code virtserialport name=org.qemu.guest_agent.0}, or the socket of a
 * {@code qemu-ga -m unix-listen -p PATH}.
 *
 * <p><b>One command at a time.</b> The agent reads and answers one command at a time. The
 * client therefore queues every call and writes the next command only when the previous one
 * was answered or timed out; calls from any number of threads are safe, and run in the order
 * they were made. A slow command delays the ones queued behind it (file transfers and
 * {@link #exec} interleave theirs, one chunk or status poll at a time).
 *
 * <p><b>Synchronisation.</b> The agent has no greeting, and its channel may hold stale bytes
 * (a half-written request from an earlier client, the late reply of a timed-out command). So
 * on every connection, and after every timeout, the client first sends a 0xFF byte and
 * {@code guest-sync-delimited} with a random id, drops everything up to the agent's 0xFF
 * sentinel, and accepts only the reply that echoes its id. A command's reply is never another
 * command's.
 *
 * <p><b>An absent agent is a normal state.</b> Nothing connects before the first call. When
 * the agent does not answer the synchronisation within {@link AgentOptions#syncTimeout()}
 * (the guest has not started it, or it hangs), every queued call fails with a
 * {@link dev.qmpkit.qmp.QmpTimeoutException} that says so; when the socket cannot be reached,
 * with a {@link dev.qmpkit.qmp.QmpConnectionException}. Neither closes the client: the next
 * call connects or synchronises again, and works once the agent answers. A guest reboot or an
 * agent restart therefore costs the commands in flight at that moment and nothing else; a
 * command that was written is never sent again.
 *
 * <p><b>Errors</b> are the QMP client's family: {@link AgentCommandException} (a
 * {@link dev.qmpkit.qmp.QmpCommandException}) when the agent answers with an error,
 * {@link AgentCommandUnavailableException} when it does not offer the command,
 * {@link dev.qmpkit.qmp.QmpTimeoutException} (and {@link ExecTimeoutException}),
 * {@link dev.qmpkit.qmp.QmpConnectionException}, and {@link dev.qmpkit.qmp.QmpProtocolException}
 * as the cause of a connection closed because the agent sent something that is not JSON or a
 * message over {@link AgentOptions#maxMessageSize()}.
 *
 * <p>Futures complete on the client's I/O thread: chain blocking work with
 * {@code thenApplyAsync}, or use {@link #blocking()}. Obtain a client with {@link #open}.
 */
public interface GuestAgentClient extends AutoCloseable {

    /**
     * Creates a client; nothing is connected until the first call.
     *
     * @param socket the agent's Unix socket; never null
     * @param options options; never null
     * @return the client; close it when done
     * @throws IllegalStateException when {@link AgentOptions#resources()} are closed
     */
    static GuestAgentClient open(Path socket, AgentOptions options) {
        return DefaultGuestAgentClient.open(socket, options);
    }

    /**
     * @param socket the agent's Unix socket; never null
     * @return a client with {@link AgentOptions#defaults()}
     */
    static GuestAgentClient open(Path socket) {
        return open(socket, AgentOptions.defaults());
    }

    /**
     * @return the agent's socket; never null
     */
    Path socket();

    /**
     * @return the options; never null
     */
    AgentOptions options();

    /**
     * Runs any agent command. Commands that never answer on success ({@code guest-shutdown},
     * {@code guest-suspend-disk}, {@code -ram}, {@code -hybrid}) complete as {@link #shutdown}
     * describes, with an empty object.
     *
     * @param command e.g. {@code guest-get-fsinfo}; never null or blank
     * @param arguments null, or anything that serialises to a JSON object (a {@code Map}, a
     *                  record, an {@code ObjectNode})
     * @return the {@code return} value
     * @throws IllegalArgumentException at once when the arguments do not serialise to an object
     */
    CompletableFuture<JsonNode> execute(String command, Object arguments);

    /**
     * @param command the command; never null or blank
     * @param arguments as for {@link #execute(String, Object)}
     * @param timeout how long the reply may take once the command is written, positive; never null
     * @return the {@code return} value
     */
    CompletableFuture<JsonNode> execute(String command, Object arguments, Duration timeout);

    /**
     * Synchronises with the agent now ({@code guest-sync-delimited}, whatever the state).
     *
     * @return completed once the agent echoed the client's random id
     */
    CompletableFuture<Void> sync();

    /**
     * Waits until the agent answers, retrying the synchronisation until {@code timeout}: for a
     * guest that is still booting, or a VM that was just restored.
     *
     * @param timeout how long to keep trying, positive; never null
     * @return completed once synchronised; failed with the last failure when time is up
     */
    CompletableFuture<Void> awaitAgent(Duration timeout);

    /**
     * @return completed when the agent answered {@code guest-ping}
     */
    CompletableFuture<Void> ping();

    /**
     * @return the agent's version and commands ({@code guest-info})
     */
    CompletableFuture<GuestAgentInfo> info();

    /**
     * {@code guest-sync}, the variant without a sentinel, for completeness; the client
     * synchronises by itself with {@code guest-sync-delimited}.
     *
     * @param id any number
     * @return the number the agent echoed
     */
    CompletableFuture<Long> guestSync(long id);

    /**
     * @return the guest's system time ({@code guest-get-time})
     */
    CompletableFuture<Instant> getTime();

    /**
     * Sets the guest's system time and then its hardware clock ({@code guest-set-time}); the
     * agent needs {@code hwclock} in the guest, else it answers "not supported".
     *
     * @param time the time to set, within the years 1970 to 2262; never null
     * @return completed when set
     */
    CompletableFuture<Void> setTime(Instant time);

    /**
     * @return completed when the guest set its system time from its hardware clock ({@code guest-set-time} without a time)
     */
    CompletableFuture<Void> setTimeFromHardwareClock();

    /**
     * Runs a program in the guest ({@code guest-exec}) and waits for it to exit, polling
     * {@code guest-exec-status}.
     *
     * @param request the program; never null
     * @return its result, with the output decoded; failed with {@link ExecTimeoutException} when
     *         it did not exit within its timeout (nothing is killed)
     */
    CompletableFuture<ExecResult> exec(ExecRequest request);

    /**
     * Starts a program in the guest without waiting ({@code guest-exec}); the request's timeout
     * is not used.
     *
     * @param request the program; never null
     * @return its process id in the guest, for {@link #execStatus(long)}
     */
    CompletableFuture<Long> execStart(ExecRequest request);

    /**
     * @param pid a process id from {@link #execStart}
     * @return its status ({@code guest-exec-status}); once it reports an exit, the agent forgets the process
     */
    CompletableFuture<ExecResult> execStatus(long pid);

    /**
     * Copies a guest file into {@code out}, chunk by chunk ({@code guest-file-open}, {@code -read},
     * {@code -close}). The guest handle is closed on every path, also when {@code out} fails. The
     * stream is written on {@link AgentOptions#executor()} and not closed.
     *
     * @param guestPath the file's absolute path in the guest; never null
     * @param out where the bytes go; never null
     * @return the number of bytes copied
     */
    CompletableFuture<Long> readFile(String guestPath, OutputStream out);

    /**
     * Copies part of a guest file: seeks to {@code offset} ({@code guest-file-seek}) and copies at
     * most {@code length} bytes.
     *
     * @param guestPath the file's absolute path in the guest; never null
     * @param offset where to start, at least 0
     * @param length how many bytes at most, at least 0
     * @param out where the bytes go; never null
     * @return the number of bytes copied
     */
    CompletableFuture<Long> readFile(String guestPath, long offset, long length, OutputStream out);

    /**
     * @param guestPath the file's absolute path in the guest; never null
     * @return the whole file (for files that fit in memory)
     */
    CompletableFuture<byte[]> readFile(String guestPath);

    /**
     * Creates or truncates a guest file and writes {@code in} into it, chunk by chunk
     * ({@code guest-file-open} mode {@code w}, {@code -write}, {@code -flush}, {@code -close}).
     * The guest handle is closed on every path. The stream is read on
     * {@link AgentOptions#executor()} and not closed.
     *
     * @param guestPath the file's absolute path in the guest; never null
     * @param in the bytes; never null
     * @return the number of bytes written
     */
    CompletableFuture<Long> writeFile(String guestPath, InputStream in);

    /**
     * @param guestPath the file's absolute path in the guest; never null
     * @param data the whole content; never null
     * @return completed when written, flushed and closed
     */
    CompletableFuture<Void> writeFile(String guestPath, byte[] data);

    /**
     * @param guestPath the file's absolute path in the guest; never null
     * @param mode as {@code fopen}: {@code r}, {@code w}, {@code a}, {@code r+} ...; never null
     * @return the agent's handle ({@code guest-file-open}); close it with {@link #fileClose}
     */
    CompletableFuture<Long> fileOpen(String guestPath, String mode);

    /**
     * @param handle from {@link #fileOpen}
     * @param count bytes to read at most, at least 1; as base64 it must fit in one message
     * @return the bytes read and whether the end was reached ({@code guest-file-read})
     */
    CompletableFuture<GuestFileRead> fileRead(long handle, int count);

    /**
     * @param handle from {@link #fileOpen}
     * @param data the bytes; never null
     * @return how many bytes the agent wrote ({@code guest-file-write})
     */
    CompletableFuture<Integer> fileWrite(long handle, byte[] data);

    /**
     * @param handle from {@link #fileOpen}
     * @param offset the offset
     * @param whence where it counts from; never null
     * @return the new position ({@code guest-file-seek})
     */
    CompletableFuture<GuestFileSeek> fileSeek(long handle, long offset, GuestFileSeek.Whence whence);

    /**
     * @param handle from {@link #fileOpen}
     * @return completed when flushed ({@code guest-file-flush})
     */
    CompletableFuture<Void> fileFlush(long handle);

    /**
     * @param handle from {@link #fileOpen}
     * @return completed when closed ({@code guest-file-close})
     */
    CompletableFuture<Void> fileClose(long handle);

    /**
     * @return the guest's network interfaces ({@code guest-network-get-interfaces})
     */
    CompletableFuture<List<GuestNetworkInterface>> networkInterfaces();

    /**
     * @return the guest's operating system ({@code guest-get-osinfo})
     */
    CompletableFuture<GuestOsInfo> osInfo();

    /**
     * @return the guest's host name ({@code guest-get-host-name})
     */
    CompletableFuture<String> hostName();

    /**
     * @return whether the agent froze the guest's file systems ({@code guest-fsfreeze-status})
     */
    CompletableFuture<FsFreezeStatus> fsfreezeStatus();

    /**
     * Freezes the guest's local file systems ({@code guest-fsfreeze-freeze}); thaw them with
     * {@link #fsfreezeThaw()} soon, the guest's writes block meanwhile.
     *
     * @return the number of file systems frozen
     */
    CompletableFuture<Integer> fsfreezeFreeze();

    /**
     * @return the number of file systems thawed ({@code guest-fsfreeze-thaw})
     */
    CompletableFuture<Integer> fsfreezeThaw();

    /**
     * Asks the guest to shut down ({@code guest-shutdown}), which the agent never answers when
     * it succeeds. The client therefore sends a {@code guest-sync-delimited} right behind it:
     * the future completes when the agent answers that without an error for the shutdown (it
     * accepted the request), or when the channel closes first (the guest went down); it fails
     * with the agent's error (e.g. {@link AgentCommandUnavailableException} when blocked), or
     * with a {@link dev.qmpkit.qmp.QmpTimeoutException} when the agent confirms nothing in time.
     *
     * @param mode how; never null
     * @return completed when the agent accepted the request
     */
    CompletableFuture<Void> shutdown(ShutdownMode mode);

    /**
     * @return a blocking view of this client; never null
     */
    BlockingGuestAgent blocking();

    /**
     * Disconnects; queued and pending calls fail with a {@link dev.qmpkit.qmp.QmpConnectionException}.
     * Idempotent; never closes borrowed {@link AgentOptions#resources()}.
     */
    @Override
    void close();
}
