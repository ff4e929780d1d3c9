package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's qmpkit-testing example, as a user pastes it: the block marked
 * {@code <!-- verbatim: ... ReadmeTestKitTest -->} is compiled as it stands (imports and all)
 * against the test class path, and each of its {@code @Test} methods runs and passes.
 */
class ReadmeTestKitTest {

    @Test
    void theReadmesTestKitExampleCompilesAndPasses(@TempDir Path dir) throws Throwable {
        String source = verbatimBlock(Files.readAllLines(readme()), "ReadmeTestKitTest");
        Matcher name = Pattern.compile("(?m)^(?:public )?class (\\w+)").matcher(source);
        assertThat(name.find()).as("the example declares a class").isTrue();
        String className = name.group(1);
        Files.writeString(dir.resolve(className + ".java"), source);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        int rc = javac.run(null, diagnostics, diagnostics, "-d", dir.toString(), "-cp", classpath, "-Xlint:all",
                "-Werror", dir.resolve(className + ".java").toString());
        assertThat(rc).as("javac: %s", diagnostics.toString(StandardCharsets.UTF_8)).isZero();

        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            Class<?> example = loader.loadClass(className);
            Constructor<?> constructor = example.getDeclaredConstructor();
            constructor.setAccessible(true);
            Object instance = constructor.newInstance();
            List<Method> tests = new ArrayList<>();
            for (Method m : example.getDeclaredMethods()) {
                if (m.isAnnotationPresent(Test.class)) {
                    tests.add(m);
                }
            }
            assertThat(tests).as("@Test methods in the example").isNotEmpty();
            for (Method m : tests) {
                m.setAccessible(true);
                try {
                    m.invoke(instance);
                } catch (InvocationTargetException e) {
                    throw e.getCause();
                }
            }
        }
    }

    /** @return the Java block that follows the line {@code <!-- verbatim: ... testName -->} */
    static String verbatimBlock(List<String> lines, String testName) {
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

    static Path readme() {
        Path here = Path.of("").toAbsolutePath();
        Path readme = here.resolveSibling("README.md");
        return Files.exists(readme) ? readme : here.resolve("README.md");
    }
}
