package dev.qmpkit.templating;

import com.fasterxml.jackson.databind.JsonNode;
import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.agent.GuestAgentClient;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.fixup.NetworkFixUp;
import dev.qmpkit.templating.inspect.MigrationCapabilityGuard;
import dev.qmpkit.templating.inspect.VmRole;
import dev.qmpkit.templating.internal.CloneWorkflow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A running (or paused) clone of a {@link Template}: its own QEMU process mapping the
 * template's RAM files privately, with its own identity: a vmgenid GUID the guest sees, an
 * optional NIC whose MAC the guest sees, and a {@code -uuid} only QEMU reports (the guest keeps
 * reading the template's SMBIOS UUID from memory; see {@link CloneOptions#freshUuid()}); its
 * own qcow2 overlay of each template disk ({@link #disks()}); when the description has one, its
 * guest agent ({@link #agent()}), which answered before the clone was handed out; and the
 * report of its fix-ups ({@link #report()}). {@link #close()} stops it and deletes its work
 * directory. Thread-safe.
 */
public final class CloneVm implements AutoCloseable {

    private final Templating templating;
    private final Template template;
    private final CloneWorkflow.Restored restored;
    private final AtomicBoolean finished;
    private volatile CloneReport report;

    CloneVm(Templating templating, Template template, CloneWorkflow.Restored restored) {
        this.templating = templating;
        this.template = template;
        this.restored = restored;
        this.report = restored.report();
        this.finished = new AtomicBoolean(restored.pending() == null);
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

    /**
     * @return the MAC of the hot-plugged NIC ({@link CloneOptions#nic()} or the network fix-up),
     *         or null when it has none (yet)
     */
    public String mac() {
        return restored.mac() != null ? restored.mac()
                : report.detail(NetworkFixUp.Result.class).map(NetworkFixUp.Result::mac).orElse(null);
    }

    /**
     * @return the clone's guest agent client (which answered before the clone was handed out,
     *         unless {@link CloneOptions#awaitAgent()} was off), closed with the clone; never null
     * @throws IllegalStateException when the template's description has no agent channel
     */
    public GuestAgentClient agent() {
        return restored.process().guestAgent().orElseThrow(() -> new IllegalStateException("clone " + name()
                + " has no guest agent channel; build the template's description with "
                + "VmDescription.builder().guestAgent(true)"));
    }

    /**
     * @return the clone's own qcow2 overlay of each template disk, by disk id, in its work
     *         directory (deleted by {@link #close()} unless {@link CloneOptions#keepDisks()});
     *         never null, empty without disks
     */
    public Map<String, Path> disks() {
        return restored.disks();
    }

    /**
     * @return how the readiness wait and the fix-ups went; for a clone still waiting paused,
     *         a report with {@link CloneReport#pending()} set; never null
     */
    public CloneReport report() {
        return report;
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
     * @return spawn to handed out: running, its agent answered, its fix-ups done (for a clone
     *         left paused, spawn to restored); never null
     */
    public Duration spawnToReady() {
        return restored.spawnToReady();
    }

    /**
     * Resumes a paused clone ({@code cont}). Does nothing visible on a running one. The first
     * resume of a clone started paused also waits for its guest agent and runs its fix-ups, as
     * a start with {@link CloneOptions#resume()} does, and fills {@link #report()}.
     *
     * @return how long it took: the {@code cont} round trip, plus the agent and the fix-ups on the
     *         first resume of a paused clone; never null
     * @throws CloneRestoreException when the agent did not answer or a fix-up failed the clone
     *         (then the clone is stopped, as a failed start is)
     */
    public Duration resume() {
        return resume(null);
    }

    /**
     * As {@link #resume()}, for a pool.
     *
     * @param contAnswered runs once QEMU answered {@code cont} (or it failed), on the thread that
     *                     completes the reply, before the agent and the fix-ups; null for nothing
     * @return how long it took
     */
    Duration resume(Runnable contAnswered) {
        long t0 = System.nanoTime();
        if (finished.compareAndSet(false, true)) {
            report = restored.pending().resume(contAnswered);
        } else {
            CompletableFuture<JsonNode> cont = qmp().execute("cont");
            if (contAnswered != null) {
                cont.whenComplete((reply, error) -> contAnswered.run());
            }
            Futures.await(cont);
        }
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
