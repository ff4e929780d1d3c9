package dev.qmpkit.samples;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One finished child process (a JVM, Maven): exit code, standard output and standard error. */
record ChildProcess(int exitCode, String out, String err) {

    /**
     * Runs {@code cmd} in {@code dir} with no standard input; on timeout kills it and its
     * descendants and reports exit code -1.
     */
    static ChildProcess run(List<String> cmd, Path dir, Map<String, String> extraEnv, long timeoutSeconds)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("qmpkit-child", ".out");
        Path err = Files.createTempFile("qmpkit-child", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectOutput(out.toFile())
                    .redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            pb.environment().putAll(extraEnv);
            Process p = pb.start();
            int code;
            if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                code = p.exitValue();
            } else {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
                code = -1;
            }
            String e = Files.readString(err, StandardCharsets.UTF_8);
            return new ChildProcess(code, Files.readString(out, StandardCharsets.UTF_8),
                    code == -1 ? e + "\ntimed out after " + timeoutSeconds + " s: " + cmd : e);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    @Override
    public String toString() {
        return "exit " + exitCode + "\n--- out:\n" + tail(out) + "--- err:\n" + tail(err);
    }

    private static String tail(String s) {
        return s.length() > 8000 ? "..." + s.substring(s.length() - 8000) : s;
    }
}
