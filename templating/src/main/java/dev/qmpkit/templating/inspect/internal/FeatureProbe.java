package dev.qmpkit.templating.inspect.internal;

import dev.qmpkit.qmp.QmpClient;
import dev.qmpkit.qmp.schema.QmpSchema;
import dev.qmpkit.templating.inspect.QemuFeatures;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Detects {@link QemuFeatures} through {@link QmpSchema}: {@code qom-list-properties} for the
 * {@code rom} property, the {@code MigrationCapability} enum for capability names, and
 * {@code migrate-incoming}'s arguments for the {@code file} migration transport (its
 * {@code channels} carry a MigrationAddress tagged by MigrationAddressType, which has
 * {@code file} since 8.2).
 */
public final class FeatureProbe {
    private FeatureProbe() {
    }

    /** The migrate-incoming arguments templating cares about. */
    private static final List<String> INCOMING_ARGUMENTS = List.of("uri", "channels", "exit-on-error");

    /**
     * @param client a connected client; never null
     * @return the features
     */
    public static QemuFeatures detect(QmpClient client) {
        QmpSchema schema = QmpSchema.of(client);
        Set<String> incoming = new LinkedHashSet<>();
        for (String arg : INCOMING_ARGUMENTS) {
            if (schema.commandHasArgument("migrate-incoming", arg)) {
                incoming.add(arg);
            }
        }
        boolean fileUri = schema.argumentEnumValues("migrate-incoming", "channels.addr.transport").contains("file");
        return new QemuFeatures(client.qemuVersion(), schema.qomTypeHasProperty("memory-backend-file", "rom"),
                fileUri, schema.migrationCapabilities(), incoming);
    }
}
