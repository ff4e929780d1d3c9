package dev.qmpkit.samples;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.WorkFiles;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Template and clone, the SDK's main job, in five steps:
 *
 * <ol>
 *   <li>Describe a VM once ({@link VmDescription}): here 256 MiB of RAM and the SDK's built-in
 *       test guest, which prints {@code READY} and then a counter on its serial port. Template
 *       and clones are both derived from this description, so they always match.</li>
 *   <li>Boot it as a template ({@link Templating#startTemplate}): its RAM is a shared file in
 *       the template directory. Wait until the guest is where clones should begin.</li>
 *   <li>Save it ({@link TemplateVm#save()}): the VM stops, only the device state is written
 *       (the RAM is already in the file: {@code x-ignore-shared}), and a manifest records
 *       checksums and the QEMU that made it.</li>
 *   <li>Start clones ({@link Template#startClone()}): each QEMU maps the RAM file privately,
 *       loads the small state file and runs on from exactly where the template stopped.</li>
 *   <li>See it: each clone's counter continues from the template's (it did not boot again),
 *       and it shares the template's pages (Pss below Rss).</li>
 * </ol>
 *
 * One {@link Templating} owns everything: it starts every QEMU, and closing it stops whatever
 * is still running. Run it with {@code java -cp samples-*-all.jar dev.qmpkit.samples.TemplateAndClone};
 * {@code ./qmpkit demo} does the same with timings, a Linux guest option and a JSON report.
 */
public final class TemplateAndClone {

    private TemplateAndClone() {
    }

    /** @param args optionally the number of clones (default 2) */
    public static void main(String[] args) throws Exception {
        int clones = args.length > 0 ? Integer.parseInt(args[0]) : 2;
        Path dir = Files.createTempDirectory("qmpkit-sample-");
        try {
            run(QemuBinary.system(), dir, clones, System.out);
        } finally {
            WorkFiles.deleteTree(dir);
        }
    }

    /**
     * @param qemu the QEMU to run; never null
     * @param dir an empty directory for the template and the guest kernel; never null
     * @param clones how many clones to start, one after the other
     * @param out where to print what happens; never null
     */
    public static void run(QemuBinary qemu, Path dir, int clones, PrintStream out)
            throws IOException, InterruptedException {
        try (Templating templating = Templating.builder().build()) {
            // 1. Describe the VM once.
            VmDescription vm = VmDescription.builder()
                    .ram(256L << 20)
                    .boot(Boot.kernel(BuiltinGuest.writeKernel(dir)))
                    .build();

            // 2 and 3. Boot the template, let the guest count a little, save it.
            Template template;
            long counterAtSave;
            try (TemplateVm tvm = templating.startTemplate(qemu, vm, dir.resolve("template"))) {
                SerialLog.await(tvm.serialLog(), log -> log.counts().size() >= 2, Duration.ofSeconds(30));
                template = tvm.save();                   // the template VM quits; it never runs again
                counterAtSave = SerialLog.read(tvm.serialLog()).lastCount().orElse(0);
            }
            out.printf("template saved in %s: %d bytes of device state, counter at %d%n", template.directory(),
                    template.manifest().state().sizeBytes(), counterAtSave);

            // 4 and 5. Start clones; each runs on from the template's counter.
            for (int i = 0; i < clones; i++) {
                try (CloneVm clone = template.startClone()) {
                    SerialLog log = SerialLog.awaitCountAbove(clone.serialLog(), counterAtSave,
                            Duration.ofSeconds(30));
                    out.printf("%s (pid %d) running %d ms after spawn, counted on from %d to %d, %s; %s%n",
                            clone.name(), clone.pid(), clone.spawnToRunning().toMillis(), counterAtSave,
                            log.lastCount().orElse(-1), log.ready() ? "BOOTED AGAIN" : "resumed", clone.memoryUsage());
                }   // close(): quit, then SIGTERM, then SIGKILL by PID; the clone's work directory is deleted
            }

            // The clones mapped the RAM file privately: it still has the checksum recorded at save.
            template.verifyRamFiles();
            out.println("template RAM file unchanged");
        }
    }
}
