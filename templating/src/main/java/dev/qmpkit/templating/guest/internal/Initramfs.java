package dev.qmpkit.templating.guest.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The tree of an initramfs, collected in any order and written as a {@link NewcCpio} archive
 * with every parent directory before its children (the kernel does not create missing
 * parents). Paths are relative ({@code bin/busybox}); adding a path twice replaces it.
 */
public final class Initramfs {

    private sealed interface Node permits Dir, Data, Link, CharDev {
    }

    private record Dir(int perm) implements Node {
    }

    /** A file's bytes, or the host file they are read from when the archive is written. */
    private record Data(int perm, byte[] bytes, Path source) implements Node {
    }

    private record Link(String target) implements Node {
    }

    private record CharDev(int perm, int major, int minor) implements Node {
    }

    /** Sorted by path: a parent (a prefix) always sorts before its children. */
    private final TreeMap<String, Node> nodes = new TreeMap<>();

    /** @param path e.g. {@code proc}; never null @param perm e.g. 0755 */
    public void directory(String path, int perm) {
        put(path, new Dir(perm));
    }

    /** @param path the file's path; never null @param perm e.g. 0755 @param bytes its contents; never null */
    public void file(String path, int perm, byte[] bytes) {
        put(path, new Data(perm, bytes.clone(), null));
    }

    /** @param path the file's path; never null @param perm e.g. 0755 @param text its contents, UTF-8; never null */
    public void file(String path, int perm, String text) {
        file(path, perm, text.getBytes(StandardCharsets.UTF_8));
    }

    /** @param path the file's path; never null @param perm e.g. 0755 @param source a host file read at write time; never null */
    public void copy(String path, int perm, Path source) {
        put(path, new Data(perm, null, Objects.requireNonNull(source, "source")));
    }

    /** @param path the link's path; never null @param target what it points to; never null */
    public void symlink(String path, String target) {
        put(path, new Link(Objects.requireNonNull(target, "target")));
    }

    /** @param path e.g. {@code dev/console}; never null @param perm e.g. 0600 @param major major number @param minor minor number */
    public void charDevice(String path, int perm, int major, int minor) {
        put(path, new CharDev(perm, major, minor));
    }

    /** @return every path, parents first; never null */
    public List<String> paths() {
        return List.copyOf(nodes.keySet());
    }

    /**
     * Writes the archive.
     *
     * @param out receives it; never null, not closed
     * @throws IOException when a source file cannot be read or {@code out} written
     */
    public void writeTo(OutputStream out) throws IOException {
        try (NewcCpio cpio = new NewcCpio(out)) {
            for (var e : nodes.entrySet()) {
                String path = e.getKey();
                Node n = e.getValue();
                if (n instanceof Dir d) {
                    cpio.directory(path, d.perm());
                } else if (n instanceof Data f) {
                    cpio.file(path, f.perm(), f.bytes() != null ? f.bytes() : Files.readAllBytes(f.source()));
                } else if (n instanceof Link l) {
                    cpio.symlink(path, l.target());
                } else if (n instanceof CharDev c) {
                    cpio.charDevice(path, c.perm(), c.major(), c.minor());
                }
            }
        }
    }

    private void put(String path, Node node) {
        Objects.requireNonNull(path, "path");
        if (path.isEmpty() || path.startsWith("/") || path.endsWith("/") || path.contains("//")
                || List.of(path.split("/")).contains("..")) {
            throw new IllegalArgumentException("initramfs path must be relative and normal: '" + path + "'");
        }
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            nodes.putIfAbsent(path.substring(0, slash), new Dir(0755));
        }
        nodes.put(path, node);
    }
}
