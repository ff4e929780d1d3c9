package dev.qmpkit.templating.internal;

import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.qmp.launch.QemuProcess;
import dev.qmpkit.templating.inspect.QemuFeatures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@link QemuFeatures} of each QEMU binary an owner ran, detected once (the schema alone is
 * about 240 KB) from the first of its QEMUs that asks, and again when the binary's file changes.
 * Owned by one {@code Templating}, so it goes away with its owner.
 */
public final class FeatureCache {

    private final Map<Key, QemuFeatures> features = new ConcurrentHashMap<>();

    /**
     * @param process a running QEMU of this owner; never null
     * @return the features of its binary, detected through its monitor the first time; never null
     * @throws dev.qmpkit.qmp.QmpException when QEMU cannot be queried
     */
    public QemuFeatures of(QemuProcess process) {
        Key key = new Key(process.binary(), modified(process.binary()));
        QemuFeatures f = features.get(key);
        if (f == null) {
            // Detected outside the map's lock: two first starts may both ask; the answers are equal.
            f = QemuFeatures.detect(process.qmp());
            QemuFeatures first = features.putIfAbsent(key, f);
            return first == null ? f : first;
        }
        return f;
    }

    private static FileTime modified(QemuBinary binary) {
        try {
            return Files.getLastModifiedTime(binary.executable());
        } catch (IOException e) {
            return null;
        }
    }

    private record Key(QemuBinary binary, FileTime modified) {
    }
}
