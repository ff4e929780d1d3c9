package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.testing.TestQemus;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SDK as a user gets it: {@code mvn install} puts {@code qmp-client} and {@code templating}
 * (with sources and javadoc jars) in the local repository, and a separate project that
 * depends only on those two artifacts compiles and runs against real QEMU. The project is
 * generated into a temp folder with no parent, so what is proven is the published jars and
 * their POMs (transitive dependencies included), not the reactor's classes.
 */
class InstalledArtifactsIT {
    private static final String VERSION = "0.1.0-SNAPSHOT";
    private static final Path M2 = Path.of(System.getProperty("user.home"), ".m2", "repository", "dev", "qmpkit");

    @TempDir
    static Path project;

    private static String classpath;

    @BeforeAll
    static void installTheSdkAndBuildAProjectOnIt() throws Exception {
        Path root = repoRoot();
        // Its own build folder, so it never races the build that runs this test.
        mvn(root, 900, "install", "-DskipTests", "-Dqmpkit.out=target-installit", "-pl", "qmp-client,templating",
                "-am");
        for (String artifact : List.of("qmp-client", "templating")) {
            Path dir = M2.resolve(artifact).resolve(VERSION);
            for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
                assertThat(dir.resolve(artifact + "-" + VERSION + suffix)).as("installed " + artifact + suffix)
                        .isNotEmptyFile();
            }
        }
        writeProject(project);
        mvn(project, 600, "compile", "dependency:build-classpath", "-Dmdep.outputFile=cp.txt");
        classpath = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("cp.txt")).strip();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aProjectUsingOnlyTheInstalledJarsTalksToQemu(QemuBinary qemu) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-cp", classpath, "Hello",
                qemu.executable().toString()));
        qemu.firmwareDirs().forEach(d -> cmd.add(d.toString()));
        Result r = run(cmd, project, 120);
        assertThat(r.code()).as(r.output()).isZero();
        String version = dev.qmpkit.qmp.launch.QemuVersionProbe.probe(qemu).version().toString();
        assertThat(r.output()).contains("QEMU " + version).contains("status: running").contains("stopped at 20")
                .contains("templating: q35, 64 MiB, kernel qmpkit-counter-guest.bin");
        // The classpath is the local repository's jars, never the reactor's build folders.
        assertThat(classpath).contains(M2.resolve("qmp-client").toString())
                .doesNotContain(repoRoot().resolve("qmp-client").toString());
    }

    private static void writeProject(Path dir) throws IOException {
        Files.writeString(dir.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>example</groupId>
                  <artifactId>uses-qmpkit</artifactId>
                  <version>1.0</version>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <dependencies>
                    <dependency>
                      <groupId>dev.qmpkit</groupId>
                      <artifactId>qmp-client</artifactId>
                      <version>%1$s</version>
                    </dependency>
                    <dependency>
                      <groupId>dev.qmpkit</groupId>
                      <artifactId>templating</artifactId>
                      <version>%1$s</version>
                    </dependency>
                  </dependencies>
                  <build>
                    <plugins>
                      <plugin><artifactId>maven-resources-plugin</artifactId><version>3.5.0</version></plugin>
                      <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
                      <plugin><artifactId>maven-dependency-plugin</artifactId><version>3.9.0</version></plugin>
                    </plugins>
                  </build>
                </project>
                """.formatted(VERSION));
        Path src = Files.createDirectories(dir.resolve("src/main/java"));
        // The README's ten-line example, plus one templating call to prove that jar resolves too.
        Files.writeString(src.resolve("Hello.java"), """
                import dev.qmpkit.qmp.QmpEvent;
                import dev.qmpkit.qmp.launch.QemuBinary;
                import dev.qmpkit.qmp.launch.QemuLauncher;
                import dev.qmpkit.qmp.launch.QemuProcess;
                import dev.qmpkit.templating.Boot;
                import dev.qmpkit.templating.VmDescription;
                import dev.qmpkit.templating.guest.BuiltinGuest;
                import java.nio.file.Files;
                import java.nio.file.Path;
                import java.time.Duration;
                import java.util.ArrayList;
                import java.util.concurrent.CompletableFuture;
                import java.util.List;

                public class Hello {
                    public static void main(String[] args) throws Exception {
                        List<Path> firmware = new ArrayList<>();
                        for (int i = 1; i < args.length; i++) firmware.add(Path.of(args[i]));
                        QemuBinary qemu = new QemuBinary(Path.of(args[0]), firmware);
                        try (QemuProcess vm = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").build().start()) {
                            System.out.println("QEMU " + vm.qmp().qemuVersion());
                            System.out.println("status: " + vm.qmp().blocking().execute("query-status").path("status").asText());
                            CompletableFuture<QmpEvent> stopped = vm.qmp().awaitEvent("STOP", null, Duration.ofSeconds(5));
                            vm.qmp().execute("stop").join();
                            System.out.println("stopped at " + stopped.join().timestamp());
                        }
                        Path kernel = BuiltinGuest.writeKernel(Files.createTempDirectory("hello"));
                        VmDescription d = VmDescription.builder().ram(64L << 20).boot(Boot.kernel(kernel)).build();
                        System.out.println("templating: " + d.machineType() + ", " + (d.bootRamBytes() >> 20)
                                + " MiB, kernel " + kernel.getFileName());
                        Files.delete(kernel);
                        Files.delete(kernel.getParent());
                    }
                }
                """);
    }

    /** Offline first (everything is in ~/.m2 after the main build); online only if a plugin is missing. */
    private static void mvn(Path dir, long timeoutSeconds, String... goals) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-ntp", "-o"));
        cmd.addAll(List.of(goals));
        Result r = run(cmd, dir, timeoutSeconds);
        if (r.code() != 0) {
            cmd.remove("-o");
            r = run(cmd, dir, timeoutSeconds);
        }
        assertThat(r.code()).as("%s in %s failed:%n%s", cmd, dir, r.output()).isZero();
    }

    record Result(int code, String output) {
    }

    private static Result run(List<String> cmd, Path dir, long timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("qmpkit-installit", ".log");
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                return new Result(-1, "timed out after " + timeoutSeconds + " s\n" + tail(log));
            }
            return new Result(p.exitValue(), tail(log));
        } finally {
            Files.deleteIfExists(log);
        }
    }

    private static String tail(Path log) throws IOException {
        String s = Files.readString(log, StandardCharsets.UTF_8);
        return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static Path repoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("qmp-client"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("run from inside the qmpkit checkout");
        }
        return p;
    }

    static {
        // Fail early with a clear message when QEMU is missing, like the other real-QEMU tests.
        TestQemus.all();
    }
}
