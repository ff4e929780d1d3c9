package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.testing.TestQemus;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SDK as a user gets it: {@code mvn install} puts {@code qmpkit-bom}, {@code qmp-client},
 * {@code templating} and {@code qmpkit-testing} (with sources and javadoc jars, and no
 * {@code -tests} jar) in the local repository, and a separate project that imports the BOM and
 * depends on {@code templating} alone compiles and runs against real QEMU; its tests, with
 * {@code qmpkit-testing} in test scope, script a QMP conversation with the fake monitor. That project resolves from a view of the local repository without
 * {@code qmpkit-parent}, so what is proven is the published jars and their flattened POMs
 * (transitive dependencies included), not the reactor's classes or the build's parent. It runs
 * on the newest JDK here with the JVM options the README gives library users, and the JVM
 * prints no warning.
 */
class InstalledArtifactsIT {
    /** The README's options for library users, "Using it as a dependency". */
    static final List<String> README_JVM_FLAGS =
            List.of("--add-opens", "java.base/java.io=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED");
    private static final String VERSION = ArtifactManifestsIT.version();
    private static final Path REPO = Path.of(System.getProperty("user.home"), ".m2", "repository");
    private static final Path M2 = REPO.resolve("dev/qmpkit");
    private static final Map<String, String> MODULE_NAMES =
            Map.of("qmp-client", "dev.qmpkit.qmp", "templating", "dev.qmpkit.templating", "qmpkit-testing",
                    "dev.qmpkit.testing");

    @TempDir
    static Path work;

    private static Path project;
    private static Path repoView;
    private static String classpath;
    private static String testClasspath;

    @BeforeAll
    static void installTheSdkAndBuildAProjectOnIt() throws Exception {
        Path root = repoRoot();
        // Its own build folder, so it never races the build that runs this test. The jars an earlier
        // build left there go first: every artifact checked below is one this build made.
        for (String module : List.of("qmp-client", "templating", "qmpkit-testing")) {
            Path out = root.resolve(module).resolve("target-installit");
            if (Files.isDirectory(out)) {
                try (Stream<Path> files = Files.list(out)) {
                    for (Path jar : files.filter(f -> f.getFileName().toString().endsWith(".jar")).toList()) {
                        Files.delete(jar);
                    }
                }
            }
        }
        mvn(root, 900, "install", "-DskipTests", "-Dqmpkit.out=target-installit", "-pl",
                "qmpkit-bom,qmp-client,templating,qmpkit-testing", "-am");
        for (String artifact : MODULE_NAMES.keySet()) {
            for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
                assertThat(installed(artifact, suffix)).as("installed " + artifact + suffix).isNotEmptyFile();
            }
        }
        assertThat(installed("qmpkit-bom", ".pom")).as("installed BOM").isNotEmptyFile();
        repoView = repositoryWithoutTheParent(Files.createDirectories(work.resolve("repository")));
        project = Files.createDirectories(work.resolve("project"));
        writeProject(project);
        writeTest(project);
        mvn(project, 600, "-Dmaven.repo.local=" + repoView, "test-compile", "dependency:build-classpath",
                "-DincludeScope=runtime", "-Dmdep.outputFile=cp.txt");
        mvn(project, 600, "-Dmaven.repo.local=" + repoView, "dependency:build-classpath", "-DincludeScope=test",
                "-Dmdep.outputFile=cp-test.txt");
        classpath = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("cp.txt")).strip();
        testClasspath = project.resolve("target/test-classes") + File.pathSeparator + project.resolve("target/classes")
                + File.pathSeparator + Files.readString(project.resolve("cp-test.txt")).strip();
    }

    @Test
    void noTestsJarIsBuiltSoNoneIsPublished() throws IOException {
        for (String module : List.of("qmp-client", "templating", "qmpkit-testing")) {
            try (Stream<Path> files = Files.list(repoRoot().resolve(module).resolve("target-installit"))) {
                assertThat(files.map(p -> p.getFileName().toString())).as(module + "'s build output")
                        .noneMatch(n -> n.endsWith("-tests.jar"));
            }
        }
        assertThat(Files.readString(repoRoot().resolve("pom.xml"))).doesNotContain("<type>test-jar</type>");
    }

    @Test
    void aProjectTestsItsQmpCodeWithTheInstalledTestKit() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Jdks.newest().java()));
        cmd.addAll(README_JVM_FLAGS);
        cmd.addAll(List.of("-cp", testClasspath, "ScriptedConversation"));
        ChildProcess r = ChildProcess.run(cmd, project, Map.of(), 120);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("QEMU 10.0.2").contains("status: paused")
                .contains("sent: [qmp_capabilities, query-status]").contains("recorded 7.2: DeviceNotFound");
        assertThat(r.err()).as(r.toString()).doesNotContain("WARNING");
        assertThat(testClasspath).contains(repoView.resolve("dev/qmpkit/qmpkit-testing").toString());
        assertThat(classpath).as("test scope stays out of the main class path").doesNotContain("qmpkit-testing");
        assertThat(classpath).as("Micrometer is optional: not brought by the libraries").doesNotContain("micrometer");
    }

    @Test
    void installedPomsStandAlone() throws IOException {
        for (String artifact : List.of("qmpkit-bom", "qmp-client", "templating", "qmpkit-testing")) {
            String pom = Files.readString(installed(artifact, ".pom"));
            assertThat(pom).as(artifact + ".pom").doesNotContain("<parent>").doesNotContain("qmpkit-parent");
        }
        assertThat(Files.readString(installed("qmp-client", ".pom"))).doesNotContain("${")
                .contains("<classifier>linux-x86_64</classifier>").contains("<classifier>linux-aarch_64</classifier>");
        assertThat(Files.readString(installed("templating", ".pom"))).doesNotContain("${")
                .contains("<artifactId>qmp-client</artifactId>\n      <version>" + VERSION + "</version>");
        // The BOM lists the library artifacts and nothing of the build's own dependency management.
        assertThat(Files.readString(installed("qmpkit-bom", ".pom"))).contains("<artifactId>qmp-client</artifactId>")
                .contains("<artifactId>templating</artifactId>").contains("<artifactId>qmpkit-testing</artifactId>")
                .doesNotContain("netty").doesNotContain("junit");
    }

    @Test
    void installedJarsNameTheirModuleAndVersion() throws IOException {
        for (Map.Entry<String, String> e : MODULE_NAMES.entrySet()) {
            ArtifactManifestsIT.assertLibraryManifest(installed(e.getKey(), ".jar"), e.getValue());
        }
    }

    @Test
    void theReadmeGivesTheJvmOptionsThisTestUses() throws IOException {
        assertThat(Files.readString(repoRoot().resolve("README.md"))).contains(String.join(" ", README_JVM_FLAGS));
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aProjectImportingTheBomTalksToQemu_onTheNewestJdk_withoutAWarning(QemuBinary qemu) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Jdks.newest().java()));
        cmd.addAll(README_JVM_FLAGS);
        cmd.addAll(List.of("-cp", classpath, "Hello", qemu.executable().toString()));
        qemu.firmwareDirs().forEach(d -> cmd.add(d.toString()));
        ChildProcess r = ChildProcess.run(cmd, project, Map.of(), 120);
        assertThat(r.exitCode()).as(r.toString()).isZero();
        String version = dev.qmpkit.qmp.launch.QemuVersionProbe.probe(qemu).version().toString();
        assertThat(r.out()).contains("QEMU " + version).contains("status: running").contains("stopped at 20")
                .contains("add-fd: fdset ").contains("templating: q35, 64 MiB, kernel qmpkit-counter-guest.bin");
        assertThat(r.err()).as(r.toString()).doesNotContain("WARNING");
        // The classpath is the installed jars, never the reactor's build folders.
        assertThat(classpath).contains(repoView.resolve("dev/qmpkit/qmp-client").toString())
                .contains(repoView.resolve("dev/qmpkit/templating").toString())
                .doesNotContain(repoRoot().resolve("qmp-client").toString());
    }

    private static Path installed(String artifact, String suffix) {
        return M2.resolve(artifact).resolve(VERSION).resolve(artifact + "-" + VERSION + suffix);
    }

    /**
     * A local repository that holds everything ~/.m2 holds (as links, nothing copied) except
     * {@code qmpkit-parent}: a POM that still needed the parent fails to resolve there.
     */
    private static Path repositoryWithoutTheParent(Path view) throws IOException {
        link(REPO, view, "dev");
        Path dev = Files.createDirectories(view.resolve("dev"));
        link(REPO.resolve("dev"), dev, "qmpkit");
        link(M2, Files.createDirectories(dev.resolve("qmpkit")), "qmpkit-parent");
        assertThat(view.resolve("dev/qmpkit/qmpkit-parent")).doesNotExist();
        assertThat(view.resolve("dev/qmpkit/qmp-client")).isDirectory();
        return view;
    }

    private static void link(Path from, Path to, String except) throws IOException {
        try (Stream<Path> entries = Files.list(from)) {
            for (Path p : entries.toList()) {
                if (!p.getFileName().toString().equals(except)) {
                    Files.createSymbolicLink(to.resolve(p.getFileName().toString()), p);
                }
            }
        }
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
                  <dependencyManagement>
                    <dependencies>
                      <dependency>
                        <groupId>dev.qmpkit</groupId>
                        <artifactId>qmpkit-bom</artifactId>
                        <version>%1$s</version>
                        <type>pom</type>
                        <scope>import</scope>
                      </dependency>
                    </dependencies>
                  </dependencyManagement>
                  <dependencies>
                    <dependency>
                      <groupId>dev.qmpkit</groupId>
                      <artifactId>templating</artifactId>
                    </dependency>
                    <dependency>
                      <groupId>dev.qmpkit</groupId>
                      <artifactId>qmpkit-testing</artifactId>
                      <scope>test</scope>
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
        // The README's first example, a descriptor passed with add-fd, and one templating call.
        Files.writeString(src.resolve("Hello.java"), """
                import dev.qmpkit.qmp.QmpEvent;
                import dev.qmpkit.qmp.command.AddFdInfo;
                import dev.qmpkit.qmp.launch.QemuBinary;
                import dev.qmpkit.qmp.launch.QemuLauncher;
                import dev.qmpkit.qmp.launch.QemuProcess;
                import dev.qmpkit.templating.Boot;
                import dev.qmpkit.templating.VmDescription;
                import dev.qmpkit.templating.guest.BuiltinGuest;
                import java.io.RandomAccessFile;
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
                        Path dir = Files.createTempDirectory("hello");
                        try (QemuProcess vm = QemuLauncher.builder(qemu).args("-M", "none", "-accel", "tcg").build().start()) {
                            System.out.println("QEMU " + vm.qmp().qemuVersion());
                            System.out.println("status: " + vm.qmp().blocking().execute("query-status").path("status").asText());
                            try (RandomAccessFile data = new RandomAccessFile(dir.resolve("data").toFile(), "rw")) {
                                AddFdInfo added = vm.qmp().commands().addFd(data.getFD(), null, "hello").join();
                                System.out.println("add-fd: fdset " + added.fdsetId());
                            }
                            CompletableFuture<QmpEvent> stopped = vm.qmp().awaitEvent("STOP", null, Duration.ofSeconds(5));
                            vm.qmp().execute("stop").join();
                            System.out.println("stopped at " + stopped.join().timestamp());
                        }
                        Path kernel = BuiltinGuest.writeKernel(dir);
                        VmDescription d = VmDescription.builder().ram(64L << 20).boot(Boot.kernel(kernel)).build();
                        System.out.println("templating: " + d.machineType() + ", " + (d.bootRamBytes() >> 20)
                                + " MiB, kernel " + kernel.getFileName());
                        Files.delete(kernel);
                        Files.delete(dir.resolve("data"));
                        Files.delete(dir);
                    }
                }
                """);
    }

    private static void writeTest(Path dir) throws IOException {
        Path src = Files.createDirectories(dir.resolve("src/test/java"));
        // A scripted conversation: a recorded greeting, a queued reply split on the wire, the requests seen.
        Files.writeString(src.resolve("ScriptedConversation.java"), """
                import dev.qmpkit.qmp.QmpClient;
                import dev.qmpkit.qmp.QmpCommandException;
                import dev.qmpkit.qmp.QmpEndpoint;
                import dev.qmpkit.qmp.QmpOptions;
                import dev.qmpkit.testing.FakeMonitor;
                import dev.qmpkit.testing.RecordedQemu;
                import dev.qmpkit.testing.Reply;

                public class ScriptedConversation {
                    public static void main(String[] args) throws Exception {
                        try (FakeMonitor qemu = FakeMonitor.replaying(RecordedQemu.QEMU_10_0);
                             QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(qemu.socketPath()), QmpOptions.defaults())) {
                            qemu.enqueue("query-status", Reply.returning("{\\"status\\": \\"paused\\", \\"running\\": false}").splitAt(5, 17));
                            System.out.println("QEMU " + client.qemuVersion());
                            System.out.println("status: " + client.blocking().execute("query-status").path("status").asText());
                            System.out.println("sent: " + qemu.received());
                        }
                        try (FakeMonitor qemu = FakeMonitor.replaying(RecordedQemu.QEMU_7_2);
                             QmpClient client = QmpClient.connectBlocking(QmpEndpoint.unix(qemu.socketPath()), QmpOptions.defaults())) {
                            client.blocking().execute("device_del", java.util.Map.of("id", "nope"));
                        } catch (QmpCommandException e) {
                            System.out.println("recorded " + RecordedQemu.QEMU_7_2.version() + ": " + e.errorClass());
                        }
                    }
                }
                """);
    }

    /** Offline first (everything is in ~/.m2 after the main build); online only if a plugin is missing. */
    private static void mvn(Path dir, long timeoutSeconds, String... goals) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("mvn", "-B", "-q", "-ntp", "-o"));
        cmd.addAll(List.of(goals));
        ChildProcess r = ChildProcess.run(cmd, dir, Map.of(), timeoutSeconds);
        if (r.exitCode() != 0) {
            cmd.remove("-o");
            r = ChildProcess.run(cmd, dir, Map.of(), timeoutSeconds);
        }
        assertThat(r.exitCode()).as("%s in %s failed:%n%s", cmd, dir, r).isZero();
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
        // Fail early with a clear message when QEMU is missing; say early which JDK the consumer runs on.
        TestQemus.all();
        Jdks.newest();
    }
}
