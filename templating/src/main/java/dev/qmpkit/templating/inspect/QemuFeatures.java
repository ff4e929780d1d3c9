package dev.qmpkit.templating.inspect;

import dev.qmpkit.qmp.QemuVersion;
import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.templating.inspect.internal.FeatureProbe;
import java.util.Objects;
import java.util.Set;

/**
 * What a running QEMU supports for templating, found by introspection ({@code query-qmp-schema}
 * and {@code qom-list-properties}), not by comparing version strings. The version is kept for
 * messages, and for the one behaviour that left no trace to introspect
 * ({@link #ignoreSharedNeedsNamedFile()}).
 *
 * @param version the QEMU version from the greeting (for messages); never null
 * @param romProperty whether {@code memory-backend-file} has a {@code rom} property (8.2+)
 * @param fileMigrationUri whether {@code file:} migration URIs work (the schema's
 *                         {@code MigrationAddressType} has {@code file}; 8.2+)
 * @param migrationCapabilities every {@code MigrationCapability} name the schema lists; never null, immutable
 * @param migrateIncomingArguments the argument names of {@code migrate-incoming}; never null, immutable
 */
public record QemuFeatures(
        QemuVersion version,
        boolean romProperty,
        boolean fileMigrationUri,
        Set<String> migrationCapabilities,
        Set<String> migrateIncomingArguments) {

    /** The capability that skips shared file-backed RAM. */
    public static final String X_IGNORE_SHARED = "x-ignore-shared";
    /** The capability that discards RAM on the migration source. */
    public static final String RELEASE_RAM = "release-ram";
    /** The postcopy capability. */
    public static final String POSTCOPY_RAM = "postcopy-ram";
    /** The capability that writes RAM at fixed file offsets (9.0+). */
    public static final String MAPPED_RAM = "mapped-ram";
    /** The capability that makes an incoming migration check the source's UUID. */
    public static final String VALIDATE_UUID = "validate-uuid";

    /**
     * Copies.
     *
     * @param version the QEMU version from the greeting (for messages); never null
     * @param romProperty whether {@code memory-backend-file} has a {@code rom} property (8.2+)
     * @param fileMigrationUri whether {@code file:} migration URIs work (the schema's
     *                                {@code MigrationAddressType} has {@code file}; 8.2+)
     * @param migrationCapabilities every {@code MigrationCapability} name the schema lists; never null, immutable
     * @param migrateIncomingArguments the argument names of {@code migrate-incoming}; never null, immutable
     */
    public QemuFeatures {
        Objects.requireNonNull(version, "version");
        migrationCapabilities = Set.copyOf(migrationCapabilities);
        migrateIncomingArguments = Set.copyOf(migrateIncomingArguments);
    }

    /**
     * Introspects a running QEMU. Blocks for a few round trips (the schema is about 240 KB);
     * do not call on the client's I/O thread.
     *
     * @param client a connected client; never null
     * @return the features
     * @throws dev.qmpkit.qmp.QmpException when QEMU cannot be queried
     */
    public static QemuFeatures detect(QmpClient client) {
        return FeatureProbe.detect(client);
    }

    /**
     * @param capability a migration capability name; never null
     * @return whether this QEMU knows it
     */
    public boolean hasCapability(String capability) {
        return migrationCapabilities.contains(capability);
    }

    /** @return whether {@code x-ignore-shared} exists */
    public boolean hasIgnoreShared() {
        return hasCapability(X_IGNORE_SHARED);
    }

    /** @return whether {@code mapped-ram} exists (9.0+) */
    public boolean hasMappedRam() {
        return hasCapability(MAPPED_RAM);
    }

    /** @return whether {@code migrate-incoming} takes a {@code channels} argument (8.2+) */
    public boolean incomingChannels() {
        return migrateIncomingArguments.contains("channels");
    }

    /**
     * Whether {@code x-ignore-shared} skips only shared RAM backed by a named file (QEMU 8.1 and
     * later, commit "exec/memory: Introduce RAM_NAMED_FILE flag"). Before, it skips every shared
     * RAM block, so {@code memory-backend-ram} or {@code memfd} with {@code share=on} is saved
     * nowhere (measured on 7.2: the state of a guest that filled 32 MiB of such RAM holds none
     * of it). The one answer here taken from the version: the change left no trace in the
     * schema or in QOM.
     *
     * @return whether shared anonymous RAM is migrated in full rather than skipped
     */
    public boolean ignoreSharedNeedsNamedFile() {
        return ignoreSharedNeedsNamedFile(version);
    }

    /**
     * @param version a QEMU version; never null
     * @return {@link #ignoreSharedNeedsNamedFile()} for that version (8.1 and later)
     */
    public static boolean ignoreSharedNeedsNamedFile(QemuVersion version) {
        return version.atLeast(8, 1);
    }

    /**
     * @return whether the clone recipe {@code share=off,readonly=on,rom=off} is available; when
     *         not (7.2), clones need the private writable mapping ({@code share=off,readonly=off})
     */
    public boolean readonlyCloneRecipe() {
        return romProperty;
    }
}
