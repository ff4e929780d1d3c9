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
 * The SDK as a user gets it: {@code mvn install} puts {@code qmpkit-bom}, {@code qmp-client} and
 * {@code templating} (with sources and javadoc jars) in the local repository, and a separate
 * project that imports the BOM and depends on {@code templating} alone compiles and runs against
 * real QEMU. That project resolves from a view of the local repository without
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
            Map.of("qmp-client", "dev.qmpkit.qmp", "templating", "dev.qmpkit.templating");

    @TempDir
    static Path work;

    private static Path project;
    private static Path repoView;
    private static String classpath;

    @BeforeAll
    static void installTheSdkAndBuildAProjectOnIt() throws Exception {
        Path root = repoRoot();
        // Its own build folder, so it never races the build that runs this test.
        mvn(root, 900, "install", "-DskipTests", "-Dqmpkit.out=target-installit", "-pl",
                "qmpkit-bom,qmp-client,templating", "-am");
        for (String artifact : MODULE_NAMES.keySet()) {
            for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
                assertThat(installed(artifact, suffix)).as("installed " + artifact + suffix).isNotEmptyFile();
            }
        }
        assertThat(installed("qmpkit-bom", ".pom")).as("installed BOM").isNotEmptyFile();
        repoView = repositoryWithoutTheParent(Files.createDirectories(work.resolve("repository")));
        project = Files.createDirectories(work.resolve("project"));
        writeProject(project);
        mvn(project, 600, "-Dmaven.repo.local=" + repoView, "compile", "dependency:build-classpath",
                "-Dmdep.outputFile=cp.txt");
        classpath = project.resolve("target/classes") + File.pathSeparator
                + Files.readString(project.resolve("cp.txt")).strip();
    }

    @Test
    void installedPomsStandAlone() throws IOException {
        for (String artifact : List.of("qmpkit-bom", "qmp-client", "templating")) {
            String pom = Files.readString(installed(artifact, ".pom"));
            assertThat(pom).as(artifact + ".pom").doesNotContain("<parent>").doesNotContain("qmpkit-parent");
        }
        assertThat(Files.readString(installed("qmp-client", ".pom"))).doesNotContain("${")
                .contains("<classifier>linux-x86_64</classifier>").contains("<classifier>linux-aarch_64</classifier>");
        assertThat(Files.readString(installed("templating", ".pom"))).doesNotContain("${")
                .contains("<artifactId>qmp-client</artifactId>\n      <version>" + VERSION + "</version>");
        // The BOM lists the library artifacts and nothing of the build's own dependency management.
        assertThat(Files.readString(installed("qmpkit-bom", ".pom"))).contains("<artifactId>qmp-client</artifactId>")
                .contains("<artifactId>templating</artifactId>").doesNotContain("netty").doesNotContain("junit");
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
