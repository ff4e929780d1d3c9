package dev.qmpkit.templating.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.Futures;
import dev.qmpkit.qmp.launch.Confinement;
import dev.qmpkit.qmp.launch.ConfinementStatus;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuLaunchException;
import dev.qmpkit.qmp.launch.QemuUser;
import dev.qmpkit.qmp.reliability.Resources;
import dev.qmpkit.templating.CloneOptions;
import dev.qmpkit.templating.CloneUids;
import dev.qmpkit.templating.CloneVm;
import dev.qmpkit.templating.Template;
import dev.qmpkit.templating.TemplateVm;
import dev.qmpkit.templating.Templating;
import dev.qmpkit.templating.TemplatingException;
import dev.qmpkit.templating.VmDescription;
import dev.qmpkit.templating.guest.BuiltinGuest;
import dev.qmpkit.templating.guest.SerialLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Least privilege for templates and clones on real QEMU 10.0 and 7.2, started by this JVM
 * running as root (as on the project's machines): every QEMU runs as the unprivileged user with
 * seccomp and {@code NoNewPrivs}, read from {@code /proc/PID/status}; and, seen from inside a
 * clone's QEMU identity (a helper run as its uid with {@code setpriv}), the template's RAM file
 * cannot be opened for writing, a sibling's directory and serial log cannot be read, and with
 * per-clone uids a sibling cannot be signalled or pass the kernel's ptrace check.
 * {@link Confinement#none()} gives the behaviour of before.
 */
@Timeout(240)
class CloneConfinementIT extends SavedTemplateTests {

    private static final int O_RDONLY = 0;
    private static final int O_RDWR = 2;
    /** Uids with no passwd entry, as an operator would reserve for clones. */
    private static final CloneUids RANGE = CloneUids.range(64200, 2, 64199);

    CloneConfinementIT() {
        super("qmpkit-confinement-");
    }

    @BeforeAll
    static void runsAsRoot() throws IOException {
        assertThat(ConfinementStatus.ofPid(ProcessHandle.current().pid()).isRoot())
                .as("these tests start QEMU from a root JVM, as the project's machines run them").isTrue();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void templateAndClonesOfARootJvm_runAsTheUnprivilegedUser_withSeccompAndNoNewPrivs(QemuBinary qemu)
            throws Exception {
        QemuUser nobody = QemuUser.byName("nobody");
        Path base = Files.createDirectories(templates.root().resolve("default-" + qemu.version()));
        Path kernel = BuiltinGuest.writeKernel(base);
        try (Templating owner = Templating.builder().build()) {
            Template t;
            try (TemplateVm vm = owner.startTemplate(qemu, SavedTemplates.description(kernel), base.resolve("tpl"))) {
                assertConfined(ConfinementStatus.ofPid(vm.process().pid()), nobody, "template");
                SerialLog.awaitReady(vm.serialLog(), SavedTemplates.BOOT);
                t = vm.save();
            }
            assertThat(Files.getPosixFilePermissions(t.directory()))
                    .as("the state reached QEMU as a descriptor: the template directory stays private")
                    .isEqualTo(PosixFilePermissions.fromString("rwx------"));
            List<CloneVm> clones = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    clones.add(owner.startClone(t, CloneOptions.builder().workDir(base).build()));
                }
                for (CloneVm c : clones) {
                    assertConfined(ConfinementStatus.ofPid(c.pid()), nobody, c.name());
                    SerialLog log = SerialLog.await(c.serialLog(), l -> l.counts().size() >= 2, SavedTemplates.BOOT);
                    assertThat(log.ready()).as("resumed, not booted again").isFalse();
                    assertThat(c.confinement().user()).isEqualTo(nobody);
                    assertThat(c.confinement().ownUid()).isFalse();
                    assertThat(c.confinement().templateRamWritable()).isEqualTo(!SavedTemplates.readonlyRecipe(t));
                    assertThat((Integer) Files.getAttribute(c.workDir(), "unix:uid")).isEqualTo(nobody.uid());
                    System.out.printf("[QEMU %s] %s: %s%n", qemu.version(), c.name(), c.confinement().summary());
                }
            } finally {
                clones.forEach(CloneVm::close);
            }
            t.verifyRamFiles();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void fromInsideACloneIdentity_theTemplateRamIsNotWritable_andSiblingsCanBeNeitherReadNorSignalled(
            QemuBinary qemu) throws Exception {
        Template saved = templates.of(qemu);
        // A clone reaches its own directory by name only through parents it may search (the
        // class's temporary root is 0700): open them for search, as a real host's /var/lib dirs are.
        Files.setPosixFilePermissions(templates.root(), PosixFilePermissions.fromString("rwx--x--x"));
        Path work = Files.createDirectories(templates.root().resolve("uids-" + qemu.version()),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
        Path ram = saved.ramFiles().get(0);
        Path state = saved.directory().resolve(saved.manifest().state().file());
        try (Templating owner = Templating.builder().cloneUids(RANGE).build();
             CloneVm a = owner.startClone(owner.openTemplate(saved.directory()),
                     CloneOptions.builder().workDir(work).build());
             CloneVm b = owner.startClone(owner.openTemplate(saved.directory()),
                     CloneOptions.builder().workDir(work).build())) {
            QemuUser ua = a.confinement().user();
            QemuUser ub = b.confinement().user();
            assertThat(List.of(ua.uid(), ub.uid())).as("one uid each, from the range").doesNotHaveDuplicates()
                    .allMatch(RANGE::contains);
            assertThat(a.confinement().ownUid()).isTrue();
            assertConfined(ConfinementStatus.ofPid(a.pid()), ua, a.name());
            assertConfined(ConfinementStatus.ofPid(b.pid()), ub, b.name());
            SerialLog.await(b.serialLog(), l -> l.counts().size() >= 2, SavedTemplates.BOOT);

            List<String> seen = new ArrayList<>();
            // The template: its RAM file cannot be opened for writing, nor its state read, by name.
            seen.add(refused(ua, "open template RAM for writing", "exec 3>>\"$1\"", ram));
            // Even with the template directory open for search, the file's own mode refuses it.
            var mode = Files.getPosixFilePermissions(saved.directory());
            Files.setPosixFilePermissions(saved.directory(), PosixFilePermissions.fromString("rwx--x--x"));
            try {
                seen.add(refused(ua, "open template RAM for writing through a searchable directory",
                        "exec 3>>\"$1\"", ram));
            } finally {
                Files.setPosixFilePermissions(saved.directory(), mode);
            }
            seen.add(refused(ua, "read template state", "cat \"$1\" >/dev/null", state));
            // The sibling: its directory and serial log cannot be read, it cannot be signalled.
            seen.add(refused(ua, "list sibling's work directory", "ls \"$1\" >/dev/null", b.workDir()));
            seen.add(refused(ua, "read sibling's serial log", "cat \"$1\" >/dev/null", b.serialLog()));
            seen.add(refused(ua, "signal sibling's QEMU", "kill -0 \"$1\"", Path.of(Long.toString(b.pid()))));
            // /proc/PID/environ needs the ptrace read check: what a debugger attaching to the sibling would need.
            seen.add(refused(ua, "read sibling's /proc/PID/environ (ptrace check)", "cat \"$1\" >/dev/null",
                    Path.of("/proc", Long.toString(b.pid()), "environ")));
            // Its own directory is its to write; so QEMU's own writes by name (pmemsave) land there.
            assertThat(asUser(ua, "touch \"$1\"", a.workDir().resolve("own-file")).exit()).isZero();
            Path dump = a.workDir().resolve("pattern.bin");
            Futures.await(a.qmp().execute("pmemsave", Map.of("val", BuiltinGuest.PATTERN_START, "size", 4096,
                    "filename", dump.toString())));
            assertThat(dump).hasSize(4096);
            // What confinement cannot change: the descriptor QEMU opened before its uid change.
            List<Integer> modes = Resources.openModes(a.pid(), ram.toRealPath());
            assertThat(modes).isNotEmpty().containsOnly(SavedTemplates.readonlyRecipe(saved) ? O_RDONLY : O_RDWR);
            assertThat(a.confinement().templateRamWritable()).isEqualTo(!SavedTemplates.readonlyRecipe(saved));
            System.out.printf("[QEMU %s] as %s's uid %d: %s; its RAM descriptor %s%n", qemu.version(), a.name(),
                    ua.uid(), seen, modes.contains(O_RDWR) ? "O_RDWR" : "O_RDONLY");
        }
        saved.verifyRamFiles();
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void perCloneUids_areNeverSharedByTwoLiveClones_andComeBackWhenAQemuIsGone(QemuBinary qemu) throws Exception {
        Template saved = templates.of(qemu);
        Path work = Files.createDirectories(templates.root().resolve("alloc-" + qemu.version()));
        CloneOptions paused = CloneOptions.builder().workDir(work).resume(false).build();
        try (Templating owner = Templating.builder().cloneUids(RANGE).build();
             Templating other = Templating.builder().cloneUids(RANGE).build()) {
            Template t = owner.openTemplate(saved.directory());
            CloneVm first = owner.startClone(t, paused);
            try (CloneVm second = other.startClone(other.openTemplate(saved.directory()), paused)) {
                assertThat(second.confinement().user().uid()).as("another owner, same range: another uid")
                        .isNotEqualTo(first.confinement().user().uid());
                assertThatThrownBy(() -> owner.startClone(t, paused)).isInstanceOf(TemplatingException.class)
                        .hasMessageContaining("all 2 uids of the clone range " + RANGE + " are in use");
                int freed = first.confinement().user().uid();
                long pid = first.pid();
                first.close();
                assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
                try (CloneVm third = owner.startClone(t, paused)) {
                    assertThat(third.confinement().user().uid()).isEqualTo(freed);
                }
            } finally {
                first.close();
            }
        }
        try (var left = Files.list(work)) {
            assertThat(left).as("work directories removed").isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void noneGivesTheBehaviourOfBefore_rootQemuWithoutSeccomp(QemuBinary qemu) throws Exception {
        Template saved = templates.of(qemu);
        Path work = Files.createDirectories(templates.root().resolve("none-" + qemu.version()));
        try (Templating owner = Templating.builder().confinement(Confinement.none()).build();
             CloneVm c = owner.startClone(owner.openTemplate(saved.directory()),
                     CloneOptions.builder().workDir(work).build())) {
            ConfinementStatus s = ConfinementStatus.ofPid(c.pid());
            assertThat(s.uid()).isZero();
            assertThat(s.seccompMode()).isZero();
            assertThat(c.confinement().user()).isNull();
            assertThat(c.confinement().seccomp()).isFalse();
            assertThat((Integer) Files.getAttribute(c.workDir(), "unix:uid")).isZero();
            assertThat(c.process().commandLine()).doesNotContain("-sandbox", "-run-with", "-runas");
        }
    }

    @ParameterizedTest
    @MethodSource("dev.qmpkit.qmp.testing.TestQemus#all")
    void aTemplateTheSandboxStopsAtStart_failsWithQemusWordsAndTheSettingToChange(QemuBinary qemu) throws Exception {
        Path base = Files.createDirectories(templates.root().resolve("sigsys-" + qemu.version()));
        VmDescription d = SavedTemplates.description(BuiltinGuest.writeKernel(base)).toBuilder()
                .extraArgs("-netdev", "bridge,id=n0,br=qmpkitbr0,helper=/bin/true").build();
        try (Templating owner = Templating.builder().build()) {
            assertThatThrownBy(() -> owner.startTemplate(qemu, d, base.resolve("tpl")))
                    .isInstanceOf(QemuLaunchException.class)
                    .hasMessageContaining(qemu.version().atLeast(8, 0) ? "Operation not permitted" : "code 159")
                    .hasMessageContaining("Confinement.builder().allowSpawn(true)")
                    .hasMessageContaining("Templating.Builder.confinement");
        }
        assertThat(base.resolve("tpl")).as("nothing of the template left").doesNotExist();
    }

    private static void assertConfined(ConfinementStatus s, QemuUser user, String what) {
        assertThat(s.uid()).as("%s uid", what).isEqualTo(user.uid());
        assertThat(s.gid()).as("%s gid", what).isEqualTo(user.gid());
        assertThat(s.seccompMode()).as("%s seccomp mode", what).isEqualTo(2);
        assertThat(s.noNewPrivs()).as("%s NoNewPrivs", what).isTrue();
        assertThat(s.capabilities()).as("%s capabilities", what).isZero();
    }

    /** Runs {@code sh -c script} as the user, with {@code $1} = arg; asserts it fails and returns what it said. */
    private static String refused(QemuUser user, String what, String script, Path arg) throws Exception {
        Result r = asUser(user, script, arg);
        assertThat(r.exit()).as("%s as uid %d must fail: %s", what, user.uid(), r.output()).isNotZero();
        assertThat(r.output()).as(what).containsAnyOf("Permission denied", "Operation not permitted");
        return what + ": " + r.output().strip();
    }

    private record Result(int exit, String output) {
    }

    private static Result asUser(QemuUser user, String script, Path arg) throws Exception {
        Process p = new ProcessBuilder("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--clear-groups",
                "--", "/bin/sh", "-c", script, "sh", arg.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
