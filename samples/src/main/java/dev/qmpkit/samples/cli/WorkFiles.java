package dev.qmpkit.samples.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** The samples' own scratch files: folders they create and remove again. */
public final class WorkFiles {
    private WorkFiles() {
    }

    /**
     * Deletes a folder the samples created, with everything in it; a symbolic link is removed,
     * never followed. Does nothing when it does not exist.
     *
     * @param dir the folder; never null
     * @throws IOException when something in it cannot be deleted
     */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
