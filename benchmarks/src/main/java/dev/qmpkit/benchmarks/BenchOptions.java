package dev.qmpkit.benchmarks;

import dev.qmpkit.qmp.launch.QemuBinary;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --name value} options every benchmark program takes. */
final class BenchOptions {

    private BenchOptions() {
    }

    /**
     * @param args the program's arguments
     * @param usage printed (and the JVM exits with 2) when they are not {@code --name value} pairs
     * @return the options by name, without the dashes, in order
     */
    static Map<String, String> parse(String[] args, String usage) {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.println(usage);
                System.exit(2);
            }
            opts.put(args[i].substring(2), args[++i]);
        }
        return opts;
    }

    static int intOpt(Map<String, String> opts, String name, int def) {
        return Integer.parseInt(opts.getOrDefault(name, Integer.toString(def)));
    }

    /** @return {@code --qemu PATH}, or {@code qemu-system-x86_64} from the PATH */
    static QemuBinary qemu(Map<String, String> opts) {
        return opts.containsKey("qemu") ? QemuBinary.of(Path.of(opts.get("qemu"))) : QemuBinary.system();
    }
}
