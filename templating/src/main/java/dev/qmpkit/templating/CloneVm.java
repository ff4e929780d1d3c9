package dev.qmpkit.templating;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.inspect.MigrationCapabilityGuard;
import dev.qmpkit.templating.inspect.VmRole;
import dev.qmpkit.templating.internal.CloneWorkflow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/**
 * A running (or paused) clone of a {@link Template}: its own QEMU process mapping the
 * template's RAM files privately, with its own identity: a vmgenid GUID the guest sees, an
 * optional NIC whose MAC the guest sees, and a {@code -uuid} only QEMU reports (the guest keeps
 * reading the template's SMBIOS UUID from memory; see {@link CloneOptions#freshUuid()}).
 * {@link #close()} stops it and deletes its work directory. Thread-safe.
 */
public final class CloneVm implements AutoCloseable {

    private final Templating templating;
    private final Template template;
    private final CloneWorkflow.Restored restored;

    CloneVm(Templating templating, Template template, CloneWorkflow.Restored restored) {
        this.templating = templating;
        this.template = template;
        this.restored = restored;
    }

    /** @return the clone's name (also its QEMU process name), e.g. {@code clone-3}; never null */
    public String name() {
        return restored.name();
    }

    /** @return the template it was cloned from; never null */
    public Template template() {
        return template;
    }

    /** @return the QEMU process; never null */
    public QemuProcess process() {
        return restored.process();
    }

    /** @return the monitor client; never null */
    public QmpClient qmp() {
        return restored.process().qmp();
    }

    /** @return the QEMU process id */
    public long pid() {
        return restored.process().pid();
    }

    /** @return the clone's vmgenid GUID (differs from the template's), or null when the description has none */
    public UUID vmgenid() {
        return restored.vmgenid();
    }

    /**
     * @return the clone's {@code -uuid} (what QEMU reports, not what the guest reads: its SMBIOS UUID
     *         stays the template's), or null when {@link CloneOptions#freshUuid()} was off
     */
    public UUID uuid() {
        return restored.uuid();
    }

    /** @return the MAC of the hot-plugged NIC, or null when {@link CloneOptions#nic()} was off */
    public String mac() {
        return restored.mac();
    }

    /** @return the clone's serial log, or null when the description turned it off */
    public Path serialLog() {
        return restored.serialLog();
    }

    /** @return the clone's private work directory (deleted by {@link #close()}); never null */
    public Path workDir() {
        return restored.workDir();
    }

    /** @return how long launching QEMU took (spawn to negotiated monitor); never null */
    public Duration launchTime() {
        return restored.launchTime();
    }

    /** @return how long loading the device state took ({@code migrate-incoming} to completed); never null */
    public Duration restoreTime() {
        return restored.restoreTime();
    }

    /**
     * @return spawn to running: from starting QEMU to the reply of {@code cont}; for a clone
     *         left paused (e.g. in a {@link ClonePool}), spawn to restored and ready to resume;
     *         never null
     */
    public Duration spawnToRunning() {
        return restored.spawnToRunning();
    }

    /**
     * Resumes a paused clone ({@code cont}). Does nothing visible on a running one.
     *
     * @return how long the {@code cont} round trip took; never null
     */
    public Duration resume() {
        long t0 = System.nanoTime();
        Futures.await(qmp().execute("cont"));
        return Duration.ofNanos(System.nanoTime() - t0);
    }

    /**
     * @return the clone's host memory usage now (Linux {@code /proc/PID/smaps_rollup}); never null
     * @throws TemplatingException when it cannot be read
     */
    public MemoryUsage memoryUsage() {
        return MemoryUsage.ofPid(pid());
    }

    /**
     * Sets migration capabilities on the clone through the guard: {@code release-ram} and
     * {@code postcopy-ram} are refused before anything is sent (both discard RAM, which a
     * clone's private mapping of the template file cannot do safely).
     *
     * @param capabilities capability names and the state to set; never null
     * @throws dev.qmpkit.templating.inspect.UnsafeCapabilityException when refused (nothing sent)
     */
    public void setMigrationCapabilities(java.util.Map<String, Boolean> capabilities) {
        MigrationCapabilityGuard.setCapabilities(qmp(), VmRole.CLONE, capabilities);
    }

    /**
     * @return how the clone's QEMU is confined (its user, seccomp) and, before QEMU 8.2, that it
     *         holds a writable descriptor of the template's RAM files; never null
     */
    public CloneConfinement confinement() {
        return restored.confinement();
    }

    /** @return whether the clone's QEMU is still running */
    public boolean isAlive() {
        return restored.process().isAlive();
    }

    /** Stops QEMU (by PID if it does not quit) and deletes the work directory. Idempotent. */
    @Override
    public void close() {
        templating.stop(restored);
        templating.closed(this);
    }

    @Override
    public String toString() {
        return "CloneVm[" + name() + ", pid " + pid() + ", template " + template.directory() + "]";
    }
}
