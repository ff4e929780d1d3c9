package dev.qmpkit.templating.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.qmpkit.qmp.launch.QemuBinary;
import dev.qmpkit.templating.ManifestCorruptException;
import dev.qmpkit.templating.ManifestCorruptException.Reason;
import dev.qmpkit.templating.TemplateManifest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads and writes {@code manifest.json}, and computes its fingerprint. */
public final class ManifestIo {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ManifestIo() {
    }

    /** @return the SHA-256 of the manifest's canonical JSON with the fingerprint left out */
    public static String fingerprint(TemplateManifest m) {
        TemplateManifest unsigned = m.withFingerprint(null);
        try {
            return Durable.sha256(MAPPER.writeValueAsBytes(unsigned));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a manifest", e);
        }
    }

    /** @return a copy of {@code m} carrying its fingerprint */
    public static TemplateManifest sign(TemplateManifest m) {
        return m.withFingerprint(fingerprint(m));
    }

    /** Writes the manifest durably (temp file, fsync, atomic rename, directory fsync). */
    public static void write(Path dir, TemplateManifest m) throws IOException {
        Durable.atomicWrite(dir.resolve(TemplateManifest.FILE_NAME), PRETTY.writeValueAsBytes(m));
    }

    /**
     * Reads the manifest and checks format version and fingerprint, then the consistency checks
     * of {@link TemplateChecks#verifyManifest}.
     */
    public static TemplateManifest readChecked(Path dir) {
        Path file = dir.resolve(TemplateManifest.FILE_NAME);
        TemplateManifest m;
        try {
            m = MAPPER.readValue(Files.readAllBytes(file), TemplateManifest.class);
        } catch (NoSuchFileException e) {
            throw new ManifestCorruptException(file, Reason.MISSING, "no " + TemplateManifest.FILE_NAME + " in " + dir
                    + ": this is not a template directory, or its save did not finish (a save writes the manifest "
                    + "last, so an interrupted save leaves none). Save the template again.", e);
        } catch (IOException e) {
            throw new ManifestCorruptException(file, Reason.UNREADABLE, "cannot read template manifest " + file
                    + ": " + e.getMessage() + ". Fix: restore the file, or save the template again.", e);
        }
        if (m.formatVersion() != TemplateManifest.FORMAT_VERSION) {
            throw new ManifestCorruptException(file, Reason.UNSUPPORTED_FORMAT, "template manifest " + file
                    + " has format version " + m.formatVersion() + "; this SDK reads version "
                    + TemplateManifest.FORMAT_VERSION + ". Fix: save the template again with this SDK.", null);
        }
        TemplateChecks.verifyManifest(dir, m);
        return m;
    }

    /** @return the binary the manifest records */
    public static QemuBinary binary(TemplateManifest m) {
        return new QemuBinary(Path.of(m.qemu().executable()), m.qemu().firmwareDirs().stream().map(Path::of).toList());
    }
}
