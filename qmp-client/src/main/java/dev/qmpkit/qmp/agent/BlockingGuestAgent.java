package dev.qmpkit.qmp.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A blocking view over a {@link GuestAgentClient}: each method waits for the asynchronous call
 * of the same name and throws the {@link dev.qmpkit.qmp.QmpException} family directly. Obtain
 * with {@link GuestAgentClient#blocking()}; see there for what each command does.
 */
public final class BlockingGuestAgent {
    private final GuestAgentClient client;

    /**
     * @param client the asynchronous client; never null
     */
    public BlockingGuestAgent(GuestAgentClient client) {
        this.client = Objects.requireNonNull(client, "client");
    }

    /**
     * @return the asynchronous client; never null
     */
    public GuestAgentClient async() {
        return client;
    }

    /**
     * @param command never null
     * @param arguments null or a JSON object's source
     * @return the return value
     */
    public JsonNode execute(String command, Object arguments) {
        return Futures.await(client.execute(command, arguments));
    }

    /**
     * @param command never null
     * @param arguments null or a JSON object's source
     * @param timeout positive; never null
     * @return the return value
     */
    public JsonNode execute(String command, Object arguments, Duration timeout) {
        return Futures.await(client.execute(command, arguments, timeout));
    }

    /** Synchronises with the agent now. */
    public void sync() {
        Futures.await(client.sync());
    }

    /**
     * @param timeout positive; never null
     */
    public void awaitAgent(Duration timeout) {
        Futures.await(client.awaitAgent(timeout));
    }

    /** Pings the agent. */
    public void ping() {
        Futures.await(client.ping());
    }

    /**
     * @return the agent's version and commands
     */
    public GuestAgentInfo info() {
        return Futures.await(client.info());
    }

    /**
     * @param id any number
     * @return the echoed number
     */
    public long guestSync(long id) {
        return Futures.await(client.guestSync(id));
    }

    /**
     * @return the guest's system time
     */
    public Instant getTime() {
        return Futures.await(client.getTime());
    }

    /**
     * @param time never null
     */
    public void setTime(Instant time) {
        Futures.await(client.setTime(time));
    }

    /** Sets the guest's system time from its hardware clock. */
    public void setTimeFromHardwareClock() {
        Futures.await(client.setTimeFromHardwareClock());
    }

    /**
     * @param request never null
     * @return the exited program's result
     */
    public ExecResult exec(ExecRequest request) {
        return Futures.await(client.exec(request));
    }

    /**
     * @param request never null
     * @return the program's process id in the guest
     */
    public long execStart(ExecRequest request) {
        return Futures.await(client.execStart(request));
    }

    /**
     * @param pid from {@link #execStart}
     * @return its status
     */
    public ExecResult execStatus(long pid) {
        return Futures.await(client.execStatus(pid));
    }

    /**
     * @param guestPath never null
     * @param out never null, not closed
     * @return bytes copied
     */
    public long readFile(String guestPath, OutputStream out) {
        return Futures.await(client.readFile(guestPath, out));
    }

    /**
     * @param guestPath never null
     * @param offset at least 0
     * @param length at least 0
     * @param out never null, not closed
     * @return bytes copied
     */
    public long readFile(String guestPath, long offset, long length, OutputStream out) {
        return Futures.await(client.readFile(guestPath, offset, length, out));
    }

    /**
     * @param guestPath never null
     * @return the whole file
     */
    public byte[] readFile(String guestPath) {
        return Futures.await(client.readFile(guestPath));
    }

    /**
     * @param guestPath never null
     * @param in never null, not closed
     * @return bytes written
     */
    public long writeFile(String guestPath, InputStream in) {
        return Futures.await(client.writeFile(guestPath, in));
    }

    /**
     * @param guestPath never null
     * @param data never null
     */
    public void writeFile(String guestPath, byte[] data) {
        Futures.await(client.writeFile(guestPath, data));
    }

    /**
     * @param guestPath never null
     * @param mode never null
     * @return the handle
     */
    public long fileOpen(String guestPath, String mode) {
        return Futures.await(client.fileOpen(guestPath, mode));
    }

    /**
     * @param handle a handle
     * @param count at least 1
     * @return what was read
     */
    public GuestFileRead fileRead(long handle, int count) {
        return Futures.await(client.fileRead(handle, count));
    }

    /**
     * @param handle a handle
     * @param data never null
     * @return bytes written
     */
    public int fileWrite(long handle, byte[] data) {
        return Futures.await(client.fileWrite(handle, data));
    }

    /**
     * @param handle a handle
     * @param offset the offset
     * @param whence never null
     * @return the new position
     */
    public GuestFileSeek fileSeek(long handle, long offset, GuestFileSeek.Whence whence) {
        return Futures.await(client.fileSeek(handle, offset, whence));
    }

    /**
     * @param handle a handle
     */
    public void fileFlush(long handle) {
        Futures.await(client.fileFlush(handle));
    }

    /**
     * @param handle a handle
     */
    public void fileClose(long handle) {
        Futures.await(client.fileClose(handle));
    }

    /**
     * @return the guest's network interfaces; never null
     */
    public List<GuestNetworkInterface> networkInterfaces() {
        return Futures.await(client.networkInterfaces());
    }

    /**
     * @return the guest's operating system; never null
     */
    public GuestOsInfo osInfo() {
        return Futures.await(client.osInfo());
    }

    /**
     * @return the guest's host name; never null
     */
    public String hostName() {
        return Futures.await(client.hostName());
    }

    /**
     * @return the freeze state; never null
     */
    public FsFreezeStatus fsfreezeStatus() {
        return Futures.await(client.fsfreezeStatus());
    }

    /**
     * @return the number of file systems frozen
     */
    public int fsfreezeFreeze() {
        return Futures.await(client.fsfreezeFreeze());
    }

    /**
     * @return the number of file systems thawed
     */
    public int fsfreezeThaw() {
        return Futures.await(client.fsfreezeThaw());
    }

    /**
     * @param mode never null
     */
    public void shutdown(ShutdownMode mode) {
        Futures.await(client.shutdown(mode));
    }
}
