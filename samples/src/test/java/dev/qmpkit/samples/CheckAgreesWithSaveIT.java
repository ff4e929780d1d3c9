package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.testing.TestQemus;
import dev.qmpkit.templating.Accel;
import dev.qmpkit.templating.Boot;
import dev.qmpkit.templating.ProgressListener;
import dev.qmpkit.templating.SaveOptions;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateNotReadyException;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.SerialLog;
import dev.qmpkit.templating.inspect.Finding;
import dev.qmpkit.templating.inspect.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./qmpkit check} and {@code TemplateVm.save()} give the same verdict on the same running
 * VM (issue 10): template VMs started by the SDK with a second QMP monitor for {@code check},
 * which runs first (it only reads); then the save. Ready means exit 0 and a saved template whose
 * recorded warnings are the warnings {@code check} printed; not ready means exit 1 and a
 * {@link TemplateNotReadyException} with the same errors. Real QEMU 10.0 and 7.2, the built-in
 * guest, and the Linux guest for a balloon its driver inflated.
 */
class CheckAgreesWithSaveIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final long MIB = 1L << 20;

    @TempDir
    Path tmp;

    /** One VM: how to describe it, what to do to it once READY, and whether shared MACs are accepted. */
    record Case(String name, boolean linux, List<String> extraArgs, Map<String, Object> balloon,
                Map<String, Object> capability, boolean acceptSharedMacs, boolean ready) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        List<String> nic = List.of("-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=nic0,romfile=");
        List<Case> cases = List.of(
                new Case("the SDK's own template", false, List.of(), null, null, false, true),
                new Case("a NIC", false, nic, null, null, false, false),
                new Case("a NIC, shared MACs accepted", false, nic, null, null, true, true),
                new Case("a shared UUID and no vmgenid", false, List.of("-uuid", "5b9d3c3e-4e0f-4a4a-8b1e-0c6a1f4d2e7a"), null,
                        null, false, true),
                new Case("a balloon", false, List.of("-device", "virtio-balloon-pci,id=b0"), null, null, false, true),
                new Case("a balloon with free page reporting", false,
                        List.of("-device", "virtio-balloon-pci,id=b0,free-page-reporting=on"), null, null, false, false),
                new Case("release-ram set by another client", false, List.of(), null, Map.of("capabilities",
                        List.of(Map.of("capability", "release-ram", "state", true))), false, false),
                new Case("a balloon the guest driver inflated", true,
                        List.of("-device", "virtio-balloon-pci,id=b0,romfile="), Map.of("value", 128 * MIB), null,
                        false, false));
        return TestQemus.all().stream().flatMap(q -> cases.stream().map(c -> Arguments.of(c, q)));
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void checkAndSaveGiveTheSameVerdict(Case c, QemuBinary qemu) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("vm" + RUNS.incrementAndGet()));
        Path socket = dir.resolve("check.sock");
        // The launcher keeps -qmp and -mon for its own monitor; a config file adds the second one.
        Path config = Files.writeString(dir.resolve("check-monitor.cfg"), "[chardev \"check\"]\n"
                + "  backend = \"socket\"\n  path = \"" + socket + "\"\n  server = \"on\"\n  wait = \"off\"\n\n"
                + "[mon \"check\"]\n  mode = \"control\"\n  chardev = \"check\"\n");
        List<String> extra = new ArrayList<>(List.of("-readconfig", config.toString()));
        extra.addAll(c.extraArgs());
        Boot boot = c.linux() ? LinuxGuest.builder().module("virtio_balloon").build().boot()
                : Boot.kernel(BuiltinGuest.writeKernel(dir));
        VmDescription d = VmDescription.builder().accel(Accel.TCG).ram((c.linux() ? 256 : 64) * MIB).boot(boot)
                .vmgenid(!c.name().contains("no vmgenid")).extraArgs(extra.toArray(String[]::new)).build();
        try (TemplateVm vm = TemplateVm.start(qemu, d, dir.resolve("template"))) {
            SerialLog.awaitReady(vm.serialLog(), Duration.ofSeconds(120));
            if (c.capability() != null) {
                qmpkit("qmp", "--socket", socket.toString(), "migrate-set-capabilities",
                        JSON.writeValueAsString(c.capability()));
            }
            if (c.balloon() != null) {
                qmpkit("qmp", "--socket", socket.toString(), "balloon", JSON.writeValueAsString(c.balloon()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (vm.qmp().blocking().execute("query-balloon").path("actual").asLong() > 128 * MIB) {
                    assertThat(System.nanoTime()).as("the guest driver inflates the balloon").isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
            Path json = dir.resolve("check.json");
            List<String> args = new ArrayList<>(List.of("check", "--socket", socket.toString(), "--json",
                    json.toString()));
            if (c.acceptSharedMacs()) {
                args.add("--accept-shared-macs");
            }
            CliRun check = CliRun.of(args.toArray(String[]::new));
            System.out.printf("[%s] %s: %s", vm.process().version(), c.name(), check.out());
            JsonNode report = JSON.readTree(json.toFile());
            assertThat(check.exitCode()).as(check.toString()).isEqualTo(c.ready() ? 0 : 1);

            List<Finding> warned = new CopyOnWriteArrayList<>();
            SaveOptions options = SaveOptions.builder().acceptSharedMacs(c.acceptSharedMacs())
                    .listener(new ProgressListener() {
                        @Override
                        public void warning(Step step, String vmName, Finding warning) {
                            warned.add(warning);
                        }
                    }).build();
            Set<String> saveErrors = new TreeSet<>();
            Template saved = null;
            try {
                saved = vm.save(options);
            } catch (TemplateNotReadyException e) {
                e.report().findings(Severity.ERROR).forEach(f -> saveErrors.add(f.code() + " " + f.subject()));
            }
            assertThat(saved != null).as("save() succeeded, as check's exit code %d says", check.exitCode())
                    .isEqualTo(check.exitCode() == 0);
            assertThat(saveErrors).as("save's errors are check's").isEqualTo(codes(report, "ERROR"));
            if (saved != null) {
                assertThat(codes(warned)).as("the save's warnings are check's").isEqualTo(codes(report, "WARNING"));
                assertThat(codes(saved.manifest().warnings())).as("and recorded").isEqualTo(codes(report, "WARNING"));
            }
        }
    }

    private static Set<String> codes(JsonNode report, String severity) {
        Set<String> codes = new TreeSet<>();
        for (JsonNode f : report.path("findings")) {
            if (f.path("severity").asText().equals(severity)) {
                codes.add(f.path("code").asText() + " " + f.path("subject").asText());
            }
        }
        return codes;
    }

    private static Set<String> codes(List<Finding> findings) {
        Set<String> codes = new TreeSet<>();
        findings.forEach(f -> codes.add(f.code() + " " + f.subject()));
        return codes;
    }

    private static void qmpkit(String... args) {
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.toString()).isZero();
    }
}
