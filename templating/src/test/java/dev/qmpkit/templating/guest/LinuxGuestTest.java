package dev.qmpkit.templating.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.qmpkit.templating.guest.internal.AptPackageSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees when apt cannot deliver, and the builder's checks; no network, no QEMU. */
class LinuxGuestTest {

    private static final String KERNEL = "linux-image-6.12.117+deb12-cloud-amd64";

    @TempDir
    Path tmp;

    /** A fake apt on a folder of its own: it knows the packages, but every download fails the way a stale list does. */
    private AptPackageSource fakeApt(String searchOutput) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        StringBuilder policy = new StringBuilder();
        for (String p : Stream.concat(Stream.of(KERNEL), LinuxGuest.GUEST_PACKAGES.stream()).toList()) {
            policy.append(p).append(":\n  Installed: (none)\n  Candidate: 1.0-1\n  Version table:\n");
        }
        script(bin.resolve("apt-cache"), "case \"$1\" in\n"
                + "  search) printf '%s' '" + searchOutput + "' ;;\n"
                + "  policy) printf '%s' '" + policy + "' ;;\n"
                + "esac\n");
        // Called as: apt-get download -q NAME=VERSION
        script(bin.resolve("apt-get"), "echo 'Err:1 http://deb.debian.org/debian bookworm/main amd64 " + "$3"
                + "' >&2\necho \"E: Failed to fetch http://deb.debian.org/debian/pool/main/$3.deb  404  Not Found"
                + " [IP: 127.0.0.1 80]\" >&2\nexit 100\n");
        return new AptPackageSource(bin);
    }

    private static void script(Path file, String body) throws IOException {
        Files.writeString(file, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aPackageAptCannotFetchIsNamedWithAptsErrorAndTheFix() throws Exception {
        AptPackageSource apt = fakeApt(KERNEL + " - Linux 6.12 for x86-64 cloud (signed)\n");
        Path cache = tmp.resolve("cache");

        assertThatThrownBy(() -> LinuxGuest.builder().cacheDir(cache).packageSource(apt).build())
                .isInstanceOf(GuestBuildException.class)
                // The first package fetched (in name order) is busybox-static.
                .hasMessageContaining("cannot fetch the Debian package busybox-static (version 1.0-1)")
                .hasMessageContaining("404  Not Found")
                .hasMessageContaining("Fix: run 'apt-get update' as root")
                .satisfies(e -> assertThat(((GuestBuildException) e).fix()).contains("apt-get update"));
        // Nothing half-built is left where a later build would find it.
        try (Stream<Path> left = Files.list(cache.resolve("linux-guest"))) {
            assertThat(left.map(p -> p.getFileName().toString())).containsOnly("debs");
        }
        try (Stream<Path> debs = Files.list(cache.resolve("linux-guest/debs"))) {
            assertThat(debs).isEmpty();
        }
    }

    @Test
    void noSixTwelveKernelInAptsListsNamesTheSuitesThatHaveOne() throws Exception {
        AptPackageSource apt = fakeApt("");

        assertThatThrownBy(() -> LinuxGuest.builder().cacheDir(tmp.resolve("cache")).packageSource(apt).build())
                .isInstanceOf(GuestBuildException.class)
                .hasMessageContaining("apt offers no 6.12 cloud kernel (no package linux-image-6.12.*-cloud-amd64")
                .hasMessageContaining("bookworm-backports")
                .hasMessageContaining("./qmpkit install-qemu adds bookworm-backports");
    }

    @Test
    void aMissingAptIsReportedAsSuch() {
        AptPackageSource none = new AptPackageSource(tmp.resolve("no-such-folder"));

        assertThatThrownBy(() -> LinuxGuest.builder().cacheDir(tmp.resolve("cache")).packageSource(none).build())
                .isInstanceOf(GuestBuildException.class)
                .hasMessageContaining("cannot list the kernel packages apt offers")
                .hasMessageContaining("is this a Debian or Ubuntu host?")
                .hasMessageContaining("LinuxGuest.builder().kernel(...).initramfs(...)");
    }

    @Test
    void aKernelAndInitramfsOfTheUsersOwnAreUsedWithoutAskingApt() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("bzImage"), "k");
        Path initrd = Files.writeString(tmp.resolve("initrd"), "i");
        Path disk = Files.writeString(tmp.resolve("disk.img"), "d");
        PackageSource refuses = new PackageSource() {
            @Override
            public List<String> search(String nameRegex) {
                throw new AssertionError("apt must not be asked");
            }

            @Override
            public Map<String, String> candidateVersions(List<String> names) {
                throw new AssertionError("apt must not be asked");
            }

            @Override
            public Path download(String name, String version, Path dir) {
                throw new AssertionError("apt must not be asked");
            }
        };

        LinuxGuest g = LinuxGuest.builder().cacheDir(tmp.resolve("cache")).packageSource(refuses).kernel(kernel)
                .initramfs(initrd).dataDisk(disk).append("console=ttyS0").build();

        assertThat(g).isEqualTo(new LinuxGuest(kernel, initrd, disk, "console=ttyS0", null, Map.of()));
        assertThat(g.boot().initrd()).isEqualTo(initrd);
        assertThat(tmp.resolve("cache")).doesNotExist();
    }

    @Test
    void aKernelWithoutItsInitramfsIsRefused() throws Exception {
        Path kernel = Files.writeString(tmp.resolve("bzImage"), "k");
        assertThatThrownBy(() -> LinuxGuest.builder().kernel(kernel).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("both a kernel and an initramfs");
        assertThatThrownBy(() -> LinuxGuest.builder().kernel(tmp.resolve("missing")).initramfs(kernel).build())
                .isInstanceOf(GuestBuildException.class).hasMessageContaining("missing given to LinuxGuest.builder() does not exist");
    }

    @Test
    void badOptionsAreRefusedWhenGiven() {
        LinuxGuest.Builder b = LinuxGuest.builder();
        assertThatThrownBy(() -> b.hostname("-bad")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.dataFile("../etc/passwd", new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.dataDiskSize(1 << 20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.kernelPackage("linux image")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> b.module("virtio net")).isInstanceOf(IllegalArgumentException.class);
    }
}
