package dev.qmpkit.samples;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/**
 * The Java examples of the top-level README.md as a reader pastes them: each {@code java} block
 * is a whole program, compiled here exactly as it stands (with the library on the class path,
 * nothing added), and run by the tests that name it.
 */
final class ReadmeExamples {
    private static final Pattern PUBLIC_CLASS = Pattern.compile("(?m)^public class (\\w+)");

    private ReadmeExamples() {
    }

    /** @return the README, from the samples module or the repository root */
    static Path readme() {
        Path here = Path.of("").toAbsolutePath();
        Path readme = here.resolveSibling("README.md");
        return Files.exists(here.resolve("qmpkit")) ? here.resolve("README.md") : readme;
    }

    /**
     * @return every {@code java} block, by the class it declares (a block declaring none maps to
     *         ""), except those marked {@code <!-- verbatim: ... -->} on the line before: another
     *         module's test (the test kit's, the metrics') compiles and runs those as they stand
     */
    static Map<String, String> blocks() throws IOException {
        Map<String, String> blocks = new LinkedHashMap<>();
        StringBuilder cur = null;
        boolean skip = false;
        String previous = "";
        for (String line : Files.readAllLines(readme())) {
            if (line.startsWith("```")) {
                if (cur != null) {
                    Matcher m = PUBLIC_CLASS.matcher(cur);
                    if (!skip) {
                        blocks.put(m.find() ? m.group(1) : "", cur.toString());
                    }
                    cur = null;
                } else if (line.equals("```java")) {
                    cur = new StringBuilder();
                    skip = previous.startsWith("<!-- verbatim:");
                }
                continue;
            }
            if (cur != null) {
                cur.append(line).append('\n');
            } else if (!line.isBlank()) {
                previous = line;
            }
        }
        return blocks;
    }

    /**
     * Compiles the blocks as they are, into {@code out}.
     *
     * @return javac's errors and warnings, one line each; empty when they compiled cleanly
     */
    static List<String> compile(Map<String, String> blocks, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<JavaFileObject> sources = new ArrayList<>();
        blocks.forEach((name, text) -> sources.add(new SimpleJavaFileObject(URI.create("string:///"
                + (name.isEmpty() ? "block" : name) + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return text;
            }
        }));
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT,
                StandardCharsets.UTF_8)) {
            List<String> options = List.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path"),
                    "-proc:none", "-Xlint:all", "-Xlint:-options");
            javac.getTask(null, files, diagnostics, options, null, sources).call();
        }
        List<String> problems = new ArrayList<>();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
            problems.add(d.getKind() + " " + d.getSource().getName() + ":" + d.getLineNumber() + ": "
                    + d.getMessage(Locale.ROOT));
        }
        return problems;
    }

    /**
     * Compiles the README's examples and runs one, verbatim.
     *
     * @param className the class the example declares
     * @param args its command-line arguments
     * @return what it printed on standard output
     */
    static String run(String className, String... args) throws Exception {
        Path out = Files.createTempDirectory("readme-examples");
        try {
            List<String> problems = compile(blocks(), out);
            if (!problems.isEmpty()) {
                throw new AssertionError("the README's examples do not compile as pasted:\n" + String.join("\n",
                        problems));
            }
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            PrintStream original = System.out;
            try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()},
                    ReadmeExamples.class.getClassLoader())) {
                System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
                loader.loadClass(className).getMethod("main", String[].class).invoke(null, (Object) args);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            } finally {
                System.setOut(original);
            }
            String printed = captured.toString(StandardCharsets.UTF_8);
            original.print(printed);
            return printed;
        } finally {
            dev.qmpkit.templating.WorkFiles.deleteTree(out);
        }
    }
}
