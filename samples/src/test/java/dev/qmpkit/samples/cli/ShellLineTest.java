package dev.qmpkit.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.schema.QmpSchema;
import dev.qmpkit.testing.RecordedQemu;
import org.junit.jupiter.api.Test;

/** {@code ./qmpkit shell}'s line syntax, typed with QEMU 10.0's recorded schema as the shell types it. */
class ShellLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final QmpSchema SCHEMA = schema();

    private static QmpSchema schema() {
        // QEMU 10.0's schema as the test kit recorded it.
        return QmpSchema.fromReply(RecordedQemu.QEMU_10_0.reply("query-qmp-schema").get("return"));
    }

    private static String json(String line) {
        ShellLine l = ShellLine.parse(line, SCHEMA);
        return l.command() + " " + l.arguments();
    }

    @Test
    void aCommandAlone() {
        assertThat(json("query-status")).isEqualTo("query-status {}");
        assertThat(json("  stop  ")).isEqualTo("stop {}");
    }

    @Test
    void keyValueArgumentsTypedByTheSchema() {
        assertThat(json("qom-get path=/machine property=type"))
                .isEqualTo("qom-get {\"path\":\"/machine\",\"property\":\"type\"}");
        assertThat(json("device_add driver=e1000 id=123")).as("id takes only a string")
                .isEqualTo("device_add {\"driver\":\"e1000\",\"id\":\"123\"}");
        assertThat(json("human-monitor-command command-line=\"info status\" cpu-index=0"))
                .isEqualTo("human-monitor-command {\"command-line\":\"info status\",\"cpu-index\":0}");
        assertThat(json("blockdev-add driver=null-co node-name=n0 read-only=true"))
                .isEqualTo("blockdev-add {\"driver\":\"null-co\",\"node-name\":\"n0\",\"read-only\":true}");
    }

    @Test
    void dottedNamesNestAndJsonValuesAreTakenAsJson() {
        assertThat(json("blockdev-add driver=qcow2 node-name=d0 file.driver=file file.filename=/tmp/x.qcow2 "
                + "cache.direct=false"))
                .isEqualTo("blockdev-add {\"driver\":\"qcow2\",\"node-name\":\"d0\",\"file\":{\"driver\":\"file\","
                        + "\"filename\":\"/tmp/x.qcow2\"},\"cache\":{\"direct\":false}}");
        assertThat(json("migrate-set-capabilities capabilities=[{\"capability\": \"x-ignore-shared\", "
                + "\"state\": true}]"))
                .isEqualTo("migrate-set-capabilities {\"capabilities\":[{\"capability\":\"x-ignore-shared\","
                        + "\"state\":true}]}");
        assertThat(json("object-add qom-type=memory-backend-ram id=m0 size=1048576"))
                .isEqualTo("object-add {\"qom-type\":\"memory-backend-ram\",\"id\":\"m0\",\"size\":1048576}");
        assertThat(json("x-unknown a={'b': 1, c: [true, null]} n=-2.5 s='two words'"))
                .as("single quotes and bare names, as qmp-shell's Python literals")
                .isEqualTo("x-unknown {\"a\":{\"b\":1,\"c\":[true,null]},\"n\":-2.5,\"s\":\"two words\"}");
    }

    @Test
    void mistakesAreNamed() {
        assertThatThrownBy(() -> ShellLine.parse("stop now", SCHEMA)).hasMessage("expected NAME=VALUE, got 'now'");
        assertThatThrownBy(() -> ShellLine.parse("qom-get path=/a path=/b", SCHEMA))
                .hasMessage("'path' is given twice");
        assertThatThrownBy(() -> ShellLine.parse("blockdev-add file=x file.driver=file", SCHEMA))
                .hasMessage("'file' is given a value and members both");
        assertThatThrownBy(() -> ShellLine.parse("x a={'b': }", SCHEMA)).hasMessageStartingWith(
                "the value of a is not JSON");
        assertThatThrownBy(() -> ShellLine.parse("x a=\"open", SCHEMA)).hasMessageStartingWith("unclosed \"");
        assertThatThrownBy(() -> ShellLine.parse("x a=[1, 2", SCHEMA)).hasMessageStartingWith("unclosed bracket");
        assertThatThrownBy(() -> ShellLine.parse("x .a=1", SCHEMA)).hasMessage("empty name in '.a'");
    }

    @Test
    void withoutASchemaValuesGoByHowTheyLook() {
        JsonNode args = ShellLine.parse("x id=123 on=true none=null name=abc", null).arguments();
        assertThat(args.toString()).isEqualTo("{\"id\":123,\"on\":true,\"none\":null,\"name\":\"abc\"}");
    }
}
