package dev.qmpkit.samples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a client is connected to a QMP monitor's socket. QEMU serves one client per monitor:
 * a second one is left unaccepted, gets no greeting, and would only see a timeout. Linux lists
 * the server's end of an accepted connection in {@code /proc/net/unix} under the socket's path
 * with state 03 (connected); a connection not yet accepted has state 02.
 */
final class MonitorClients {
    /** The fix when the monitor is taken. */
    static final String FIX = "close the other client (another qmpkit, qmp-shell, virsh or socat), or give QEMU a "
            + "second monitor for qmpkit: -qmp unix:OTHER-PATH,server=on,wait=off";
    private static final Path PROC_NET_UNIX = Path.of("/proc/net/unix");
    private static final String CONNECTED = "03";

    private MonitorClients() {
    }

    /**
     * @param socket the monitor's socket; never null
     * @return whether a client holds it; false when it cannot be told (no {@code /proc}, or QEMU
     *         bound the socket under a relative path)
     */
    static boolean held(Path socket) {
        List<String> lines;
        try {
            lines = Files.readAllLines(PROC_NET_UNIX);
        } catch (IOException | SecurityException e) {
            return false;
        }
        String absolute = socket.toAbsolutePath().normalize().toString();
        for (String line : lines) {
            // Num RefCount Protocol Flags Type St Inode Path
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && CONNECTED.equals(f[5]) && f[7].equals(absolute)) {
                return true;
            }
        }
        return false;
    }
}
