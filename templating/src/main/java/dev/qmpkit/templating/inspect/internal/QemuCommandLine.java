package dev.qmpkit.templating.inspect.internal;

import static dev.qmpkit.templating.inspect.internal.Qmp.awaitOrNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.QmpClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command line of the QEMU behind a monitor, read from {@code /proc} when that QEMU runs on
 * this host. QMP cannot tell {@code -mem-path FILE} from {@code -object
 * memory-backend-file,id=pc.ram,mem-path=FILE -machine memory-backend=pc.ram}: both give the
 * same object with the same properties (measured on 7.2 and 10.0), yet the guide forbids the
 * first for templates and clones. QMP gives no PID either, but {@code query-cpus-fast} gives the
 * vCPU threads' ids, and {@code /proc/TID/status} names the process they belong to.
 *
 * @param argv the arguments, {@code argv[0]} first; never null, immutable
 */
public record QemuCommandLine(List<String> argv) {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TGID = Pattern.compile("(?m)^Tgid:\\s*(\\d+)$");

    /** Copies. */
    public QemuCommandLine {
        argv = List.copyOf(argv);
    }

    /**
     * @param client a connected client; never null
     * @return the command line, or empty when QEMU has no vCPU, runs on another host or in another
     *         PID namespace, or {@code /proc} cannot be read
     */
    public static Optional<QemuCommandLine> read(QmpClient client) {
        JsonNode cpus = awaitOrNull(client.execute("query-cpus-fast"));
        if (cpus == null || !cpus.isArray() || cpus.isEmpty()) {
            return Optional.empty();
        }
        List<Long> threads = new ArrayList<>();
        cpus.forEach(c -> threads.add(c.path("thread-id").asLong(-1)));
        try {
            Matcher m = TGID.matcher(Files.readString(Path.of("/proc", threads.get(0).toString(), "status")));
            if (threads.contains(-1L) || !m.find()) {
                return Optional.empty();
            }
            Path proc = Path.of("/proc", m.group(1));
            // Every vCPU must be a thread of that process, and it must be a QEMU: a thread id seen
            // from another PID namespace would name an unrelated process here.
            for (long tid : threads) {
                if (!Files.isDirectory(proc.resolve("task").resolve(Long.toString(tid)))) {
                    return Optional.empty();
                }
            }
            String[] args = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8)
                    .split("\0");
            if (args.length == 0 || !Path.of(args[0]).getFileName().toString().startsWith("qemu")) {
                return Optional.empty();
            }
            return Optional.of(new QemuCommandLine(List.of(args)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** @return the values of an option (given as {@code -name} or {@code --name}), in order; never null */
    public List<String> values(String option) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i + 1 < argv.size(); i++) {
            String a = argv.get(i);
            if (a.equals("-" + option) || a.equals("--" + option)) {
                values.add(argv.get(++i));
            }
        }
        return values;
    }

    /** @return the {@code -mem-path} argument, if any */
    public Optional<String> memPath() {
        List<String> v = values("mem-path");
        return v.isEmpty() ? Optional.empty() : Optional.of(v.get(v.size() - 1));
    }

    /** @return the ids of every {@code -object}, in key=value or JSON form; never null */
    public Set<String> objectIds() {
        Set<String> ids = new LinkedHashSet<>();
        for (String o : values("object")) {
            if (o.startsWith("{")) {
                try {
                    JsonNode id = JSON.readTree(o).path("id");
                    if (id.isTextual()) {
                        ids.add(id.asText());
                    }
                } catch (IOException e) {
                    // QEMU would have refused it; nothing to learn
                }
            } else {
                keyValue(o, "id").ifPresent(ids::add);
            }
        }
        return ids;
    }

    /** @return the value of {@code key} in a QEMU key=value option (commas doubled to escape), the last one wins */
    static Optional<String> keyValue(String option, String key) {
        String found = null;
        for (String part : splitOption(option)) {
            if (part.startsWith(key + "=")) {
                found = part.substring(key.length() + 1);
            }
        }
        return Optional.ofNullable(found);
    }

    /** @return the parts of a key=value option, split at single commas, with {@code ,,} unescaped */
    static List<String> splitOption(String option) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        for (int i = 0; i < option.length(); i++) {
            char c = option.charAt(i);
            if (c == ',' && i + 1 < option.length() && option.charAt(i + 1) == ',') {
                part.append(',');
                i++;
            } else if (c == ',') {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        return parts;
    }
}
