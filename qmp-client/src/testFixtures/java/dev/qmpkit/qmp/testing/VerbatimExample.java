package dev.qmpkit.qmp.testing;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Runs a README Java block as a user pastes it: the block after the line
 * {@code <!-- verbatim: ... TESTNAME -->} is compiled as it stands (imports and all, with every
 * lint warning an error) against the test class path, then its JUnit {@code @Test} methods run,
 * or else its {@code main}.
 */
public final class VerbatimExample {
    private VerbatimExample() {
    }

    /**
     * @param testName the test named in the block's {@code verbatim} mark
     * @param dir an empty folder for the source and classes
     * @return what javac reported and how many methods ran
     * @throws Throwable what the example threw, or an {@link AssertionError} when it does not compile
     */
    public static int run(String testName, Path dir) throws Throwable {
        String source = block(Files.readAllLines(readme()), testName);
        Matcher name = Pattern.compile("(?m)^(?:public )?class (\\w+)").matcher(source);
        if (!name.find()) {
            throw new AssertionError("the README block for " + testName + " declares no class");
        }
        String className = name.group(1);
        Path file = dir.resolve(className + ".java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int rc = javac.run(null, diagnostics, diagnostics, "-d", dir.toString(), "-cp", classpath, "-Xlint:all",
                "-Werror", file.toString());
        if (rc != 0) {
            throw new AssertionError("the README block for " + testName + " does not compile:\n"
                    + diagnostics.toString(StandardCharsets.UTF_8));
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()},
                VerbatimExample.class.getClassLoader())) {
            Class<?> example = loader.loadClass(className);
            List<Method> tests = new ArrayList<>();
            for (Method m : example.getDeclaredMethods()) {
                for (java.lang.annotation.Annotation a : m.getAnnotations()) {
                    // By name: the benchmarks compile these fixtures without JUnit.
                    if (a.annotationType().getName().equals("org.junit.jupiter.api.Test")) {
                        tests.add(m);
                    }
                }
            }
            if (tests.isEmpty()) {
                Method main = example.getDeclaredMethod("main", String[].class);
                if (!Modifier.isStatic(main.getModifiers())) {
                    throw new AssertionError("the README block for " + testName + " has no @Test and no static main");
                }
                main.setAccessible(true);
                invoke(main, null, (Object) new String[0]);
                return 1;
            }
            Constructor<?> constructor = example.getDeclaredConstructor();
            constructor.setAccessible(true);
            Object instance = constructor.newInstance();
            for (Method m : tests) {
                m.setAccessible(true);
                invoke(m, instance);
            }
            return tests.size();
        }
    }

    private static void invoke(Method m, Object target, Object... args) throws Throwable {
        try {
            m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    /** @return the Java block that follows the line {@code <!-- verbatim: ... testName -->} */
    static String block(List<String> lines, String testName) {
        for (int i = 0; i + 1 < lines.size(); i++) {
            if (lines.get(i).startsWith("<!-- verbatim:") && lines.get(i).contains(testName)
                    && lines.get(i + 1).equals("```java")) {
                StringBuilder sb = new StringBuilder();
                for (int j = i + 2; j < lines.size() && !lines.get(j).startsWith("```"); j++) {
                    sb.append(lines.get(j)).append('\n');
                }
                return sb.toString();
            }
        }
        throw new AssertionError("README.md has no Java block marked <!-- verbatim: ... " + testName + " -->");
    }

    /** @return the repository's README.md, from a module folder or the root */
    static Path readme() {
        Path here = Path.of("").toAbsolutePath();
        Path readme = here.resolveSibling("README.md");
        return Files.exists(readme) ? readme : here.resolve("README.md");
    }
}
