package dev.qmpkit.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * QEMU builds whose monitor conversations ship with this kit: the greeting and the reply to
 * each of about 25 commands, recorded from real QEMU over {@code -qmp stdio} (a q35 TCG VM with
 * a RAM backend, a file-backed {@code pc-dimm}, {@code vmgenid} and {@code virtio-balloon},
 * including a completed {@code migrate}). Replay one with {@link FakeMonitor#replaying}, or
 * answer a single command with {@link #reply}: a test of code that parses QEMU's replies then
 * runs against what each version really says, without QEMU installed.
 *
 * <p>A recording is named after its command, or after its command and the VM's state for a
 * second recording of the same command: {@code query-status} (before the VM ran),
 * {@code query-status-after}, {@code query-status-postmigrate}, {@code query-migrate},
 * {@code query-migrate-completed}, {@code device_del-error} (a device that does not exist).
 */
public enum RecordedQemu {
    /** QEMU 10.0.2, Debian's {@code 1:10.0.2+ds-2+deb13u1~bpo12+1}. */
    QEMU_10_0("10.0"),
    /** QEMU 7.2.22, Debian 12's {@code 1:7.2+dfsg-7+deb12u18}. */
    QEMU_7_2("7.2");

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final String version;

    RecordedQemu(String version) {
        this.version = version;
    }

    /**
     * @param version a recorded version, {@code "10.0"} or {@code "7.2"}; never null
     * @return the recorded QEMU of that version
     * @throws IllegalArgumentException when that version was not recorded
     */
    public static RecordedQemu of(String version) {
        Objects.requireNonNull(version, "version");
        for (RecordedQemu q : values()) {
            if (q.version.equals(version)) {
                return q;
            }
        }
        throw new IllegalArgumentException("no recorded QEMU " + version + "; the kit has 10.0 and 7.2");
    }

    /** @return the major and minor version recorded, e.g. {@code "10.0"}; never null */
    public String version() {
        return version;
    }

    /** @return the greeting this QEMU sent, as compact JSON text; never null */
    public String greeting() {
        return read("greeting").toString();
    }

    /** @return the names of the recordings, in the order they were made; never null, immutable */
    public List<String> recordings() {
        List<String> names = new ArrayList<>();
        read("index").forEach(n -> names.add(n.asText()));
        return List.copyOf(names);
    }

    /**
     * @param recording a name from {@link #recordings()}, e.g. {@code "query-status-after"}; never null
     * @return the command it recorded, e.g. {@code "query-status"}; never null
     * @throws IllegalArgumentException when there is no such recording
     */
    public String command(String recording) {
        return read(recording).get("execute").asText();
    }

    /**
     * @param recording a name from {@link #recordings()}; never null
     * @return the arguments the command was sent with, or null when it had none
     * @throws IllegalArgumentException when there is no such recording
     */
    public JsonNode arguments(String recording) {
        JsonNode a = read(recording).get("arguments");
        return a == null || a.isNull() ? null : a;
    }

    /**
     * @param recording a name from {@link #recordings()}, e.g. {@code "query-qmp-schema"}; never null
     * @return QEMU's reply as recorded ({@code {"return": ...}} or {@code {"error": ...}}, without
     *         an id), a fresh copy the caller may change; for {@link Reply#recorded} or
     *         {@link ReceivedCommand#replyRecorded}
     * @throws IllegalArgumentException when there is no such recording
     */
    public JsonNode reply(String recording) {
        return read(recording).get("reply");
    }

    private JsonNode read(String name) {
        Objects.requireNonNull(name, "recording");
        String path = "qemu-" + version + "/" + name + ".json";
        try (InputStream in = RecordedQemu.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalArgumentException("QEMU " + version + " has no recording '" + name + "' (recorded: "
                        + (name.equals("index") ? "none, the kit's jar is incomplete" : recordings()) + ")");
            }
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recording dev/qmpkit/testing/" + path, e);
        }
    }

    @Override
    public String toString() {
        return "QEMU " + version + " (recorded)";
    }
}
