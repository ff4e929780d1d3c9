package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.MemoryUsage;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Proves each clone ran on from the template's state, and prints them. A clone that really
 * resumed prints no READY (it did not boot again), its first counter is above the last one the
 * template printed before the save, it keeps counting, and its vmgenid is its own.
 */
final class CloneProof {

    private static final Duration GUEST_WAIT = Duration.ofSeconds(20);

    private CloneProof() {
    }

    /**
     * @param clones running clones; never null
     * @param templateCounter the template's last counter before the save, or -1
     * @param progress one line per clone; never null
     * @return one entry per clone, in order
     */
    static List<DemoReport.CloneInfo> inspect(List<CloneVm> clones, long templateCounter, Progress progress)
            throws Exception {
        List<DemoReport.CloneInfo> result = new ArrayList<>();
        Set<String> genids = new HashSet<>();
        for (CloneVm c : clones) {
            SerialLog log = null;
            String why;
            try {
                log = SerialLog.await(c.serialLog(), l -> l.ready() || l.counts().size() >= 2, GUEST_WAIT);
                why = log.ready() ? "it booted again (READY printed)" : null;
            } catch (IllegalStateException e) {
                why = e.getMessage();
            }
            long first = log == null ? -1 : log.firstCount().orElse(-1);
            long last = log == null ? -1 : log.lastCount().orElse(-1);
            if (why == null && !(first > templateCounter && last > first)) {
                why = "its counter went " + first + " -> " + last + " but the template stopped at " + templateCounter;
            }
            if (why == null && !c.isAlive()) {
                why = "its QEMU exited";
            }
            MemoryUsage mem = c.memoryUsage();
            JsonNode gen = c.qmp().blocking().execute("query-vm-generation-id");
            String genid = gen.path("guid").asText(null);
            if (genid != null && !genids.add(genid)) {
                why = why == null ? "its vmgenid equals another clone's" : why;
            }
            boolean alive = why == null;
            progress.step("%s %s: counter %d -> %d (template stopped at %d), Pss %d KiB, vmgenid %s", c.name(),
                    alive ? "alive" : "NOT alive (" + why + ")", first, last, templateCounter, mem.pssKiB(), genid);
            result.add(new DemoReport.CloneInfo(c.name(), round(GuestTemplates.ms(c.spawnToRunning().toNanos())),
                    alive, c.pid(), first, last, mem.rssKiB(), mem.pssKiB(), mem.privateKiB(), mem.sharedKiB(), genid,
                    c.confinement().summary(), null, null, null, null));
        }
        return result;
    }

    /** Prints the clone table. */
    static void print(List<DemoReport.CloneInfo> clones, PrintStream out) {
        TextTable t = new TextTable("clone", "pid", "start ms", "alive", "counter", "Rss KiB", "Pss KiB",
                "private KiB", "shared KiB", "vmgenid");
        for (DemoReport.CloneInfo c : clones) {
            t.row(c.name(), c.pid(), fmt(c.startMs()), c.alive() ? "yes" : "NO", c.firstCounter() + "->" + c.lastCounter(),
                    c.rssKiB(), c.pssKiB(), c.privateKiB(), c.sharedKiB(), c.vmgenid());
        }
        out.print(t);
        clones.stream().map(DemoReport.CloneInfo::confinement).distinct()
                .forEach(c -> out.println("clone QEMU confinement: " + c));
    }

    static double round(double ms) {
        return Math.round(ms * 10) / 10.0;
    }

    static String fmt(double ms) {
        return String.format("%.1f ms", ms);
    }
}
