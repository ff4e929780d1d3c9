package dev.qmpkit.samples.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 * @param bareBurstMs reference: as many bare {@code qemu -M none} started at once (before the
 *                    clones), from the start until the last one's QMP monitor was negotiated
 * @param clones one entry per clone; never null
 * @param allClonesAlive whether every clone demonstrably ran on from the template's state
 * @param templateFileUnchanged whether the template's RAM file has the same SHA-256 after the
 *                              clones ran as before they started (and as recorded at save)
 * @param templateAgeSeconds how long the demo waited between the save and the clones ({@code --template-age})
 * @param templateDisksUnchanged whether the template's disk layers have the checksums recorded at
 *                               save after the clones wrote their disks; null for a guest without disks
 * @param identitiesDistinct whether every clone's MAC, host name, machine id and {@code /dev/urandom}
 *                           read differ from every other clone's; null for a guest without an agent
 */
public record DemoReport(Qemu qemu, String guest, String accel, TemplateInfo template, double coldBootMs,
                         double bareQemuStartMs, double clonesStartWallMs, double bareBurstMs, List<CloneInfo> clones,
                         boolean allClonesAlive, boolean templateFileUnchanged, int templateAgeSeconds,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Boolean templateDisksUnchanged,
                         @JsonInclude(JsonInclude.Include.NON_NULL) Boolean identitiesDistinct) {

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
     * @param saveTotalMs the whole save: stop, migrate, quit, fsync, state checksum, manifest (the RAM
     *                    checksum is recorded in the background afterwards)
     * @param stateBytes size of the device-state file
     * @param ramFileSha256 SHA-256 of the RAM file as recorded after the save, or null when none
     *                      could be recorded (the file changed)
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
     * @param firstExecMs from calling {@code startClone()} to the result of the first {@code exec}
     *                    through its guest agent (readiness wait and fix-ups included); null for a guest
     *                    without an agent
     * @param identity what makes the clone's guest its own; null for a guest without an agent
     * @param network its NIC's address and whether it reached the host; null without the network fix-up
     * @param disk whether its disk writes stayed its own; null for a guest without disks
     */
    public record CloneInfo(String name, double startMs, boolean alive, long pid, long firstCounter,
                            long lastCounter, long rssKiB, long pssKiB, long privateKiB, long sharedKiB,
                            String vmgenid, String confinement,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Double firstExecMs,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Identity identity,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Network network,
                            @JsonInclude(JsonInclude.Include.NON_NULL) DiskCheck disk) {

        /**
         * @param fork what {@code ForkProof} found in the clone's guest; never null
         * @return this entry with the fork proof's fields set
         */
        CloneInfo with(ForkProof.Found fork) {
            return new CloneInfo(name, startMs, alive, pid, firstCounter, lastCounter, rssKiB, pssKiB, privateKiB,
                    sharedKiB, vmgenid, confinement, fork.firstExecMs(), fork.identity(), fork.network(), fork.disk());
        }
    }

    /**
     * What makes a clone's guest its own, read through its guest agent after the fix-ups.
     *
     * @param mac its NIC's MAC, from the host's allocator; null without a NIC
     * @param hostname the guest's host name; never null
     * @param machineId the guest's {@code /etc/machine-id}; never null
     * @param urandomSha256 SHA-256 of 1 KiB read from the guest's {@code /dev/urandom}; never null
     * @param clockSkewBeforeMs the guest's clock minus the host's when it resumed (the save's
     *                          time); null without the clock fix-up
     * @param clockSkewAfterMs the same after the clock fix-up set it; null without it
     * @param reseeded whether the guest's RNG reseeded after the fork (the kernel's vmgenid message,
     *                 or a reseed the entropy fix-up forced); null without the entropy fix-up
     */
    public record Identity(String mac, String hostname, String machineId, String urandomSha256,
                           Long clockSkewBeforeMs, Long clockSkewAfterMs, Boolean reseeded) {
    }

    /**
     * @param ip the guest's IPv4 address with its prefix, as the network fix-up configured it; null when unknown
     * @param fetchedFromHost whether the guest fetched the page the demo serves on the host's
     *                        loopback, through 10.0.2.2, with the content the demo served it
     */
    public record Network(String ip, boolean fetchedFromHost) {
    }

    /**
     * @param writePrivate whether the file the clone wrote on its data disk read back in it and no
     *                     sibling saw it; null when the clone has no sibling to ask
     */
    public record DiskCheck(Boolean writePrivate) {
    }
}
