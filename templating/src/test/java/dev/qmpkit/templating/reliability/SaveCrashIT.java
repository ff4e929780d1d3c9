package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.ManifestCorruptException;
import dev.qmpkit.templating.Step;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateManifest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JVM doing a save is SIGKILLed at the start of every save step, on real QEMU 10.0 and
 * 7.2 (a child JVM, killed while it waits in the progress listener). Whatever the step, the
 * directory has no manifest and cannot be cloned from, and the template's QEMU does not
 * outlive the JVM.
 */
@Timeout(300)
class SaveCrashIT {

    private static final List<Step> SAVE_STEPS = List.of(Step.READINESS_CHECK, Step.STOP, Step.SET_CAPABILITIES,
            Step.SAVE_STATE, Step.QUIT_TEMPLATE, Step.MAKE_DURABLE, Step.CHECKSUM, Step.WRITE_MANIFEST);

    @TempDir
    Path tmp;

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void jvmKilledAtAnySaveStep_leavesNoManifest_andNoQemu(QemuBinary qemu) throws Exception {
        List<String> report = new ArrayList<>();
        for (Step step : SAVE_STEPS) {
            Path work = Files.createDirectories(tmp.resolve(step.name()));
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                            .toString(), "--add-opens", "java.base/java.io=ALL-UNNAMED", // as the README asks of users
                    "-cp", System.getProperty("java.class.path"), CrashingSaveMain.class.getName(),
                    step.name(), work.toString(), qemu.executable().toString()));
            qemu.firmwareDirs().forEach(d -> cmd.add(d.toString()));
            Process jvm = new ProcessBuilder(cmd).redirectError(work.resolve("child.err").toFile()).start();
            long qemuPid;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(jvm.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String first = out.readLine();
                assertThat(first).as("child stderr: %s", tail(work)).startsWith("QEMU ");
                qemuPid = Long.parseLong(first.substring(5).trim());
                assertThat(out.readLine()).as("child stderr: %s", tail(work)).isEqualTo("AT " + step);
                jvm.destroyForcibly(); // SIGKILL: no finally block, no shutdown hook runs
                assertThat(jvm.waitFor(20, TimeUnit.SECONDS)).isTrue();
            } finally {
                jvm.destroyForcibly();
            }
            long t0 = System.nanoTime();
            while (Resources.alive(qemuPid) && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
                Thread.sleep(20);
            }
            long goneMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(Resources.alive(qemuPid)).as("QEMU %d outlived the JVM killed at %s", qemuPid, step).isFalse();
            Path dir = work.resolve("template");
            assertThat(dir.resolve(TemplateManifest.FILE_NAME)).as("killed at %s", step).doesNotExist();
            assertThatThrownBy(() -> Template.open(dir)).as("killed at %s", step)
                    .isInstanceOf(ManifestCorruptException.class).hasMessageContaining("did not finish");
            TreeSet<String> left = new TreeSet<>();
            try (Stream<Path> files = Files.list(dir)) {
                files.forEach(f -> left.add(f.getFileName().toString()));
            }
            report.add(step + ": QEMU gone " + goneMillis + " ms after the JVM, left " + left);
        }
        System.out.printf("[%s] JVM SIGKILLed during save:%n  %s%n", qemu.executable(), String.join("\n  ", report));
    }

    private static String tail(Path work) {
        try {
            return Files.readString(work.resolve("child.err"));
        } catch (Exception e) {
            return "?";
        }
    }
}
