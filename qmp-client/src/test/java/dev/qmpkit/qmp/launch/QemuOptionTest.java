package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** QEMU option strings: values that would inject options or change parsing cannot. */
class QemuOptionTest {

    @Test
    void commasInValuesAreDoubledSoTheyCannotStartANewOption() {
        String s = QemuOption.of("memory-backend-file").set("id", "ram").set("mem-path", Path.of("/tmp/a,share=on,b"))
                .set("share", false).toString();
        assertThat(s).isEqualTo("memory-backend-file,id=ram,mem-path=/tmp/a,,share=on,,b,share=off");
    }

    @Test
    void spacesQuotesAndNewlinesPassThroughUnchanged() {
        // Arguments go to QEMU as argv elements, never through a shell: only ',' is special to QEMU.
        String s = QemuOption.keyValues().set("path", "/x y/'q\"\n/z").toString();
        assertThat(s).isEqualTo("path=/x y/'q\"\n/z");
    }

    @Test
    void typesRenderTheWayQemuParsesThem() {
        assertThat(QemuOption.of("x").set("on", true).set("off", false).set("n", 268435456L).toString())
                .isEqualTo("x,on=on,off=off,n=268435456");
    }

    @Test
    void impliedValueIsEscapedToo() {
        assertThat(QemuOption.of("a,b").toString()).isEqualTo("a,,b");
    }

    @Test
    void jsonPrefixIsRejected() {
        // QEMU parses an option that starts with '{' as JSON, with different rules.
        assertThatThrownBy(() -> QemuOption.of("{\"qom-type\":\"x\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'{'");
        assertThatThrownBy(() -> QemuOption.of("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void nulIsRejected() {
        assertThatThrownBy(() -> QemuOption.keyValues().set("path", "/a\0b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
        assertThatThrownBy(() -> QemuOption.of("a\0")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void keysAreRestricted() {
        assertThatThrownBy(() -> QemuOption.keyValues().set("a,b", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuOption.keyValues().set("a=b", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuOption.keyValues().set("", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QemuOption.keyValues().set("k", (String) null)).isInstanceOf(NullPointerException.class);
    }
}
