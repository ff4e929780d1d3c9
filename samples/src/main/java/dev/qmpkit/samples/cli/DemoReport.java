package dev.qmpkit.samples.cli;

import java.util.List;
import java.util.Objects;

/**
 * The machine-readable summary {@code demo --json FILE} writes (and {@code template clone
 * --json FILE} writes its {@link #clones()} part of). Times are milliseconds, sizes bytes or
 * KiB as named.
 *
 * @param qemu the QEMU that ran everything; never null
 * @param guest {@code builtin} or {@code linux}; never null
 * @param accel the accelerator used, {@code tcg} or {@code kvm}; never null
 * @param template the saved template; never null
 * @param coldBootMs QEMU start to the guest's READY line on the serial port
 * @param bareQemuStartMs reference: spawn of {@code qemu -M none} to a negotiated QMP monitor (median of 3)
 * @param clonesStartWallMs from starting all clones at once until the last one ran
 * @param clones one entry per clone; never null
 * @param allClonesAlive whether every clone demonstrably ran on from the template's state
 * @param templateFileUnchanged whether the template's RAM file has the same SHA-256 after the
 *                              clones ran as before they started (and as recorded at save)
 */
public record DemoReport(Qemu qemu, String guest, String accel, TemplateInfo template, double coldBootMs,
                         double bareQemuStartMs, double clonesStartWallMs, List<CloneInfo> clones,
                         boolean allClonesAlive, boolean templateFileUnchanged) {

    /** Copies. */
    public DemoReport {
        Objects.requireNonNull(qemu, "qemu");
        Objects.requireNonNull(guest, "guest");
        Objects.requireNonNull(accel, "accel");
        Objects.requireNonNull(template, "template");
        clones = List.copyOf(clones);
    }

    /**
     * @param version e.g. {@code 10.0.2}; never null
     * @param binary the executable's path; never null
     */
    public record Qemu(String version, String binary) {
    }

    /**
     * @param memoryMiB guest RAM
     * @param saveMs how long QEMU took to write the device state ({@code migrate})
     * @param saveTotalMs the whole save: stop, migrate, quit, fsync, checksums, manifest
     * @param stateBytes size of the device-state file
     * @param ramFileSha256 SHA-256 of the RAM file after the save; never null
     * @param counter the guest's last printed counter before the save, or -1
     * @param vmgenid the template's vmgenid GUID, or null
     * @param pssKiB the cold-booted template's Pss just before the save, for comparison with the clones'
     * @param rssKiB the cold-booted template's Rss just before the save
     */
    public record TemplateInfo(int memoryMiB, double saveMs, double saveTotalMs, long stateBytes,
                               String ramFileSha256, long counter, String vmgenid, long pssKiB, long rssKiB) {
    }

    /**
     * @param name the clone's name; never null
     * @param startMs spawn of its QEMU to running ({@code cont} answered)
     * @param alive whether the guest ran on from the template's state: no READY (no reboot),
     *              first counter above the template's, and counting on
     * @param pid the QEMU process id
     * @param firstCounter the first counter the clone printed, or -1
     * @param lastCounter the last counter seen, or -1
     * @param rssKiB resident memory
     * @param pssKiB proportional memory (shared pages divided among their users)
     * @param privateKiB memory only this clone uses
     * @param sharedKiB memory shared with others (the template file's page cache)
     * @param vmgenid the clone's vmgenid GUID as QEMU reports it ({@code query-vm-generation-id}), or null
     * @param confinement how its QEMU is confined, and what that leaves open (CloneConfinement.summary())
     */
    public record CloneInfo(String name, double startMs, boolean alive, long pid, long firstCounter,
                            long lastCounter, long rssKiB, long pssKiB, long privateKiB, long sharedKiB,
                            String vmgenid, String confinement) {
    }
}
