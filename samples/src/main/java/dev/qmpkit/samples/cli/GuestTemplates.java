package dev.qmpkit.samples.cli;

import dev.qmpkit.qmp.agent.BlockingGuestAgent;
import dev.qmpkit.qmp.agent.ExecRequest;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.MemoryUsage;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * The templating steps the {@code demo}, {@code template create} and {@code template clone}
 * commands share, with their progress lines: choose the guest and accelerator, boot and save a
 * template, start clones at once.
 */
public final class GuestTemplates {

    private GuestTemplates() {
    }

    /**
     * A saved template and what was measured making it.
     *
     * @param template the template; never null
     * @param coldBootMs QEMU start to the guest's READY line
     * @param saveTotalMs the whole save
     * @param counter the guest's last counter before the save, or -1
     * @param vmgenid the template's vmgenid GUID, or null
     * @param memory the cold-booted VM's memory just before the save; never null
     */
    public record Created(Template template, double coldBootMs, double saveTotalMs, long counter, String vmgenid,
                          MemoryUsage memory) {
    }

    /**
     * Resolves {@code --accel}; asking for KVM where it is unusable falls back to TCG with a note.
     *
     * @param name {@code tcg}, {@code kvm} or {@code auto}; never null
     * @param kvmUsable whether {@code /dev/kvm} can be used here
     * @param progress where the note goes; never null
     * @return the accelerator to use, never {@link Accel#AUTO}
     */
    public static Accel accel(String name, boolean kvmUsable, Progress progress) {
        Accel accel = Accel.valueOf(name.toUpperCase(Locale.ROOT));
        if (accel == Accel.KVM && !kvmUsable) {
            progress.note("KVM is not usable here (/dev/kvm is missing or not readable and writable): using TCG. "
                    + "To use KVM, enable virtualisation in the firmware, load kvm_intel or kvm_amd, and add your "
                    + "user to the 'kvm' group.");
            return Accel.TCG;
        }
        return accel == Accel.AUTO ? (kvmUsable ? Accel.KVM : Accel.TCG) : accel;
    }

    /**
     * @param name as {@link #accel(String, boolean, Progress)}, with KVM usability probed here
     * @param progress where a note goes; never null
     * @return the accelerator to use
     */
    static Accel accel(String name, Progress progress) {
        return accel(name, Accel.AUTO.resolve() == Accel.KVM, progress);
    }

    /**
     * @param guest {@code builtin} or {@code linux}
     * @param dir where the built-in kernel is written
     * @param cacheDir where the Linux guest is cached
     * @param progress progress lines
     * @return how the guest boots
     */
    static Boot guestBoot(String guest, Path dir, Path cacheDir, Progress progress) throws Exception {
        if (guest.equals("linux")) {
            return linuxGuest(cacheDir, progress).boot();
        }
        return Boot.kernel(BuiltinGuest.writeKernel(dir));
    }

    /** @return Debian's 6.12 cloud kernel, busybox and qemu-ga in an initramfs, and a data disk, built once into the cache */
    static LinuxGuest linuxGuest(Path cacheDir, Progress progress) throws Exception {
        return LinuxGuest.builder().cacheDir(cacheDir).progress(progress::step).build();
    }

    /** @return how long the guest may take to boot: a Linux kernel takes about 3 s under TCG, more on a busy machine */
    static Duration guestTimeout(String guest) {
        return Duration.ofSeconds(guest.equals("linux") ? 90 : 30);
    }

    /** Boots the template, waits until its guest counts, measures it, and saves it. */
    static Created create(Templating templating, QemuBinary qemu, VmDescription description, Path dir,
                          Duration bootTimeout, Progress progress) throws Exception {
        long t0 = System.nanoTime();
        try (TemplateVm vm = templating.startTemplate(qemu, description, dir, listener(progress))) {
            // Cold boot: from starting QEMU to the guest's READY line.
            awaitGuest(vm.serialLog(), SerialLog::ready, bootTimeout, "print READY");
            double coldBootMs = ms(System.nanoTime() - t0);
            progress.step("template booted: READY after %.0f ms", coldBootMs);
            // Let it count a little, so the clones have a counter to continue from.
            awaitGuest(vm.serialLog(), l -> l.counts().size() >= 2, bootTimeout, "count");
            if (description.guestAgent()) {
                BlockingGuestAgent agent = vm.agent().blocking();
                agent.awaitAgent(bootTimeout);
                // Saved with a seeded RNG, the clones' kernels have something to reseed at the fork.
                agent.exec(ExecRequest.of("head", "-c", "1", "/dev/random"));
                progress.step("template's guest agent answered %.0f ms after QEMU started; its RNG is seeded",
                        ms(System.nanoTime() - t0));
            }
            // What a cold-booted VM of this guest costs, to compare the clones with.
            MemoryUsage memory = MemoryUsage.ofPid(vm.process().pid());
            long s0 = System.nanoTime();
            Template template = vm.save(listener(progress));
            double saveTotalMs = ms(System.nanoTime() - s0);
            long counter = lastCounter(vm.serialLog());
            TemplateManifest m = template.manifest();
            progress.step("template saved: migrate %d ms, %d bytes of device state, %.0f ms in total "
                    + "(with fsync; the RAM checksum follows in the background); counter stood at %d", m.state().saveMillis(), m.state().sizeBytes(),
                    saveTotalMs, counter);
            return new Created(template, coldBootMs, saveTotalMs, counter,
                    vm.vmgenid() == null ? null : vm.vmgenid().toString(), memory);
        }
    }

    /**
     * Starts {@code count} clones concurrently; if any fails, stops the others and rethrows.
     * Each clone's files (serial log) go to a private folder in the system temp folder, deleted
     * when it stops.
     */
    static List<CloneVm> startClones(Template template, int count, Progress progress, QemuBinary qemu)
            throws Exception {
        return startClones(template, count, progress, CloneOptions.builder().binary(qemu).build(), null);
    }

    /**
     * As {@link #startClones(Template, int, Progress, QemuBinary)}, with the given options; with
     * {@code firstExecMs}, each clone's first command ({@link ForkProof#firstExec}) runs as soon as
     * it is handed out, and the time from calling {@code startClone()} to its result is put there
     * by clone name.
     */
    static List<CloneVm> startClones(Template template, int count, Progress progress, CloneOptions options,
                                     Map<String, Double> firstExecMs) throws Exception {
        progress.step("starting %d clones at once", count);
        ExecutorService pool = Executors.newFixedThreadPool(count);
        List<Future<CloneVm>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(pool.submit(() -> {
                long t0 = System.nanoTime();
                CloneVm c = template.startClone(options);
                if (firstExecMs != null) {
                    try {
                        ForkProof.firstExec(c);
                    } catch (RuntimeException e) {
                        c.close();
                        throw e;
                    }
                    firstExecMs.put(c.name(), CloneProof.round(ms(System.nanoTime() - t0)));
                }
                return c;
            }));
        }
        pool.shutdown();
        List<CloneVm> clones = new ArrayList<>();
        Exception failure = null;
        for (Future<CloneVm> f : futures) {
            try {
                CloneVm c = f.get();
                clones.add(c);
                progress.step("%s running: pid %d, %.1f ms from spawn (launch %d ms, restore %d ms)", c.name(),
                        c.pid(), ms(c.spawnToRunning().toNanos()), c.launchTime().toMillis(),
                        c.restoreTime().toMillis());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof Exception ex ? ex : e;
                }
            }
        }
        if (failure != null) {
            clones.forEach(CloneVm::close);
            throw failure;
        }
        // Names carry the start order (clone-1, clone-2, ...): list them that way.
        clones.sort(Comparator.comparingInt((CloneVm c) -> c.name().length()).thenComparing(CloneVm::name));
        return clones;
    }

    /** @return whether the template's RAM files still have the checksums recorded at save */
    static boolean ramFilesMatchManifest(Template template) {
        try {
            template.verifyRamFiles();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** @return the last counter in a serial log, or -1 */
    static long lastCounter(Path serialLog) throws IOException {
        return serialLog == null || !Files.exists(serialLog) ? -1 : SerialLog.read(serialLog).lastCount().orElse(-1);
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static void awaitGuest(Path serialLog, Predicate<SerialLog> condition, Duration timeout, String what)
            throws IOException, InterruptedException {
        try {
            SerialLog.await(serialLog, condition, timeout);
        } catch (IllegalStateException e) {
            throw new CliFailure("the template's guest did not " + what + ": " + e.getMessage(),
                    "with --accel kvm on nested virtualisation guests can hang: use --accel tcg", e);
        }
    }

    private static ProgressListener listener(Progress progress) {
        return new ProgressListener() {
            @Override
            public void stepFinished(Step step, String vmName, Duration took) {
                if (step == Step.TEMPLATE_LAUNCH || step == Step.SAVE_STATE || step == Step.CHECKSUM
                        || step == Step.READINESS_CHECK) {
                    progress.step("%s: %s done in %d ms", vmName, step.name().toLowerCase(Locale.ROOT).replace('_', ' '),
                            took.toMillis());
                }
            }
        };
    }
}
