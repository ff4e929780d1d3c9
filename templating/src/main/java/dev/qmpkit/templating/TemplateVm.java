package dev.qmpkit.templating;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.inspect.QemuFeatures;
import dev.qmpkit.templating.inspect.ReadinessChecker;
import dev.qmpkit.templating.inspect.ReadinessReport;
import dev.qmpkit.templating.inspect.VmRole;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running VM that will become a template: started from a {@link VmDescription} with every
 * RAM backend a {@code memory-backend-file,share=on} on a file in the template directory.
 * Let the guest reach the state clones should start from, then {@link #save()} (or
 * {@link #save(SaveOptions)}, e.g. to skip the RAM checksums so the save is flat in guest size).
 *
 * <pre>{@code
 * try (TemplateVm vm = TemplateVm.start(QemuBinary.system(), description, Path.of("/var/lib/tpl/web"))) {
 *     SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(10));   // or wait for your guest
 *     Template template = vm.save();   // the VM is stopped and quits; the directory is a template
 * }
 * }</pre>
 *
 * <p>After a save the VM never runs again (it would write into the shared RAM files that
 * clones map): {@link #save()} quits it. {@link #close()} stops QEMU whether saved or not;
 * an unsaved directory has no manifest and can never be cloned from. Started by a
 * {@link Templating} ({@link #start} uses {@link Templating#defaults()}), which also owns the
 * saved {@link Template}. Thread-safe.
 */
public final class TemplateVm implements AutoCloseable {

    private final Templating templating;
    private final Path directory;
    private final VmDescription description;
    private final QemuProcess process;
    private final Path serialLog;
    private final UUID vmgenid;
    private final AtomicBoolean saved = new AtomicBoolean();

    TemplateVm(Templating templating, Path directory, VmDescription description, QemuProcess process, Path serialLog,
               UUID vmgenid) {
        this.templating = templating;
        this.directory = directory;
        this.description = description;
        this.process = process;
        this.serialLog = serialLog;
        this.vmgenid = vmgenid;
    }

    /**
     * Starts a template VM with {@link Templating#defaults()}. Creates {@code directory} (mode
     * 0700; it must not exist or be empty), the RAM files (mode 0600, one per backend) and the
     * serial log in it.
     *
     * @param binary the QEMU to run; never null
     * @param description what the VM is; never null ({@link Accel#AUTO} is resolved now and
     *                    recorded, so clones use the same accelerator)
     * @param directory the template directory; never null; any path, including spaces, commas,
     *                  quotes and newlines
     * @return the running VM
     * @throws TemplatingException when the directory is not empty or cannot be created
     * @throws dev.qmpkit.qmp.launch.QemuLaunchException when QEMU refuses the configuration
     */
    public static TemplateVm start(QemuBinary binary, VmDescription description, Path directory) {
        return Templating.defaults().startTemplate(binary, description, directory);
    }

    /**
     * As {@link #start(QemuBinary, VmDescription, Path)}, reporting {@link Step#TEMPLATE_LAUNCH}.
     *
     * @param binary the QEMU to run; never null
     * @param description what the VM is; never null
     * @param directory the template directory; never null
     * @param listener receives progress; never null
     * @return the running VM
     */
    public static TemplateVm start(QemuBinary binary, VmDescription description, Path directory,
                                   ProgressListener listener) {
        return Templating.defaults().startTemplate(binary, description, directory, listener);
    }

    /** @return the template directory (absolute); never null */
    public Path directory() {
        return directory;
    }

    /** @return the description the VM runs with, accelerator resolved; never null */
    public VmDescription description() {
        return description;
    }

    /** @return the QEMU process; never null */
    public QemuProcess process() {
        return process;
    }

    /** @return the monitor client; never null */
    public QmpClient qmp() {
        return process.qmp();
    }

    /**
     * @return the template's guest agent client, to prepare the guest and to see that its agent
     *         runs before the save (clones wait for theirs); closed with the VM; never null
     * @throws IllegalStateException when the description has no agent channel
     */
    public GuestAgentClient agent() {
        return process.guestAgent().orElseThrow(() -> new IllegalStateException("template " + directory
                + " has no guest agent channel; build its description with VmDescription.builder().guestAgent(true)"));
    }

    /** @return the serial log file, or null when the description turned it off */
    public Path serialLog() {
        return serialLog;
    }

    /** @return the template's vmgenid GUID, or null when the description has no vmgenid */
    public UUID vmgenid() {
        return vmgenid;
    }

    /**
     * @return what this QEMU supports for templating, detected by introspection once per QEMU
     *         binary by the owning {@link Templating}; never null
     */
    public QemuFeatures features() {
        return templating.features(process);
    }

    /**
     * Runs the readiness check on the running VM (without changing it).
     *
     * @return the report; never null
     */
    public ReadinessReport checkReadiness() {
        return ReadinessChecker.check(qmp(), VmRole.TEMPLATE, features());
    }

    /**
     * Saves the template with the default options (RAM checksums recorded in the background, no
     * listener). See {@link #save(SaveOptions)}.
     *
     * @return the saved template
     */
    public Template save() {
        return save(SaveOptions.defaults());
    }

    /**
     * Saves the template with the default options, reporting to {@code listener}. See
     * {@link #save(SaveOptions)}.
     *
     * @param listener receives step and migration progress; never null
     * @return the saved template
     */
    public Template save(ProgressListener listener) {
        Objects.requireNonNull(listener, "listener");
        return save(SaveOptions.builder().listener(listener).build());
    }

    /**
     * Saves the template: checks readiness, {@code stop}s the VM, sets {@code x-ignore-shared},
     * writes the device state ({@code file:} URI where QEMU supports it, otherwise a file
     * descriptor passed over the monitor socket; no shell), waits for completion through
     * MIGRATION events, quits QEMU, syncs the state and RAM files to disk, renames the state
     * file into place, hashes the files, and writes {@code manifest.json} last. Blocks; do not
     * call on a QMP I/O thread.
     *
     * <p>Everything but the RAM checksums takes the same time for any guest size (a few
     * milliseconds of {@code migrate}, about 300 KB of state). With
     * {@link SaveOptions.RamChecksum#BACKGROUND} (the default) the owner reads every RAM file
     * (about 1-3 s per GiB) after the save has returned, while clones already start; with
     * {@link SaveOptions.RamChecksum#FULL} the save does so before it returns; with
     * {@link SaveOptions.RamChecksum#NONE} nobody does, and the checksums can be added later
     * with {@link Template#recordRamChecksums()}.
     *
     * @param options how; never null
     * @return the saved template
     * @throws TemplateNotReadyException when the VM cannot be a template (nothing was changed)
     * @throws TemplateSaveException when a step failed (QEMU died, migration failed, I/O
     *         error): no manifest exists and QEMU was stopped
     * @throws IllegalStateException when the VM was already saved
     */
    public Template save(SaveOptions options) {
        Objects.requireNonNull(options, "options");
        if (!saved.compareAndSet(false, true)) {
            throw new IllegalStateException("template " + directory + " was already saved (or a save was attempted); "
                    + "a template VM never runs again after a save");
        }
        try {
            return templating.save(this, options);
        } catch (TemplateNotReadyException e) {
            // Nothing was changed: the caller may fix the VM and try again.
            saved.set(false);
            throw e;
        }
    }

    /** @return whether {@link #save} was called (and did not stop at the readiness check) */
    public boolean isSaved() {
        return saved.get();
    }

    /** Stops QEMU (by PID if it does not quit). Leaves the directory. Idempotent. */
    @Override
    public void close() {
        process.close();
        templating.closed(this);
    }

    @Override
    public String toString() {
        return "TemplateVm[" + directory + ", pid " + process.pid() + "]";
    }
}
