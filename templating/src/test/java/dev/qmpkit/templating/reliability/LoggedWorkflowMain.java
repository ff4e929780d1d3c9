package dev.qmpkit.templating.reliability;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpCommandException;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.ClonePool;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.guest.BuiltinGuest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Child JVM for {@link LogSafetyIT}: the whole workflow with the SDK's loggers at DEBUG, so the
 * test can read everything they print. Saves a template, clones it, dumps guest memory with
 * {@code pmemsave}, reads the 236 KB schema, makes a command fail, uses a pool of one, and
 * prints {@code DONE} on stdout. Args: work dir, executable, firmware dirs...
 */
public final class LoggedWorkflowMain {
    private LoggedWorkflowMain() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Path.of(args[0]);
        List<Path> fw = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            fw.add(Path.of(args[i]));
        }
        QemuBinary qemu = new QemuBinary(Path.of(args[1]), fw);
        Template t = SavedTemplates.save(qemu, work, work.resolve("template"));
        // The clone's work directory goes to the temp dir, which its (unprivileged) QEMU can reach:
        // pmemsave writes there as that user.
        CloneOptions options = CloneOptions.defaults();
        try (CloneVm c = t.startClone(options)) {
            Futures.await(c.qmp().execute("pmemsave", Map.of("val", BuiltinGuest.PATTERN_START,
                    "size", 1 << 20, "filename", c.workDir().resolve("dump.bin").toString())));
            Futures.await(c.qmp().execute("query-qmp-schema"));
            Futures.await(c.qmp().execute("human-monitor-command", Map.of("command-line", "xp /64xw 0x1000000")));
            try {
                Futures.await(c.qmp().execute("no-such-command"));
            } catch (QmpCommandException expected) {
                // logged or not, it must stay short
            }
        }
        try (ClonePool pool = ClonePool.start(t, 1, options); CloneVm c = pool.acquire(Duration.ofSeconds(30))) {
            Futures.await(c.qmp().execute("query-status"));
        }
        System.out.println("DONE");
    }
}
