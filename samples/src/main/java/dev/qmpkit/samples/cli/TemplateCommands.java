package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuVersionProbe.QemuBinaryInfo;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * What {@code template create} and {@code template clone} do, and the limits of the templating
 * commands' options; their command lines are {@link TemplateCommand}'s.
 */
public final class TemplateCommands {
    /** Default clone count of the demo: enough to show sharing, small enough for 2 cores. */
    public static final int DEFAULT_CLONES = 5;
    /** Default guest memory in MiB. */
    public static final int DEFAULT_MEMORY_MIB = 256;
    /** The built-in guest fills 32 MiB with its pattern, so it needs a little more than that. */
    static final int MIN_MEMORY_MIB = 64;
    static final int MAX_MEMORY_MIB = 64 * 1024;
    static final int MAX_CLONES = 64;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TemplateCommands() {
    }

    /** {@code template create}: boots a template from the chosen guest and saves it into {@code dir}. */
    static int create(QemuBinary qemu, String guest, int memoryMiB, String accelName, Path dir, Context ctx)
            throws Exception {
        Progress progress = ctx.progress();
        QemuBinaryInfo info = QemuChoice.probe(qemu);
        Accel accel = GuestTemplates.accel(accelName, progress);
        // Clones load the same kernel file again, so it goes to the cache, not to a folder that may be cleaned up.
        Boot boot = GuestTemplates.guestBoot(guest, ctx.cacheDir().resolve("builtin-guest"), ctx.cacheDir(), progress);
        VmDescription description = VmDescription.builder().machineType("q35").accel(accel)
                .ram((long) memoryMiB << 20).boot(boot).build();
        progress.step("QEMU %s, %s guest, %d MiB, %s", info.version(), guest, memoryMiB, accel.qemuName());
        GuestTemplates.Created c;
        try (Templating templating = Templating.builder().build()) {
            c = GuestTemplates.create(templating, qemu, description, dir, GuestTemplates.guestTimeout(guest), progress);
            // The save records the RAM checksum in the background; closing the owner would abandon it, and
            // 'template clone' proves the file unchanged against it.
            long r0 = System.nanoTime();
            try {
                c.template().ramChecksumsRecorded().get();
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception x ? x : e;
            }
            progress.step("RAM checksum recorded in the manifest %.0f ms later", GuestTemplates.ms(System.nanoTime() - r0));
        }
        TemplateManifest m = c.template().manifest();
        PrintStream out = ctx.out();
        out.println("template saved in " + c.template().directory());
        out.println(new TextTable("what", "value")
                .row("QEMU", m.qemu().version() + " (" + m.qemu().executable() + ")")
                .row("machine", m.resolvedMachineType())
                .row("clone recipe", m.cloneRecipe())
                .row("cold boot to READY", String.format("%.1f ms", c.coldBootMs()))
                .row("save (migrate)", m.state().saveMillis() + " ms")
                .row("save (total)", String.format("%.1f ms", c.saveTotalMs()))
                .row("state file", m.state().file() + ", " + m.state().sizeBytes() + " bytes")
                .row("RAM file", m.backends().get(0).file() + ", " + (m.backends().get(0).sizeBytes() >> 20) + " MiB")
                .row("guest counter at save", c.counter() < 0 ? "-" : Long.toString(c.counter())));
        out.println("next: ./qmpkit template clone --dir " + dir + " --clones 3");
        return 0;
    }

    /**
     * {@code template clone}: starts clones from a saved template, proves them alive, reports and stops them.
     *
     * @param qemu the QEMU to run; null for the template's own
     */
    static int cloneTemplate(Path dir, QemuBinary qemu, int count, Path json, Context ctx) throws Exception {
        Progress progress = ctx.progress();
        try (Templating templating = Templating.builder().build()) {
            Template template = templating.openTemplate(dir);
            template.verify(qemu);
            // The template's serial log tells where its counter stood when it was saved.
            long templateCounter = GuestTemplates.lastCounter(template.serialLog().orElse(null));
            List<DemoReport.CloneInfo> clones;
            List<CloneVm> running = GuestTemplates.startClones(template, count, progress, qemu);
            try {
                clones = CloneProof.inspect(running, templateCounter, progress);
            } finally {
                running.forEach(CloneVm::close);
            }
            boolean unchanged = GuestTemplates.ramFilesMatchManifest(template);
            CloneProof.print(clones, ctx.out());
            ctx.out().println("template RAM file unchanged: " + (unchanged ? "yes" : "NO"));
            if (json != null) {
                var root = JSON.createObjectNode();
                root.put("template", template.directory().toString());
                root.set("clones", JSON.valueToTree(clones));
                root.put("templateFileUnchanged", unchanged);
                Files.writeString(json, JSON.writeValueAsString(root) + "\n");
            }
            boolean allAlive = clones.stream().allMatch(DemoReport.CloneInfo::alive);
            if (!allAlive || !unchanged) {
                ctx.err().println("qmpkit template clone: " + (allAlive ? "" : "not every clone ran on from the "
                        + "template; ") + (unchanged ? "" : "the template's RAM file changed"));
                return 1;
            }
            return 0;
        }
    }
}
