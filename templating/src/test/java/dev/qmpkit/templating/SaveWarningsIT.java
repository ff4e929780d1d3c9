package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.FindingCode;
import dev.qmpkit.templating.inspect.Severity;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code save()} no longer drops the readiness check's warnings (issue 10, item 4): each one
 * reaches the progress listener and the log and is recorded in the manifest, and a NIC in the
 * template, whose MAC every clone would get, is refused unless the caller accepts shared MACs.
 * Real QEMU 10.0 and 7.2 with the built-in guest.
 */
class SaveWarningsIT {

    private static final Duration BOOT = Duration.ofSeconds(30);
    private static final String UUID = "5b9d3c3e-4e0f-4a4a-8b1e-0c6a1f4d2e7a";

    @TempDir
    Path tmp;

    /** Collects what a save or a clone reports as warnings. */
    private static final class Warnings implements ProgressListener {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void warning(Step step, String vmName, Finding warning) {
            assertThat(warning.severity()).isEqualTo(Severity.WARNING);
            seen.add(step + " " + warning.code());
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aNicInTheTemplateIsRefused_unlessSharedMacsAreAccepted_thenItIsAWarningInListenerLogAndManifest(
            QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        // romfile= : the unpacked 7.2 has no iPXE ROMs.
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(64L << 20).boot(Boot.kernel(kernel))
                .extraArgs("-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=nic0,romfile=").build();
        Path dir = tmp.resolve("nic");
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            assertThatThrownBy(vm::save).isInstanceOfSatisfying(TemplateNotReadyException.class, e -> {
                Finding nic = e.report().findings(FindingCode.NIC_MAC_SHARED).get(0);
                assertThat(nic.severity()).isEqualTo(Severity.ERROR);
                assertThat(nic.subject()).isEqualTo("nic0");
                assertThat(nic.fix()).startsWith("Remove `-device virtio-net-pci,id=nic0`")
                        .contains("SaveOptions.acceptSharedMacs(true)");
            }).hasMessageContaining("every clone gets the same MAC");
            assertThat(vm.process().isAlive()).as("nothing was changed: the caller may decide").isTrue();
            assertThat(dir.resolve(TemplateManifest.FILE_NAME)).doesNotExist();

            Warnings listener = new Warnings();
            String[] log = new String[1];
            t = captureStderr(log, () -> vm.save(SaveOptions.builder().listener(listener).acceptSharedMacs(true)
                    .build()));
            assertThat(listener.seen).containsExactly("READINESS_CHECK NIC_MAC_SHARED");
            assertThat(log[0]).containsPattern("WARN .*template " + java.util.regex.Pattern.quote(dir.toString())
                    + " \\(QEMU .*\\) is saved with a warning: WARNING NIC_MAC_SHARED \\[nic0\\]");
        }
        assertThat(t.manifest().warnings()).extracting(Finding::code, Finding::severity)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(FindingCode.NIC_MAC_SHARED, Severity.WARNING));
        // Recorded under the fingerprint: the directory opens, with the same warnings.
        assertThat(Template.open(dir).manifest().warnings()).isEqualTo(t.manifest().warnings());
        String mac = t.manifest().warnings().get(0).problem().replaceAll(".*with MAC (\\S+):.*", "$1");
        try (CloneVm c = t.startClone()) {
            assertThat(c.qmp().commands().humanMonitorCommand("info network").join())
                    .as("what was accepted: the clone has the template's MAC").contains(mac);
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aSharedUuidAndNoVmgenidAreWarnedInListenerLogAndManifest_andTheClonesWarningsReachItsListener(
            QemuBinary qemu) throws Exception {
        Path kernel = BuiltinGuest.writeKernel(tmp);
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram(64L << 20).boot(Boot.kernel(kernel))
                .vmgenid(false).extraArgs("-uuid", UUID).build();
        Path dir = tmp.resolve("uuid");
        Warnings listener = new Warnings();
        String[] log = new String[1];
        Template t;
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir)) {
            SerialLog.awaitReady(vm.serialLog(), BOOT);
            t = captureStderr(log, () -> vm.save(SaveOptions.builder().listener(listener).build()));
        }
        assertThat(listener.seen).containsExactlyInAnyOrder("READINESS_CHECK UUID_SHARED",
                "READINESS_CHECK VMGENID_MISSING");
        assertThat(log[0]).contains("is saved with a warning: WARNING UUID_SHARED [" + UUID + "]")
                .contains("is saved with a warning: WARNING VMGENID_MISSING");
        assertThat(Template.open(dir).manifest().warnings()).extracting(Finding::code)
                .containsExactlyInAnyOrder(FindingCode.UUID_SHARED, FindingCode.VMGENID_MISSING);

        Warnings cloneListener = new Warnings();
        // The description's -uuid is the clone's too: no second one.
        try (CloneVm c = t.startClone(CloneOptions.builder().freshUuid(false).listener(cloneListener).build())) {
            assertThat(c.isAlive()).isTrue();
        }
        assertThat(cloneListener.seen).contains("CLONE_CHECK VMGENID_MISSING");
    }

    /** slf4j-simple writes to whatever System.err is at the time of each log call. */
    private static synchronized <T> T captureStderr(String[] into, Callable<T> work) throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            return work.call();
        } finally {
            System.setErr(old);
            into[0] = buf.toString(StandardCharsets.UTF_8);
            old.print(into[0]);
        }
    }
}
