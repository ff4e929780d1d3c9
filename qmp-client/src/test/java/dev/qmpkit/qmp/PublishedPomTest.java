package dev.qmpkit.qmp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The POM that {@code mvn install}/{@code deploy} publish for qmp-client (flattened at
 * process-resources): usable without {@code qmpkit-parent}, and carrying Netty's native epoll
 * transport for x86_64 and aarch64, so fd passing works on both kinds of Linux host.
 */
class PublishedPomTest {
    private static final List<String> NATIVE_CLASSIFIERS = List.of("linux-x86_64", "linux-aarch_64");

    @Test
    void needsNoParent_andNamesEveryVersion() throws Exception {
        String text = Files.readString(flattenedPom());
        Document pom = parse(flattenedPom());
        assertThat(pom.getElementsByTagName("parent").getLength()).as("a <parent> in the published POM").isZero();
        assertThat(text).as("unresolved properties").doesNotContain("${");
        for (Element d : dependencies(pom)) {
            assertThat(child(d, "version")).as("version of " + child(d, "artifactId")).isNotBlank();
            assertThat(child(d, "scope")).as("scope of " + child(d, "artifactId")).isNotEqualTo("test");
        }
    }

    @Test
    void listsTheEpollNativeForX86_64AndAarch64_atNettysVersion() throws Exception {
        List<Element> deps = dependencies(parse(flattenedPom()));
        String nettyVersion = deps.stream().filter(d -> child(d, "artifactId").equals("netty-transport"))
                .map(d -> child(d, "version")).findFirst().orElseThrow();
        List<String> natives = deps.stream()
                .filter(d -> child(d, "artifactId").equals("netty-transport-native-epoll"))
                .map(d -> child(d, "classifier") + "@" + child(d, "version")).toList();
        assertThat(natives).containsExactlyInAnyOrderElementsOf(
                NATIVE_CLASSIFIERS.stream().map(c -> c + "@" + nettyVersion).toList());
    }

    @Test
    void bothEpollNativesAreOnTheClassPath() {
        for (String arch : List.of("x86_64", "aarch_64")) {
            String lib = "META-INF/native/libnetty_transport_native_epoll_" + arch + ".so";
            assertThat(getClass().getClassLoader().getResource(lib)).as(lib).isNotNull();
        }
    }

    private static Path flattenedPom() {
        Path p = Path.of(System.getProperty("qmpkit.buildDir", "target"), ".flattened-pom.xml");
        assertThat(p).as("the flattened POM (mvn process-resources writes it)").isRegularFile();
        return p;
    }

    private static Document parse(Path p) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(p.toFile());
    }

    private static List<Element> dependencies(Document pom) {
        NodeList nodes = pom.getElementsByTagName("dependency");
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        assertThat(out).as("dependencies of the published POM").isNotEmpty();
        return out;
    }

    private static String child(Element e, String name) {
        NodeList l = e.getElementsByTagName(name);
        return l.getLength() == 0 ? "" : l.item(0).getTextContent().strip();
    }
}
