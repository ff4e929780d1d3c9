package dev.qmpkit.templating.internal;

import dev.qmpkit.templating.MemoryUsage;
import dev.qmpkit.templating.TemplatingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads {@code /proc/PID/smaps_rollup}. */
public final class Smaps {
    private Smaps() {
    }

    /** @return the usage of process {@code pid} */
    public static MemoryUsage read(long pid) {
        Path file = Path.of("/proc", Long.toString(pid), "smaps_rollup");
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new TemplatingException("cannot read " + file + " (" + e + "): memory accounting needs Linux 4.14+ "
                    + "and a running process this user may inspect", e);
        }
        return parse(lines);
    }

    /**
     * @param lines the file's lines
     * @return the usage (missing fields count as 0)
     */
    public static MemoryUsage parse(List<String> lines) {
        Map<String, Long> kib = new HashMap<>();
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String[] parts = line.substring(colon + 1).trim().split("\\s+");
            if (parts.length >= 1 && parts[parts.length - 1].equals("kB")) {
                try {
                    kib.put(line.substring(0, colon).trim(), Long.parseLong(parts[0]));
                } catch (NumberFormatException ignored) {
                    // not a size line
                }
            }
        }
        return new MemoryUsage(kib.getOrDefault("Rss", 0L), kib.getOrDefault("Pss", 0L),
                kib.getOrDefault("Private_Clean", 0L) + kib.getOrDefault("Private_Dirty", 0L),
                kib.getOrDefault("Shared_Clean", 0L) + kib.getOrDefault("Shared_Dirty", 0L));
    }
}
