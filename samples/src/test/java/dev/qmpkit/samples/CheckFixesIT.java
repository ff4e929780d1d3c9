package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuVersionProbe;
import dev.qmpkit.templating.inspect.PastedFix;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code ./qmpkit check} on the VMs of issue 10, started by hand on QEMU 10.0 and 7.2 the way a
 * user starts them: the verdict (exit code and READY / NOT READY), and the fix from
 * {@code --json} pasted as written, into the command line (QEMU started again) or, for a QMP fix,
 * into {@code ./qmpkit qmp}; then {@code check} again says READY.
 */
class CheckFixesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1L << 20;
    private static final AtomicInteger RUNS = new AtomicInteger();

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void discardDataOnATemplate_isNotReady_andTheFixPastedMakesItReady(QemuBinary qemu) throws Exception {
        List<String> vm = template("discard-data=on");
        String fix = notReady(qemu, vm, "template", "DISCARD_DATA");
        assertThat(fix).startsWith("Append `,discard-data=off` to `-object memory-backend-file,id=pc.ram`");
        readyAfterPasting(qemu, vm, "template", fix);
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void nonTransitionalBalloonInAClone_isNotReadyWhereTheTemplateFileIsWritable(QemuBinary qemu) throws Exception {
        List<String> vm = clone(qemu, "-device", "virtio-balloon-pci-non-transitional");
        if (hasRom(qemu)) {
            assertThat(check(qemu, vm, "clone").path("ready").asBoolean()).as("read-only template file").isTrue();
            return;
        }
        String fix = notReady(qemu, vm, "clone", "BALLOON_WITH_WRITABLE_FILE");
        readyAfterPasting(qemu, vm, "clone", fix);
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void virtioMemHotPluggedIntoAClone_isReady_butOnATemplateFileItIsNot(QemuBinary qemu) throws Exception {
        List<String> recipe = withMemory(clone(qemu, "-device", "pcie-root-port,id=port1,chassis=9,slot=0",
                "-object", "memory-backend-ram,id=vmem-mem,size=" + 128 * MIB), "128M,maxmem=512M");
        Path dir = Files.createDirectory(tmp.resolve("hotplug" + RUNS.incrementAndGet()));
        try (ExternalQemu q = ExternalQemu.start(qemu, dir, recipe.toArray(String[]::new))) {
            q.control().blocking().execute("device_add", Map.of("driver", "virtio-mem-pci", "id", "vmem0",
                    "memdev", "vmem-mem", "bus", "port1", "requested-size", 0));
            Path json = dir.resolve("report.json");
            CliRun run = CliRun.of("check", "--socket", q.socket().toString(), "--role", "clone", "--json",
                    json.toString());
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("INFO    VIRTIO_MEM").contains("follows the guide's recipe");
        }
        List<String> onTemplateFile = withMemory(clone(qemu, "-object", "memory-backend-file,id=vmem-mem,size="
                + 128 * MIB + ",mem-path=" + tmp.resolve("vmem" + RUNS.incrementAndGet() + ".ram") + ",share=off",
                "-device", "virtio-mem-pci,id=vmem0,memdev=vmem-mem,requested-size=0"), "128M,maxmem=512M");
        String fix = notReady(qemu, onTemplateFile, "clone", "VIRTIO_MEM");
        readyAfterPasting(qemu, onTemplateFile, "clone", fix);
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void releaseRamOnATemplate_isNotReady_andTheQmpFixThroughQmpkitQmpMakesItReady(QemuBinary qemu)
            throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("release" + RUNS.incrementAndGet()));
        try (ExternalQemu q = ExternalQemu.start(qemu, dir, template().toArray(String[]::new))) {
            q.control().blocking().execute("migrate-set-capabilities", Map.of("capabilities",
                    List.of(Map.of("capability", "release-ram", "state", true))));
            JsonNode report = checkJson(q, "template", 1);
            String fix = fixOf(report, "RELEASE_RAM", "ERROR");
            assertThat(PastedFix.parse(fix).orElseThrow().isQmp()).isTrue();
            JsonNode message = JSON.readTree(fix.substring(fix.indexOf('`') + 1, fix.indexOf('`', fix.indexOf('`') + 1)));
            CliRun sent = CliRun.of("qmp", "--socket", q.socket().toString(), message.path("execute").asText(),
                    message.path("arguments").toString());
            assertThat(sent.exitCode()).as(sent.toString()).isZero();
            assertThat(checkJson(q, "template", 0).path("ready").asBoolean()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void ramThatIsNoNamedFile_getsTheTruthForThisQemu_andFixesThatWorkWhenPasted(QemuBinary qemu) throws Exception {
        boolean named = QemuVersionProbe.probe(qemu).version().atLeast(8, 1);
        // memory-backend-ram,share=on: 7.2's x-ignore-shared saves it nowhere, 8.1+ migrates it in full.
        List<String> shared = List.of("-M", "q35", "-m", "128M", "-S", "-object",
                "memory-backend-ram,id=ram0,size=" + 128 * MIB + ",share=on", "-machine", "memory-backend=ram0",
                "-device", "vmgenid");
        JsonNode report = check(qemu, shared, "template");
        String problem = findingOf(report, "RAM_NOT_FILE", "ERROR").path("problem").asText();
        if (named) {
            assertThat(problem).contains("still migrated in full").doesNotContain("nowhere");
        } else {
            assertThat(problem).contains("stores this RAM nowhere").doesNotContain("migrated in full");
        }
        readyAfterPasting(qemu, shared, "template", fixOf(report, "RAM_NOT_FILE", "ERROR"));

        // Plain -m: the fix adds the backend and -machine memory-backend= (QEMU refuses id pc.ram without it).
        List<String> plain = List.of("-M", "q35", "-m", "128M", "-S", "-device", "vmgenid");
        String addFix = notReady(qemu, plain, "template", "RAM_NOT_FILE");
        assertThat(addFix).contains("-machine memory-backend=pc.ram");
        readyAfterPasting(qemu, plain, "template", addFix);

        // -mem-path FILE: not 'set share=on', which -mem-path cannot take, but replace it.
        List<String> memPath = List.of("-M", "q35", "-m", "128M", "-S", "-mem-path",
                tmp.resolve("mem-path" + RUNS.incrementAndGet() + ".ram").toString(), "-device", "vmgenid");
        String replaceFix = notReady(qemu, memPath, "template", "RAM_MEM_PATH");
        assertThat(replaceFix).startsWith("Replace `-mem-path ").doesNotContain("Set share=on");
        readyAfterPasting(qemu, memPath, "template", replaceFix);

        // A clone on -mem-path: NOT READY on 7.2 too, where it used to pass as the 7.2 clone recipe.
        List<String> cloneMemPath = List.of("-M", "q35", "-m", "128M", "-S", "-mem-path",
                templateFile().toString(), "-device", "vmgenid");
        readyAfterPasting(qemu, cloneMemPath, "clone", notReady(qemu, cloneMemPath, "clone", "RAM_MEM_PATH"));
    }

    /** Checks the VM started with {@code args}; expects it NOT READY with an error {@code code}; returns its fix. */
    private String notReady(QemuBinary qemu, List<String> args, String role, String code) throws Exception {
        JsonNode report = check(qemu, args, role);
        assertThat(report.path("ready").asBoolean(true)).as(report.toPrettyString()).isFalse();
        return fixOf(report, code, "ERROR");
    }

    private void readyAfterPasting(QemuBinary qemu, List<String> args, String role, String fix) throws Exception {
        List<String> pasted = PastedFix.parse(fix).orElseThrow(() -> new AssertionError("not pasteable: " + fix))
                .applyTo(args, Map.of("FILE", tmp.resolve("new" + RUNS.incrementAndGet() + ".ram").toString(),
                        "TEMPLATE-FILE", templateFile().toString()));
        JsonNode after = check(qemu, pasted, role);
        assertThat(after.path("ready").asBoolean()).as("after pasting %s:%n%s", fix, after.toPrettyString()).isTrue();
    }

    private JsonNode check(QemuBinary qemu, List<String> args, String role) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("vm" + RUNS.incrementAndGet()));
        try (ExternalQemu q = ExternalQemu.start(qemu, dir, args.toArray(String[]::new))) {
            return checkJson(q, role, -1);
        }
    }

    /** Runs {@code ./qmpkit check}; the exit code must say what the report says. */
    private static JsonNode checkJson(ExternalQemu q, String role, int expectedExit) throws Exception {
        Path json = Files.createTempFile(q.socket().getParent(), "report", ".json");
        CliRun run = CliRun.of("check", "--socket", q.socket().toString(), "--role", role, "--json", json.toString());
        System.out.println(run.out());
        JsonNode report = JSON.readTree(json.toFile());
        boolean ready = report.path("ready").asBoolean();
        assertThat(run.exitCode()).as(run.toString()).isEqualTo(ready ? 0 : 1);
        assertThat(run.out()).contains(ready ? ": READY" : ": NOT READY");
        if (expectedExit >= 0) {
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(expectedExit);
        }
        return report;
    }

    private static JsonNode findingOf(JsonNode report, String code, String severity) {
        for (JsonNode f : report.path("findings")) {
            if (f.path("code").asText().equals(code) && f.path("severity").asText().equals(severity)) {
                return f;
            }
        }
        throw new AssertionError("no " + severity + " " + code + " in " + report.toPrettyString());
    }

    private static String fixOf(JsonNode report, String code, String severity) {
        return findingOf(report, code, severity).path("fix").asText();
    }

    private List<String> template(String... backendKeys) {
        String keys = backendKeys.length == 0 ? "" : "," + String.join(",", backendKeys);
        return List.of("-M", "q35", "-m", "128M", "-S", "-object", "memory-backend-file,id=pc.ram,size=" + 128 * MIB
                + ",mem-path=" + tmp.resolve("template" + RUNS.incrementAndGet() + ".ram") + ",share=on" + keys,
                "-machine", "memory-backend=pc.ram", "-device", "vmgenid");
    }

    private List<String> clone(QemuBinary qemu, String... more) throws Exception {
        List<String> args = new ArrayList<>(List.of("-M", "q35", "-m", "128M", "-S", "-object",
                "memory-backend-file,id=pc.ram,size=" + 128 * MIB + ",mem-path=" + templateFile() + ","
                        + (hasRom(qemu) ? "share=off,readonly=on,rom=off" : "share=off"),
                "-machine", "memory-backend=pc.ram", "-device", "vmgenid"));
        args.addAll(Arrays.asList(more));
        return args;
    }

    private static List<String> withMemory(List<String> args, String memory) {
        List<String> out = new ArrayList<>(args);
        out.set(out.indexOf("-m") + 1, memory);
        return out;
    }

    /** A 128 MiB file standing for a template's RAM (sparse). */
    private Path templateFile() throws Exception {
        Path f = tmp.resolve("from-template.ram");
        if (!Files.exists(f)) {
            try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
                r.setLength(128 * MIB);
            }
        }
        return f;
    }

    private static boolean hasRom(QemuBinary qemu) {
        return QemuVersionProbe.probe(qemu).version().atLeast(8, 2);
    }
}
