package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.launch.QemuVersionProbe.ConfinementSupport;
import dev.qmpkit.qmp.launch.QemuVersionProbe.QemuBinaryInfo;
import dev.qmpkit.qmp.launch.QemuVersionProbe.UserOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The confinement options in the binary's own spelling, read from its {@code -help} (excerpts
 * of the real output of QEMU 10.0.2 and 7.2.22 below), and the checks around them. No QEMU runs;
 * {@code QemuLauncherIT} and {@code ConfinementIT} run the real binaries.
 */
class ConfinementTest {

    /** From {@code qemu-system-x86_64 -help} of QEMU 10.0.2 (Debian bookworm-backports). */
    static final String HELP_10_0 = """
            -nodefaults     don't create default devices
            -sandbox on[,obsolete=allow|deny][,elevateprivileges=allow|deny|children]
                      [,spawn=allow|deny][,resourcecontrol=allow|deny]
                            Enable seccomp mode 2 system call filter (default 'off').
                            use 'obsolete' to allow obsolete system calls that are provided
            -readconfig <file>
            -run-with [async-teardown=on|off][,chroot=dir][user=username|uid:gid]
                            Set miscellaneous QEMU process lifecycle options:
                            async-teardown=on enables asynchronous teardown (Linux only)
                            chroot=dir chroot to dir just before starting the VM
                            user=username switch to the specified user before starting the VM
                            user=uid:gid ditto, but use specified user-ID and group-ID instead
            -msg [timestamp[=on|off]][,guest-name=[on|off]]
            """;

    /** From {@code qemu-system-x86_64 -help} of QEMU 7.2.22 (Debian bookworm). */
    static final String HELP_7_2 = """
            -chroot dir     chroot to dir just before starting the VM
            -runas user     change to user id user just before starting the VM
                            user can be numeric uid:gid instead
            -sandbox on[,obsolete=allow|deny][,elevateprivileges=allow|deny|children]
                      [,spawn=allow|deny][,resourcecontrol=allow|deny]
                            Enable seccomp mode 2 system call filter (default 'off').
            """;

    private static final QemuBinary BIN = QemuBinary.of(Path.of("/usr/bin/qemu-system-x86_64"));
    private static final QemuUser USER = QemuUser.of(64001, 64002);
    private static final QemuBinaryInfo Q10 = new QemuBinaryInfo(new QemuVersion(10, 0, 2), "QEMU 10.0.2", false,
            ConfinementSupport.fromHelp(HELP_10_0));
    private static final QemuBinaryInfo Q101 = new QemuBinaryInfo(new QemuVersion(10, 1, 0), "QEMU 10.1.0", true,
            ConfinementSupport.fromHelp(HELP_10_0));
    private static final QemuBinaryInfo Q72 = new QemuBinaryInfo(new QemuVersion(7, 2, 22), "QEMU 7.2.22", false,
            ConfinementSupport.fromHelp(HELP_7_2));
    private static final QemuBinaryInfo BARE = new QemuBinaryInfo(new QemuVersion(10, 0, 0), "QEMU 10.0.0", false);

    @Test
    void helpIsReadForTheSandboxOptionsAndTheSpellingOfTheUserChange() {
        ConfinementSupport ten = Q10.confinement();
        assertThat(ten.sandbox()).isTrue();
        assertThat(ten.sandboxOptions()).containsExactlyInAnyOrder("obsolete", "elevateprivileges", "spawn",
                "resourcecontrol");
        assertThat(ten.userOption()).isEqualTo(UserOption.RUN_WITH);
        assertThat(ten.numericUser()).isTrue();
        ConfinementSupport seven = Q72.confinement();
        assertThat(seven.sandboxOptions()).isEqualTo(ten.sandboxOptions());
        assertThat(seven.userOption()).isEqualTo(UserOption.RUNAS);
        assertThat(seven.numericUser()).isTrue();
        ConfinementSupport noSeccomp = ConfinementSupport.fromHelp("-runas user     change to user id user\n");
        assertThat(noSeccomp.sandbox()).isFalse();
        assertThat(noSeccomp.numericUser()).as("no uid:gid in the description").isFalse();
    }

    @Test
    void aGivenUserIsSpelledAsTheBinaryWants_andTheSandboxThenAllowsTheUidChange() {
        Confinement c = Confinement.builder().user(USER).chroot(Path.of("/var/empty,x")).build();
        List<String> ten = launcher(c).commandLine(Q10, Path.of("/s"));
        assertThat(ten).containsSubsequence("-sandbox", "on,obsolete=deny,spawn=deny,resourcecontrol=deny")
                .containsSubsequence("-run-with", "user=64001:64002,chroot=/var/empty,,x")
                .doesNotContain("-runas", "-chroot");
        assertThat(String.join(" ", ten)).doesNotContain("elevateprivileges");
        List<String> seven = launcher(c).commandLine(Q72, Path.of("/s"));
        assertThat(seven).containsSubsequence("-runas", "64001:64002")
                .containsSubsequence("-chroot", "/var/empty,x").doesNotContain("-run-with");
        assertThat(launcher(c).commandLine(Q101, Path.of("/s")))
                .as("one -run-with for exit-with-parent and the user")
                .containsSubsequence("-run-with", "exit-with-parent=on,user=64001:64002,chroot=/var/empty,,x");
        assertThat(seven.indexOf("-runas")).as("before the user's arguments").isLessThan(seven.indexOf("-M"));
    }

    @Test
    void keepingTheUserDeniesPrivilegeElevationToo_allowSpawnLiftsOnlySpawn() {
        List<String> kept = launcher(Confinement.builder().keepUser().build()).commandLine(Q10, Path.of("/s"));
        assertThat(kept).containsSubsequence("-sandbox",
                "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny").doesNotContain("-run-with");
        List<String> spawn = launcher(Confinement.builder().keepUser().allowSpawn(true).build())
                .commandLine(Q10, Path.of("/s"));
        assertThat(spawn).containsSubsequence("-sandbox", "on,obsolete=deny,elevateprivileges=deny,resourcecontrol=deny");
    }

    @Test
    void noneIsTheCommandLineOfBefore() {
        List<String> none = launcher(Confinement.none()).commandLine(Q10, Path.of("/s"));
        assertThat(none).doesNotContain("-sandbox", "-run-with", "-runas", "-chroot");
        assertThat(Confinement.none().isNone()).isTrue();
        assertThat(Confinement.defaults().seccomp()).isTrue();
        assertThat(Confinement.defaults().spawnAllowed()).isFalse();
        assertThat(Confinement.defaults().userAutomatic()).isTrue();
        assertThat(Confinement.defaults().chroot()).isEmpty();
    }

    @Test
    void theAutomaticUserIsNobodyForARootJvm_andNothingOtherwise() {
        boolean root = ConfinementStatus.self().isRoot();
        assertThat(Confinement.defaults().user().isPresent()).isEqualTo(root);
        if (root) {
            assertThat(Confinement.defaults().user()).contains(QemuUser.byName("nobody"));
        }
        assertThat(Confinement.builder().keepUser().build().user()).isEmpty();
        assertThat(Confinement.builder().user(USER).build().user()).contains(USER);
    }

    @Test
    void aBinaryThatCannotDropPrivileges_failsForAGivenUser_andRunsWithoutForTheAutomaticOne() {
        assertThatThrownBy(() -> launcher(Confinement.builder().user(USER).build()).commandLine(BARE, Path.of("/s")))
                .isInstanceOf(QemuLaunchException.class).hasMessageContaining("neither -run-with user= nor -runas")
                .hasMessageContaining("keepUser()");
        assertThat(launcher(Confinement.defaults()).commandLine(BARE, Path.of("/s")))
                .doesNotContain("-sandbox", "-run-with", "-runas");
    }

    @Test
    void confinementOptionsInTheArgumentsAreRefused_unlessConfinementIsNone() {
        for (String opt : List.of("-sandbox", "-runas", "-chroot", "-run-with", "--sandbox")) {
            assertThatThrownBy(() -> QemuLauncher.builder(BIN).args("-M", "none", opt, "x").build())
                    .as(opt).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(opt)
                    .hasMessageContaining("Confinement.none()");
            assertThat(QemuLauncher.builder(BIN).args("-M", "none", opt, "x").confinement(Confinement.none()).build()
                    .args()).contains(opt);
        }
    }

    @Test
    void usersAreValidated_andToBuilderKeepsTheConfinement() {
        assertThatThrownBy(() -> QemuUser.of(0, 5)).hasMessageContaining("root");
        assertThatThrownBy(() -> QemuUser.of(5, 0)).hasMessageContaining("root");
        assertThatThrownBy(() -> QemuUser.byName("no such user")).hasMessageContaining("not a valid account name");
        assertThatThrownBy(() -> QemuUser.byName("qmpkit-no-such-user")).hasMessageContaining("no user");
        Confinement c = Confinement.builder().user(USER).allowSpawn(true).build();
        assertThat(launcher(c).toBuilder().build().confinement()).isEqualTo(c);
        assertThat(c.toBuilder().build()).isEqualTo(c);
        assertThat(Confinement.killedBySandbox(159)).isTrue();
        assertThat(Confinement.killedBySandbox(137)).isFalse();
    }

    @Test
    void procStatusIsParsed() {
        ConfinementStatus s = ConfinementStatus.parse(42, """
                Name:\tqemu-system-x86
                Uid:\t64001\t64001\t64001\t64001
                Gid:\t64002\t64002\t64002\t64002
                Groups:\t64002
                CapEff:\t0000000000000000
                NoNewPrivs:\t1
                Seccomp:\t2
                """);
        assertThat(s).isEqualTo(new ConfinementStatus(42, 64001, 64002, List.of(64002), 2, true, 0));
        assertThat(s.render()).contains("uid 64001").contains("filter (mode 2").contains("NoNewPrivs: 1")
                .doesNotContain("not least privilege");
        ConfinementStatus root = ConfinementStatus.parse(1, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\n"
                + "NoNewPrivs:\t0\nSeccomp:\t0\nCapEff:\t000001ffffffffff\n");
        assertThat(root.render()).contains("not least privilege: runs as root").contains("no seccomp filter")
                .contains("NoNewPrivs not set");
    }

    private static QemuLauncher launcher(Confinement c) {
        return QemuLauncher.builder(BIN).args("-M", "none").confinement(c).build();
    }
}
