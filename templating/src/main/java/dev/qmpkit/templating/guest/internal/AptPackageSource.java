package dev.qmpkit.templating.guest.internal;

import dev.qmpkit.templating.guest.PackageSource;
import dev.qmpkit.templating.internal.Durable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@link PackageSource} over the host's apt: {@code apt-cache} for names and versions,
 * {@code apt-get download} for files. Runs as any user; nothing is installed.
 */
public final class AptPackageSource implements PackageSource {
    private static final Duration QUERY_TIMEOUT = Duration.ofMinutes(2);
    private static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(10);
    /** What decides apt's answers: its package lists and the configuration that selects among them. */
    private static final List<Path> INDEX = List.of(Path.of("/var/lib/apt/lists"), Path.of("/etc/apt/sources.list"),
            Path.of("/etc/apt/sources.list.d"), Path.of("/etc/apt/preferences"), Path.of("/etc/apt/preferences.d"),
            Path.of("/etc/apt/apt.conf.d"));
    private static final AptPackageSource SYSTEM = new AptPackageSource(null);

    private final Path binDir;

    /**
     * @param binDir the folder holding {@code apt-get} and {@code apt-cache}, or null for the
     *               ones on the PATH (a test points this at fakes)
     */
    public AptPackageSource(Path binDir) {
        this.binDir = binDir;
    }

    /** @return the source over the apt on the PATH; never null */
    public static AptPackageSource system() {
        return SYSTEM;
    }

    @Override
    public List<String> search(String nameRegex) throws IOException, InterruptedException {
        HostCommand.Result r = apt("apt-cache", List.of("search", "--names-only", nameRegex), null, QUERY_TIMEOUT);
        Pattern whole = Pattern.compile(nameRegex);
        return r.stdoutText().lines().map(l -> l.split(" - ", 2)[0].strip())
                .filter(n -> whole.matcher(n).matches()).distinct().toList();
    }

    @Override
    public Map<String, String> candidateVersions(List<String> names) throws IOException, InterruptedException {
        if (names.isEmpty()) {
            return Map.of();
        }
        List<String> args = new ArrayList<>();
        args.add("policy");
        args.addAll(names);
        HostCommand.Result r = apt("apt-cache", args, null, QUERY_TIMEOUT);
        return parsePolicy(r.stdoutText());
    }

    /**
     * @param policy the output of {@code apt-cache policy NAME...}; never null
     * @return name to candidate version, without the packages that have none
     */
    static Map<String, String> parsePolicy(String policy) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        for (String line : policy.split("\n")) {
            if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0)) && line.endsWith(":")) {
                current = line.substring(0, line.length() - 1);
            } else if (current != null && line.strip().startsWith("Candidate:")) {
                String v = line.strip().substring("Candidate:".length()).strip();
                if (!v.isEmpty() && !v.equals("(none)")) {
                    out.put(current, v);
                }
            }
        }
        return out;
    }

    @Override
    public Path download(String name, String version, Path dir) throws IOException, InterruptedException {
        apt("apt-get", List.of("download", "-q", name + "=" + version), dir, DOWNLOAD_TIMEOUT);
        try (DirectoryStream<Path> debs = Files.newDirectoryStream(dir, "*.deb")) {
            for (Path deb : debs) {
                return deb;
            }
        }
        throw new IOException("apt-get download " + name + "=" + version + " reported success but left no .deb in "
                + dir);
    }

    @Override
    public Optional<String> indexFingerprint() throws IOException {
        if (binDir != null) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder();
        for (Path p : INDEX) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> files = Files.list(p)) {
                    for (Path f : files.sorted().toList()) {
                        stamp(sb, f);
                    }
                }
            } else {
                stamp(sb, p);
            }
        }
        return Optional.of(Durable.sha256(sb.toString().getBytes(StandardCharsets.UTF_8)));
    }

    private static void stamp(StringBuilder sb, Path f) throws IOException {
        if (Files.isRegularFile(f)) {
            sb.append(f).append(' ').append(Files.size(f)).append(' ')
                    .append(Files.getLastModifiedTime(f).toMillis()).append('\n');
        }
    }

    private HostCommand.Result apt(String tool, List<String> args, Path cwd, Duration timeout)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(binDir == null ? tool : binDir.resolve(tool).toString());
        cmd.addAll(args);
        HostCommand.Result r;
        try {
            r = HostCommand.run(cmd, cwd, Map.of("LC_ALL", "C"), timeout);
        } catch (IOException e) {
            if (e.getMessage() != null && e.getMessage().contains("Cannot run program")) {
                throw new IOException("cannot run " + tool + " (is this a Debian or Ubuntu host?): " + e.getMessage(), e);
            }
            throw e;
        }
        if (r.exitCode() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed (exit " + r.exitCode() + "): " + errors(r));
        }
        return r;
    }

    /** apt's "E:" lines when there are any (the "W:" about the _apt sandbox is noise here), else the output's tail. */
    private static String errors(HostCommand.Result r) {
        String e = (r.stderr() + "\n" + r.stdoutText()).lines().filter(l -> l.startsWith("E:") || l.startsWith("Err:"))
                .collect(Collectors.joining(" | "));
        return e.isEmpty() ? r.tail() : e;
    }
}
