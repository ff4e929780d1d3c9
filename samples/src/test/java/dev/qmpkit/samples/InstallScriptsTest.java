package dev.qmpkit.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The install steps on a machine with no network and nothing installed: the real scripts run
 * with a PATH that has no Java, Maven, QEMU, qemu-ga or qemu-img, and an {@code apt-get} and
 * {@code apt-cache} that fail as they do offline. Every step stops with a message that names
 * the Debian package and the fix, never with apt's exit code alone; {@code ./qmpkit demo}
 * asks for QEMU 10 only.
 */
class InstallScriptsTest {
    private static final Path ROOT = repositoryRoot();
    /** What the scripts run besides the tools under test; linked into the fake PATH. */
    private static final List<String> BASICS = List.of("bash", "env", "id", "sed", "awk", "grep", "mkdir", "mktemp",
            "rm", "mv", "head", "cat", "dirname", "ls", "find", "tr", "sort", "dpkg");

    @TempDir
    Path dir;
    private Path bin;
    private Map<String, String> env;

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("qmpkit")) ? p : p.getParent();
    }

    @BeforeEach
    void offlineMachine() throws IOException {
        bin = Files.createDirectory(dir.resolve("bin"));
        for (String tool : BASICS) {
            for (String d : List.of("/usr/bin", "/bin")) {
                if (Files.isExecutable(Path.of(d, tool))) {
                    Files.createSymbolicLink(bin.resolve(tool), Path.of(d, tool));
                    break;
                }
            }
        }
        String offline = "echo \"E: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary "
                + "failure resolving 'deb.debian.org'\" >&2; exit 100";
        script("apt-get", offline);
        script("apt-cache", offline);
        env = new HashMap<>();
        env.put("PATH", bin.toString());
        env.put("HOME", dir.toString());
        env.put("QMPKIT_CACHE", dir.resolve("cache").toString());
        env.put("QMPKIT_APT_SOURCES_DIR", Files.createDirectory(dir.resolve("sources")).toString());
        env.put("QMPKIT_SBIN_DIRS", "");
        env.put("QMPKIT_QEMU_GA", dir.resolve("no-qemu-ga").toString());
    }

    private void script(String name, String body) throws IOException {
        Path f = bin.resolve(name);
        Files.deleteIfExists(f);
        Files.writeString(f, "#!/bin/bash\n" + body + "\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private ChildProcess run(String... cmd) throws Exception {
        List<String> full = new ArrayList<>(List.of("/usr/bin/env", "-i"));
        env.forEach((k, v) -> full.add(k + "=" + v));
        full.add("/bin/bash");
        full.addAll(List.of(cmd));
        return ChildProcess.run(full, ROOT, Map.of(), 60);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "java-maven  | openjdk-17-jdk-headless maven | apt-get update && apt-get install openjdk-17-jdk-headless maven",
        "qemu10      | qemu-system-x86 qemu-utils    | apt-get install -t bookworm-backports qemu-system-x86 qemu-utils",
        "qemu72      | qemu-system-x86               | apt-get update, with bookworm's main repository in the sources",
        "guest-agent | qemu-guest-agent              | apt-get update && apt-get install qemu-guest-agent",
        "guest-tools | e2fsprogs                     | apt-get update && apt-get install e2fsprogs",
        "qemu-img    | qemu-utils                    | apt-get update && apt-get install qemu-utils",
    })
    void everyStepOfflineNamesThePackageAndTheFix(String step, String packages, String fix) throws Exception {
        if (step.equals("guest-tools")) {
            Files.delete(bin.resolve("dpkg"));  // dpkg-deb is not linked either; only mke2fs is asked for by name below
            Files.createSymbolicLink(bin.resolve("dpkg-deb"), Path.of("/usr/bin/dpkg-deb"));
        }
        ChildProcess r = run("scripts/install.sh", step);
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        List<String> ours = r.err().lines().filter(l -> l.startsWith("[install]")).toList();
        assertThat(ours).as(r.toString()).hasSizeGreaterThanOrEqualTo(2);
        String cannot = ours.get(ours.size() - 2);
        assertThat(cannot).as(r.toString()).startsWith("[install] cannot install ").contains(packages.split(" ")[0]);
        if (!step.equals("qemu72")) {
            assertThat(cannot).contains("(Debian package: " + packages);
        }
        assertThat(ours.get(ours.size() - 1)).as(r.toString()).startsWith("[install] fix: ").contains(fix);
        // apt's own words stay visible above ours, for the details.
        assertThat(r.err()).contains("Temporary failure resolving");
    }

    @Test
    void asAnotherUserTheStepSaysWhatToRunAsRoot() throws Exception {
        script("id", "[ \"$1\" = -u ] && echo 1000 || /usr/bin/id \"$@\"");
        ChildProcess r = run("scripts/install.sh", "qemu10");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("cannot install QEMU 10.0, the system qemu-system-x86_64 (Debian package: "
                + "qemu-system-x86 qemu-utils): apt-get needs root")
                .contains("fix: run as root: apt-get install qemu-system-x86 qemu-utils")
                .doesNotContain("apt-get update");
    }

    @Test
    void theDemoAsksForQemu10OnlyAndTheTestsForBoth() throws Exception {
        for (String tool : List.of("java", "mvn")) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("/usr/bin", tool).toRealPath());
        }
        ChildProcess demo = run("./qmpkit", "demo");
        assertThat(demo.exitCode()).as(demo.toString()).isEqualTo(1);
        assertThat(demo.err()).contains("cannot install QEMU 10.0").contains("qemu-system-x86 qemu-utils")
                .doesNotContain("7.2");
        // The QEMU 10 step fails first; with it in place, the tests then ask for 7.2, the demo never does.
        script("qemu-system-x86_64", "echo 'QEMU emulator version 10.0.2 (Debian)'");
        demo = run("./qmpkit", "demo", "--clones", "0");
        assertThat(demo.err()).as(demo.toString()).doesNotContain("7.2").doesNotContain("[install] cannot");
        ChildProcess test = run("./qmpkit", "test");
        assertThat(test.exitCode()).as(test.toString()).isEqualTo(1);
        assertThat(test.err()).contains("cannot install QEMU 7.2").contains("qemu-system-x86");
    }

    @Test
    void withoutJavaTheLauncherNamesThePackages() throws Exception {
        ChildProcess r = run("./qmpkit", "quickstart", "--socket", "/tmp/none.sock");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("(Debian package: openjdk-17-jdk-headless maven)").contains("[install] fix: ");
        ChildProcess help = run("./qmpkit", "help");
        assertThat(help.exitCode()).as("help needs no install").isZero();
        assertThat(help.out()).contains("./qmpkit demo").contains("./qmpkit test").contains("./qmpkit install-qemu");
        assertThat(help.err()).contains("Java 17 and Maven are needed for every command's help");
    }

    @Test
    void installQemuRunsBothQemuSteps() throws Exception {
        script("qemu-system-x86_64", "echo 'QEMU emulator version 10.0.2 (Debian)'");
        ChildProcess r = run("scripts/install-qemu.sh", "--guest-agent");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.err()).contains("system QEMU 10.0.2 present").contains("cannot install QEMU 7.2");
        assertThat(run("scripts/install-qemu.sh", "--bogus").exitCode()).isEqualTo(2);
        assertThat(run("scripts/install.sh", "bogus").err()).contains("unknown step bogus");
    }
}
