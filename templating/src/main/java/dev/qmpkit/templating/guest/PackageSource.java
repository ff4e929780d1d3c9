package dev.qmpkit.templating.guest;

import dev.qmpkit.templating.guest.internal.AptPackageSource;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where {@link LinuxGuest.Builder} gets Debian packages from. The default, {@link #apt()},
 * asks the host's apt: it works as any user (nothing is installed; {@code apt-get download}
 * only fetches the {@code .deb}), and needs apt's package lists ({@code apt-get update}, as
 * root). Another implementation can serve packages from a mirror or a folder of {@code .deb}
 * files. Implementations must be thread-safe.
 */
public interface PackageSource {

    /**
     * @return the host's apt ({@code apt-cache search}, {@code apt-cache policy},
     *         {@code apt-get download}); never null
     */
    static PackageSource apt() {
        return AptPackageSource.system();
    }

    /**
     * Package names that match a pattern, like {@code apt-cache search --names-only}.
     *
     * @param nameRegex an extended regular expression over the whole name; never null
     * @return the matching names, in any order; never null
     * @throws IOException when the source cannot be asked
     * @throws InterruptedException when interrupted
     */
    List<String> search(String nameRegex) throws IOException, InterruptedException;

    /**
     * The version each package would be fetched in, like the {@code Candidate:} of
     * {@code apt-cache policy}.
     *
     * @param names package names; never null
     * @return name to version for the names the source can serve; names it cannot are absent;
     *         never null
     * @throws IOException when the source cannot be asked
     * @throws InterruptedException when interrupted
     */
    Map<String, String> candidateVersions(List<String> names) throws IOException, InterruptedException;

    /**
     * Fetches one package file.
     *
     * @param name the package; never null
     * @param version the version, as {@link #candidateVersions} returned it; never null
     * @param dir an empty folder to put the {@code .deb} in; never null
     * @return the {@code .deb} file, inside {@code dir}; never null
     * @throws IOException when it cannot be fetched; the message should say why (apt's error)
     * @throws InterruptedException when interrupted
     */
    Path download(String name, String version, Path dir) throws IOException, InterruptedException;

    /**
     * A value that changes whenever the answers of {@link #search} and
     * {@link #candidateVersions} may change (for apt: its package lists and configuration).
     * While it stays the same, the builder reuses the versions it resolved before and does not
     * ask the source again. The default, empty, means "always ask".
     *
     * @return the fingerprint, or empty when unknown; never null
     * @throws IOException when it cannot be computed
     */
    default Optional<String> indexFingerprint() throws IOException {
        return Optional.empty();
    }
}
