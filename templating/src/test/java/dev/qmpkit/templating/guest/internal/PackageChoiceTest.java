package dev.qmpkit.templating.guest.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which kernel package the builder picks, what it reads from apt, and what it reads from ELF files. */
class PackageChoiceTest {

    @Test
    void theNewestKernelIsChosenByTheNumbersInItsName() {
        List<String> names = new ArrayList<>(List.of("linux-image-6.12.95+deb12-cloud-amd64",
                "linux-image-6.12.117+deb12-cloud-amd64", "linux-image-6.12.9+deb12-cloud-amd64",
                "linux-image-6.12.90+deb12.1-cloud-amd64", "linux-image-6.12.90+deb12-cloud-amd64"));
        names.sort(LinuxGuestBuild::compareKernelNames);
        assertThat(names).containsExactly("linux-image-6.12.9+deb12-cloud-amd64",
                "linux-image-6.12.90+deb12-cloud-amd64", "linux-image-6.12.90+deb12.1-cloud-amd64",
                "linux-image-6.12.95+deb12-cloud-amd64", "linux-image-6.12.117+deb12-cloud-amd64");
    }

    @Test
    void candidateVersionsAreReadFromAptCachePolicy() {
        String policy = """
                linux-image-6.12.117+deb12-cloud-amd64:
                  Installed: (none)
                  Candidate: 6.12.117-1~deb12u1
                  Version table:
                     6.12.117-1~deb12u1 500
                        500 http://deb.debian.org/debian-security bookworm-security/main amd64 Packages
                qemu-guest-agent:
                  Installed: 1:7.2+dfsg-7+deb12u18+b3
                  Candidate: 1:7.2+dfsg-7+deb12u18+b3
                  Version table:
                     1:10.0.2+ds-2+deb13u1~bpo12+1 100
                        100 http://deb.debian.org/debian bookworm-backports/main amd64 Packages
                 *** 1:7.2+dfsg-7+deb12u18+b3 500
                        100 /var/lib/dpkg/status
                gone:
                  Installed: (none)
                  Candidate: (none)
                  Version table:
                """;
        assertThat(AptPackageSource.parsePolicy(policy)).containsExactly(
                java.util.Map.entry("linux-image-6.12.117+deb12-cloud-amd64", "6.12.117-1~deb12u1"),
                java.util.Map.entry("qemu-guest-agent", "1:7.2+dfsg-7+deb12u18+b3"));
    }

    @Test
    void debFileNamesEscapeTheEpochLikeApt() {
        assertThat(LinuxGuestBuild.debFileName("busybox-static", "1:1.35.0-4+deb12u1+b1"))
                .isEqualTo("busybox-static_1%3a1.35.0-4+deb12u1+b1.deb");
    }

    @Test
    void theJvmsOwnLauncherNamesLibcAndTheDynamicLoader() throws Exception {
        Path java = Path.of(ProcessHandle.current().info().command().orElseThrow()).toRealPath();
        Elf elf = Elf.read(java);
        assertThat(elf.needed()).contains("libc.so.6");
        assertThat(elf.interpreter()).hasValue("/lib64/ld-linux-x86-64.so.2");
    }

    @Test
    void aFileThatIsNotElfIsRefusedWithItsName() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Elf.of("init.sh", "#!/bin/sh\n".repeat(10).getBytes()))
                .hasMessageContaining("init.sh is not an ELF file");
    }
}
