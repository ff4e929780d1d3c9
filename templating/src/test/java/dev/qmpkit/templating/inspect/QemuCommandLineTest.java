package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.templating.inspect.internal.QemuCommandLine;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading the options that QMP cannot show from a QEMU command line. */
class QemuCommandLineTest {

    @Test
    void memPathAndObjectIdsInEverySpellingQemuAccepts() {
        QemuCommandLine c = new QemuCommandLine(List.of("/usr/bin/qemu-system-x86_64", "-M", "q35",
                "--mem-path", "/dev/hugepages/a,b",
                "-object", "memory-backend-file,id=pc.ram,mem-path=/x,,y,share=on",
                "--object", "qom-type=memory-backend-ram,id=ram1,size=1G",
                "-object", "{\"qom-type\":\"memory-backend-memfd\",\"id\":\"mem2\",\"size\":1073741824}",
                "-device", "vmgenid,id=-object"));
        assertThat(c.memPath()).contains("/dev/hugepages/a,b");
        assertThat(c.objectIds()).containsExactly("pc.ram", "ram1", "mem2");
        assertThat(new QemuCommandLine(List.of("qemu-system-x86_64", "-m", "128")).memPath()).isEmpty();
    }
}
