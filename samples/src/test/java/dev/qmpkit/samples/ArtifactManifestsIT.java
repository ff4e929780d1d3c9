package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.Template;
import dev.qmpkit.testing.FakeMonitor;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What Java tooling reads from the jars' manifests: a stable module name for the module path,
 * the version, and for the command-line jar what the JVM must allow so it runs without options.
 * Failsafe runs after {@code package}, so the reactor hands this module the built jars.
 */
class ArtifactManifestsIT {

    @Test
    void libraryJarsNameTheirModuleAndVersion() throws Exception {
        assertLibraryManifest(jarOf(QmpClient.class), "dev.qmpkit.qmp");
        assertLibraryManifest(jarOf(Template.class), "dev.qmpkit.templating");
        assertLibraryManifest(jarOf(FakeMonitor.class), "dev.qmpkit.testing");
    }

    @Test
    void theCliJarRunsWithoutJvmOptions() throws Exception {
        Attributes a = mainAttributes(cliJar());
        assertThat(a.getValue("Main-Class")).isEqualTo(Main.class.getName());
        assertThat(a.getValue("Add-Opens")).isEqualTo("java.base/java.io");
        assertThat(a.getValue("Enable-Native-Access")).isEqualTo("ALL-UNNAMED");
        assertThat(a.getValue("Implementation-Version")).isEqualTo(version());
    }

    /** Asserts the entries every library jar carries. */
    static void assertLibraryManifest(Path jar, String moduleName) throws IOException {
        Attributes a = mainAttributes(jar);
        assertThat(a.getValue("Automatic-Module-Name")).as("Automatic-Module-Name of " + jar).isEqualTo(moduleName);
        assertThat(a.getValue("Implementation-Version")).as("Implementation-Version of " + jar).isEqualTo(version());
        assertThat(a.getValue("Implementation-Title")).as("Implementation-Title of " + jar).startsWith("qmpkit ");
        assertThat(a.getValue("Implementation-Vendor")).as("Implementation-Vendor of " + jar).isEqualTo("qmpkit");
    }

    /** @return the version being built ({@code ${project.version}}) */
    static String version() {
        return System.getProperty("qmpkit.version");
    }

    /** @return this module's {@code samples-*-all.jar} */
    static Path cliJar() throws IOException {
        Path dir = Path.of(System.getProperty("qmpkit.buildDir", "target"));
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> jars = s.filter(p -> p.getFileName().toString().matches("samples-.*-all\\.jar")).toList();
            assertThat(jars).as("the command-line jar in " + dir + " (mvn package builds it)").hasSize(1);
            return jars.get(0);
        }
    }

    private static Path jarOf(Class<?> type) throws URISyntaxException {
        Path p = Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(p).as(type.getName() + " comes from a jar (run through mvn verify)").isRegularFile();
        return p;
    }

    private static Attributes mainAttributes(Path jar) throws IOException {
        try (JarFile j = new JarFile(jar.toFile())) {
            assertThat(j.getManifest()).as("manifest of " + jar).isNotNull();
            return j.getManifest().getMainAttributes();
        }
    }
}
