package dev.qmpkit.templating.guest.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.qmpkit.templating.guest.GuestBuildException;
import dev.qmpkit.templating.guest.LinuxGuest;
import dev.qmpkit.templating.guest.PackageSource;
import dev.qmpkit.templating.internal.Durable;
import dev.qmpkit.templating.WorkFiles;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link LinuxGuest} into its cache folder: resolve package versions, derive the key,
 * reuse or build (fetch, unpack, initramfs, data disk), rename into place.
 */
public final class LinuxGuestBuild {
    /** Part of every key: bump when the build's output changes for the same inputs. */
    static final int BUILDER_VERSION = 1;
    static final String MANIFEST = "guest.json";
    static final String KERNEL_FILE = "vmlinuz";
    static final String INITRAMFS_FILE = "initramfs.cpio";
    static final String DATA_DISK_FILE = "data.ext4";

    private static final Logger LOG = LoggerFactory.getLogger(LinuxGuestBuild.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** A build folder this old was left by a process that died: nothing is still writing it. */
    private static final Duration STALE = Duration.ofHours(1);
    private static final Duration UNPACK_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration TOOL_TIMEOUT = Duration.ofMinutes(2);
    private static final Pattern NUMBER = Pattern.compile("\\d+");

    private static final String APT_FIX = "run 'apt-get update' as root and check the connection to the Debian "
            + "mirror, or build without apt: LinuxGuest.builder().kernel(...).initramfs(...)";
    private static final String KERNEL_FIX = "the 6.12 cloud kernel comes from bookworm-security or "
            + "bookworm-backports: enable one of them in /etc/apt/sources.list.d (./qmpkit install-qemu adds "
            + "bookworm-backports) and run 'apt-get update' as root; or name a kernel package apt has with "
            + "LinuxGuest.builder().kernelPackage(...)";

    /**
     * What to build.
     *
     * @param cacheDir the cache root; the guest goes to {@code cacheDir/linux-guest}
     * @param source where packages come from
     * @param kernelPackage the kernel package, or null for the newest 6.12 cloud kernel
     * @param modules module names to load (dependencies added)
     * @param hostname the guest's host name
     * @param dataDiskBytes the data disk's size, 0 for none
     * @param dataFiles files to put on the data disk
     * @param progress receives progress lines
     */
    public record Recipe(Path cacheDir, PackageSource source, String kernelPackage, List<String> modules,
                         String hostname, long dataDiskBytes, Map<String, byte[]> dataFiles, Consumer<String> progress) {
        /** Copies. */
        public Recipe {
            modules = List.copyOf(modules);
            dataFiles = new TreeMap<>(dataFiles);
        }
    }

    /**
     * A built (or reused) guest.
     *
     * @param kernel the kernel file
     * @param initramfs the initramfs file
     * @param dataDisk the data disk, or null
     * @param kernelPackage the kernel package
     * @param packages every package, name to version
     */
    public record Result(Path kernel, Path initramfs, Path dataDisk, String kernelPackage, Map<String, String> packages) {
    }

    /** The versions a build uses: the kernel package chosen and every package's version. */
    private record Resolved(String kernelPackage, Map<String, String> versions) {
    }

    private final Recipe recipe;
    private final Path root;

    /** @param recipe what to build; never null */
    public LinuxGuestBuild(Recipe recipe) {
        this.recipe = Objects.requireNonNull(recipe, "recipe");
        this.root = recipe.cacheDir().resolve("linux-guest");
    }

    /**
     * @return the guest, from the cache or freshly built
     * @throws IOException when the cache cannot be used
     * @throws InterruptedException when interrupted
     */
    public Result run() throws IOException, InterruptedException {
        Files.createDirectories(root);
        Resolved resolved = resolve();
        String inputs = inputs(resolved);
        String key = Durable.sha256(inputs.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path target = root.resolve(resolved.kernelPackage().replaceFirst("^linux-image-", "") + "-" + key);
        if (Files.isRegularFile(target.resolve(MANIFEST))) {
            step("Linux guest: using the cached %s", target);
            return load(target);
        }
        removeStale();
        Path work = Files.createTempDirectory(root, ".build-");
        try {
            Path out = assemble(resolved, inputs, work);
            publish(out, target);
        } finally {
            WorkFiles.deleteTree(work);
        }
        pruneDebs(resolved);
        step("Linux guest: cached in %s", target);
        return load(target);
    }

    // ---- versions and the key ----

    private Resolved resolve() throws IOException, InterruptedException {
        String request = "builder " + BUILDER_VERSION + "\nkernel " + (recipe.kernelPackage() != null
                ? recipe.kernelPackage() : "newest " + LinuxGuest.DEFAULT_KERNEL_PATTERN) + "\npackages "
                + String.join(",", LinuxGuest.GUEST_PACKAGES) + "\n";
        Path memo = root.resolve("resolved").resolve(Durable.sha256(request.getBytes(StandardCharsets.UTF_8))
                .substring(0, 16) + ".json");
        Optional<String> fingerprint = recipe.source().indexFingerprint();
        JsonNode previous = null;
        if (Files.isRegularFile(memo)) {
            try {
                previous = JSON.readTree(memo.toFile());
            } catch (IOException e) {
                LOG.debug("ignoring unreadable {}: {}", memo, e.toString());
            }
        }
        if (previous != null && fingerprint.isPresent() && previous.path("fingerprint").asText()
                .equals(fingerprint.get())) {
            return resolved(previous);
        }
        step("Linux guest: resolving package versions");
        Resolved r;
        try {
            r = resolveWithSource();
        } catch (GuestBuildException e) {
            if (previous == null) {
                throw e;
            }
            // apt's lists are gone or broken (e.g. removed to slim an image): what was resolved before still builds
            // or finds the same cached guest, and a download that is still needed fails with its own message.
            step("Linux guest: apt cannot resolve the packages now (%s); using the versions resolved before",
                    e.getMessage());
            return resolved(previous);
        }
        if (fingerprint.isPresent()) {
            ObjectNode m = JSON.createObjectNode();
            m.put("fingerprint", fingerprint.get());
            m.put("kernelPackage", r.kernelPackage());
            r.versions().forEach(m.putObject("versions")::put);
            try {
                Files.createDirectories(memo.getParent());
                Durable.atomicWrite(memo, JSON.writeValueAsBytes(m));
            } catch (IOException e) {
                // Only saves asking apt next time (another build may be writing the same file).
                LOG.debug("cannot record the resolved versions in {}: {}", memo, e.toString());
            }
        }
        return r;
    }

    private static Resolved resolved(JsonNode memo) {
        Map<String, String> versions = new TreeMap<>();
        memo.path("versions").fields().forEachRemaining(e -> versions.put(e.getKey(), e.getValue().asText()));
        return new Resolved(memo.path("kernelPackage").asText(), versions);
    }

    private Resolved resolveWithSource() throws IOException, InterruptedException {
        PackageSource source = recipe.source();
        List<String> kernels;
        if (recipe.kernelPackage() != null) {
            kernels = List.of(recipe.kernelPackage());
        } else {
            try {
                kernels = new ArrayList<>(source.search(LinuxGuest.DEFAULT_KERNEL_PATTERN));
            } catch (IOException e) {
                throw new GuestBuildException("cannot list the kernel packages apt offers: " + e.getMessage(), APT_FIX, e);
            }
            kernels.sort(LinuxGuestBuild::compareKernelNames);
        }
        List<String> names = new ArrayList<>(kernels);
        names.addAll(LinuxGuest.GUEST_PACKAGES);
        Map<String, String> candidates;
        try {
            candidates = source.candidateVersions(names);
        } catch (IOException e) {
            throw new GuestBuildException("cannot resolve the versions of " + String.join(", ", names) + ": "
                    + e.getMessage(), APT_FIX, e);
        }
        String kernel = null;
        for (int i = kernels.size() - 1; i >= 0 && kernel == null; i--) {
            kernel = candidates.containsKey(kernels.get(i)) ? kernels.get(i) : null;
        }
        if (kernel == null) {
            throw new GuestBuildException(recipe.kernelPackage() != null
                    ? "apt offers no version of the kernel package " + recipe.kernelPackage()
                    : "apt offers no 6.12 cloud kernel (no package linux-image-6.12.*-cloud-amd64 has a candidate "
                    + "version)", KERNEL_FIX, null);
        }
        Map<String, String> versions = new TreeMap<>();
        versions.put(kernel, candidates.get(kernel));
        for (String p : LinuxGuest.GUEST_PACKAGES) {
            String v = candidates.get(p);
            if (v == null) {
                throw new GuestBuildException("apt offers no version of the package " + p
                        + " (the guest needs it)", APT_FIX, null);
            }
            versions.put(p, v);
        }
        LOG.info("Linux guest packages: {}", versions);
        return new Resolved(kernel, versions);
    }

    /**
     * Orders kernel package names by the numbers of their version part
     * ({@code linux-image-VERSION-cloud-amd64}): 6.12.9 before 6.12.10, +deb12 before +deb12.1.
     */
    static int compareKernelNames(String a, String b) {
        Matcher ma = NUMBER.matcher(kernelVersionPart(a));
        Matcher mb = NUMBER.matcher(kernelVersionPart(b));
        while (true) {
            boolean fa = ma.find();
            boolean fb = mb.find();
            if (!fa || !fb) {
                return fa ? 1 : fb ? -1 : a.compareTo(b);
            }
            int c = new java.math.BigInteger(ma.group()).compareTo(new java.math.BigInteger(mb.group()));
            if (c != 0) {
                return c;
            }
        }
    }

    private static String kernelVersionPart(String name) {
        String v = name.replaceFirst("^linux-image-", "");
        int dash = v.indexOf('-');
        return dash < 0 ? v : v.substring(0, dash);
    }

    /** Everything the built files depend on, one per line: hashed into the cache key and kept in the manifest. */
    private String inputs(Resolved r) {
        StringBuilder sb = new StringBuilder();
        sb.append("builder ").append(BUILDER_VERSION).append('\n');
        sb.append("kernel ").append(r.kernelPackage()).append('\n');
        r.versions().forEach((p, v) -> sb.append("package ").append(p).append(' ').append(v).append('\n'));
        sb.append("modules ").append(String.join(",", recipe.modules())).append('\n');
        sb.append("hostname ").append(recipe.hostname()).append('\n');
        sb.append("init sha256:").append(Durable.sha256(GuestRootFs.INIT.getBytes(StandardCharsets.UTF_8))).append('\n');
        sb.append("udhcpc-script sha256:").append(Durable.sha256(GuestRootFs.LEASE_SCRIPT.getBytes(StandardCharsets.UTF_8)))
                .append('\n');
        sb.append("data-disk ").append(recipe.dataDiskBytes()).append('\n');
        if (recipe.dataDiskBytes() > 0) {
            recipe.dataFiles().forEach((p, b) -> sb.append("data-file ").append(p).append(" sha256:")
                    .append(Durable.sha256(b)).append('\n'));
        }
        return sb.toString();
    }

    // ---- the build ----

    private Path assemble(Resolved r, String inputs, Path work) throws IOException, InterruptedException {
        Map<String, Path> debs = fetch(r);
        Path tree = work.resolve("unpacked");
        Files.createDirectories(tree);
        step("Linux guest: unpacking %d packages", debs.size());
        Path dpkgDeb = tool("dpkg-deb", "dpkg");
        for (var e : debs.entrySet()) {
            HostCommand.Result x = HostCommand.run(List.of(dpkgDeb.toString(), "-x", e.getValue().toString(),
                    tree.toString()), null, Map.of(), UNPACK_TIMEOUT);
            if (x.exitCode() != 0) {
                throw new GuestBuildException("dpkg-deb -x could not unpack " + e.getValue() + " (package " + e.getKey()
                        + "): " + x.tail(), "delete " + e.getValue() + " so it is downloaded again", null);
            }
        }
        Path out = work.resolve("guest");
        Files.createDirectories(out);

        Path vmlinuz = single(tree.resolve("boot"), "vmlinuz-*", r.kernelPackage());
        String release = vmlinuz.getFileName().toString().substring("vmlinuz-".length());
        Path config = tree.resolve("boot").resolve("config-" + release);
        Files.move(vmlinuz, out.resolve(KERNEL_FILE));

        GuestRootFs rootFs = new GuestRootFs(tree, r.kernelPackage(), recipe.hostname(), recipe.modules());
        Initramfs fs = rootFs.build(release);
        Path initramfs = out.resolve(INITRAMFS_FILE);
        try (OutputStream os = Files.newOutputStream(initramfs)) {
            fs.writeTo(os);
        }
        step("Linux guest: initramfs %d KiB (busybox with %d applets, qemu-ga with %d libraries, modules %s)",
                Files.size(initramfs) / 1024, rootFs.applets(), rootFs.libraries().size(),
                String.join(" ", rootFs.modules()));

        if (recipe.dataDiskBytes() > 0) {
            dataDisk(work, out.resolve(DATA_DISK_FILE));
        }

        ObjectNode m = JSON.createObjectNode();
        m.put("builderVersion", BUILDER_VERSION);
        m.put("created", Instant.now().toString());
        m.put("kernelPackage", r.kernelPackage());
        m.put("kernelRelease", release);
        m.put("vmgenidDriver", kernelConfig(config, "CONFIG_VMGENID").orElse("absent"));
        r.versions().forEach(m.putObject("packages")::put);
        rootFs.modules().forEach(m.putArray("modules")::add);
        rootFs.libraries().forEach(m.putArray("agentLibraries")::add);
        m.put("hostname", recipe.hostname());
        m.put("dataDisk", recipe.dataDiskBytes() > 0 ? DATA_DISK_FILE : null);
        m.put("inputs", inputs);
        Files.write(out.resolve(MANIFEST), JSON.writeValueAsBytes(m));
        try (Stream<Path> files = Files.list(out)) {
            for (Path f : files.toList()) {
                Durable.fsync(f);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--r--r--"));
            }
        }
        return out;
    }

    /** Downloads the packages not in {@code linux-guest/debs} yet. */
    private Map<String, Path> fetch(Resolved r) throws IOException, InterruptedException {
        Path debs = root.resolve("debs");
        Files.createDirectories(debs);
        Map<String, Path> files = new LinkedHashMap<>();
        for (var e : r.versions().entrySet()) {
            String name = e.getKey();
            String version = e.getValue();
            Path deb = debs.resolve(debFileName(name, version));
            if (!Files.isRegularFile(deb)) {
                step("Linux guest: downloading %s %s", name, version);
                Path tmp = Files.createTempDirectory(debs, ".download-");
                try {
                    Path got;
                    try {
                        got = recipe.source().download(name, version, tmp);
                    } catch (IOException e2) {
                        boolean kernel = name.equals(r.kernelPackage());
                        throw new GuestBuildException("cannot fetch the Debian package " + name + " (version " + version
                                + "): " + e2.getMessage(), kernel ? KERNEL_FIX : APT_FIX, e2);
                    }
                    Durable.fsync(got);
                    Files.move(got, deb, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } finally {
                    WorkFiles.deleteTree(tmp);
                }
            }
            files.put(name, deb);
        }
        return files;
    }

    static String debFileName(String name, String version) {
        return name + "_" + version.replace(":", "%3a") + ".deb";
    }

    private void dataDisk(Path work, Path image) throws IOException, InterruptedException {
        Path staging = work.resolve("data");
        Files.createDirectories(staging);
        for (var f : recipe.dataFiles().entrySet()) {
            Path p = staging.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
        Path mke2fs = tool("mke2fs", "e2fsprogs");
        // No lazy initialisation: the guest's kernel would otherwise write the disk in the background after mounting it.
        HostCommand.Result r = HostCommand.run(List.of(mke2fs.toString(), "-q", "-F", "-t", "ext4", "-L",
                LinuxGuest.DATA_DISK_LABEL, "-m", "0", "-E",
                "root_owner=0:0,lazy_itable_init=0,lazy_journal_init=0,nodiscard", "-d", staging.toString(),
                image.toString(), (recipe.dataDiskBytes() / 1024) + "k"), null, Map.of(), TOOL_TIMEOUT);
        if (r.exitCode() != 0) {
            throw new GuestBuildException("mke2fs could not build the data disk: " + r.tail(),
                    "check that the data files fit the data disk (dataDiskSize)", null);
        }
        step("Linux guest: data disk %d MiB (ext4 '%s', %d files)", recipe.dataDiskBytes() >> 20,
                LinuxGuest.DATA_DISK_LABEL, recipe.dataFiles().size());
    }

    private static Path tool(String name, String debianPackage) {
        return HostCommand.find(name).orElseThrow(() -> new GuestBuildException("the host tool " + name
                + " is missing", "install it: apt-get install " + debianPackage + " (as root)", null));
    }

    private static Optional<String> kernelConfig(Path config, String option) throws IOException {
        if (!Files.isRegularFile(config)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(config)) {
            return lines.filter(l -> l.startsWith(option + "=")).map(l -> l.substring(option.length() + 1)).findFirst();
        }
    }

    private static Path single(Path dir, String glob, String pkg) throws IOException {
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, glob)) {
                for (Path p : s) {
                    return p;
                }
            }
        }
        throw new GuestBuildException("the package " + pkg + " has no " + dir.getFileName() + "/" + glob,
                "name a kernel image package (linux-image-...) with kernelPackage(...)", null);
    }

    // ---- the cache ----

    /** Renames the finished folder into place; when another build got there first, keeps that one. */
    private void publish(Path out, Path target) throws IOException {
        Durable.fsyncDir(out);
        if (Files.exists(target) && !Files.isRegularFile(target.resolve(MANIFEST))) {
            WorkFiles.deleteTree(target); // not a complete build (renames are atomic): someone else's leftovers
        }
        try {
            Files.move(out, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            LOG.info("another build of {} finished first; using it", target);
            return;
        }
        Durable.fsyncDir(root);
    }

    private Result load(Path dir) throws IOException {
        JsonNode m = JSON.readTree(dir.resolve(MANIFEST).toFile());
        Map<String, String> packages = new TreeMap<>();
        m.path("packages").fields().forEachRemaining(e -> packages.put(e.getKey(), e.getValue().asText()));
        Path disk = m.path("dataDisk").isTextual() ? dir.resolve(m.path("dataDisk").asText()) : null;
        return new Result(dir.resolve(KERNEL_FILE), dir.resolve(INITRAMFS_FILE), disk, m.path("kernelPackage").asText(),
                packages);
    }

    /** Removes build and download folders of processes that died mid-way. */
    private void removeStale() throws IOException {
        FileTime cutoff = FileTime.from(Instant.now().minus(STALE));
        for (Path dir : List.of(root, root.resolve("debs"))) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, ".{build,download}-*")) {
                for (Path p : s) {
                    if (Files.getLastModifiedTime(p).compareTo(cutoff) < 0) {
                        LOG.info("removing {}, left by an interrupted build", p);
                        WorkFiles.deleteTree(p);
                    }
                }
            }
        }
    }

    /** Keeps one version per package in linux-guest/debs: the one just used. */
    private void pruneDebs(Resolved r) throws IOException {
        Path debs = root.resolve("debs");
        for (var e : r.versions().entrySet()) {
            String keep = debFileName(e.getKey(), e.getValue());
            try (DirectoryStream<Path> s = Files.newDirectoryStream(debs, e.getKey() + "_*.deb")) {
                for (Path p : s) {
                    if (!p.getFileName().toString().equals(keep)) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private void step(String format, Object... args) {
        String line = String.format(format, args);
        LOG.info(line);
        recipe.progress().accept(line);
    }
}
