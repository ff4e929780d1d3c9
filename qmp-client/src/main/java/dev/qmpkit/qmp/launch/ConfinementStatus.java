package dev.qmpkit.qmp.launch;

import dev.qmpkit.qmp.internal.PeerPid;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * How a running process is confined, as Linux reports it in {@code /proc/PID/status}: whom it
 * runs as, its seccomp mode, {@code NoNewPrivs} and its effective capabilities. For any process,
 * not only QEMUs this SDK started; {@code ./qmpkit check} prints it for the operator.
 *
 * @param pid the process id
 * @param uid the effective user id
 * @param gid the effective group id
 * @param groups the supplementary groups; never null, immutable
 * @param seccompMode 0 none, 1 strict, 2 filter (QEMU's {@code -sandbox on})
 * @param noNewPrivs whether the process and its children can never gain privileges by {@code execve}
 * @param capabilities the effective capability set ({@code CapEff}), a bit mask
 */
public record ConfinementStatus(long pid, int uid, int gid, List<Integer> groups, int seccompMode, boolean noNewPrivs,
                                long capabilities) {

    /**
     * Copies.
     *
     * @param pid the process id
     * @param uid the effective user id
     * @param gid the effective group id
     * @param groups the supplementary groups; never null
     * @param seccompMode 0 none, 1 strict, 2 filter
     * @param noNewPrivs whether {@code NoNewPrivs} is set
     * @param capabilities the effective capability set
     */
    public ConfinementStatus {
        groups = List.copyOf(groups);
    }

    /**
     * Reads {@code /proc/PID/status}.
     *
     * @param pid a process id
     * @return its status
     * @throws IOException when the process does not exist (any more) or its status cannot be read
     */
    public static ConfinementStatus ofPid(long pid) throws IOException {
        String text;
        try {
            text = Files.readString(Path.of("/proc", Long.toString(pid), "status"));
        } catch (NoSuchFileException e) {
            throw new IOException("no process " + pid + " (it exited, or lives in another PID namespace)", e);
        }
        return parse(pid, text);
    }

    /** @return the status of this JVM; never null */
    static ConfinementStatus self() {
        try {
            return ofPid(ProcessHandle.current().pid());
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/status: " + e.getMessage(), e);
        }
    }

    /**
     * Finds the QEMU that serves a QMP monitor socket (from the kernel's record of who listens
     * on it, {@code SO_PEERCRED}; the monitor's client, if any, is not disturbed) and reads its
     * status.
     *
     * @param monitorSocket a QMP socket QEMU listens on ({@code -qmp unix:PATH,server=on}); never null
     * @return its status, or empty when the PID cannot be found this way (Netty's native
     *         transport is unavailable): pass the PID to {@link #ofPid} instead
     * @throws IOException when the socket cannot be connected to, or the process's status read
     */
    public static Optional<ConfinementStatus> ofMonitor(Path monitorSocket) throws IOException {
        Objects.requireNonNull(monitorSocket, "monitorSocket");
        OptionalLong pid = PeerPid.of(monitorSocket, Duration.ofSeconds(5));
        return pid.isPresent() ? Optional.of(ofPid(pid.getAsLong())) : Optional.empty();
    }

    static ConfinementStatus parse(long pid, String status) {
        int uid = -1;
        int gid = -1;
        List<Integer> groups = List.of();
        int seccomp = 0;
        boolean nnp = false;
        long capEff = 0;
        for (String line : status.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon);
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "Uid" -> uid = Integer.parseInt(value.split("\\s+")[1]);
                case "Gid" -> gid = Integer.parseInt(value.split("\\s+")[1]);
                case "Groups" -> {
                    List<Integer> g = new ArrayList<>();
                    for (String s : value.isEmpty() ? new String[0] : value.split("\\s+")) {
                        g.add(Integer.parseInt(s));
                    }
                    groups = g;
                }
                case "Seccomp" -> seccomp = Integer.parseInt(value);
                case "NoNewPrivs" -> nnp = "1".equals(value);
                case "CapEff" -> capEff = Long.parseUnsignedLong(value, 16);
                default -> {
                    // not about confinement
                }
            }
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("process " + pid + ": /proc status has no Uid/Gid lines");
        }
        return new ConfinementStatus(pid, uid, gid, groups, seccomp, nnp, capEff);
    }

    /** @return whether the process runs as root (effective uid 0) */
    public boolean isRoot() {
        return uid == 0;
    }

    /**
     * @return a few lines for an operator: the identity, the seccomp mode, {@code NoNewPrivs},
     *         the capabilities, and what is missing for least privilege; never null
     */
    public String render() {
        StringBuilder b = new StringBuilder();
        b.append("process ").append(pid).append(": uid ").append(uid).append(", gid ").append(gid)
                .append(", groups ").append(groups.isEmpty() ? "none" : groups.toString()).append('\n');
        b.append("  seccomp: ").append(switch (seccompMode) {
            case 0 -> "off (mode 0)";
            case 1 -> "strict (mode 1)";
            case 2 -> "filter (mode 2, QEMU's -sandbox on)";
            default -> "mode " + seccompMode;
        }).append('\n');
        b.append("  NoNewPrivs: ").append(noNewPrivs ? 1 : 0).append('\n');
        b.append("  capabilities: ").append(capabilities == 0 ? "none" : String.format("0x%x", capabilities));
        List<String> missing = new ArrayList<>();
        if (isRoot()) {
            missing.add("runs as root: a guest that escapes into QEMU owns the host");
        }
        if (seccompMode != 2) {
            missing.add("no seccomp filter");
        }
        if (!noNewPrivs) {
            missing.add("NoNewPrivs not set");
        }
        if (!missing.isEmpty()) {
            b.append("\n  not least privilege: ").append(String.join("; ", missing));
        }
        return b.toString();
    }
}
