package dev.qmpkit.qmp.command;

import dev.qmpkit.testing.RecordedQemu;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.qmpkit.qmp.QmpProtocolException;
import dev.qmpkit.qmp.internal.Replies;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Reads replies recorded from real QEMU 10.0 and 7.2 ({@link RecordedQemu}, the test kit's recordings,
 * captured with {@code -qmp stdio} on a q35 VM with a memory-backend-ram, a file-backed
 * pc-dimm, vmgenid and virtio-balloon) into the typed records.
 */
class QmpRepliesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode reply(String version, String name) {
        return RecordedQemu.of(version).reply(name).get("return");
    }

    private static <T> T read(String version, String name, JavaType type) {
        return Replies.convert(name, reply(version, name), type);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0", "7.2"})
    void statusAndVersion(String v) {
        StatusInfo s = read(v, "query-status", Replies.type(StatusInfo.class));
        assertThat(s).isEqualTo(new StatusInfo(false, RunState.PRELAUNCH, "prelaunch"));
        StatusInfo after = read(v, "query-status-postmigrate", Replies.type(StatusInfo.class));
        assertThat(after.status()).isEqualTo(RunState.POSTMIGRATE);

        VersionInfo version = read(v, "query-version", Replies.type(VersionInfo.class));
        assertThat(version.qemu().major() + "." + version.qemu().minor()).isEqualTo(v);
        assertThat(version.packageName()).startsWith("Debian 1:" + v);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0", "7.2"})
    void migration(String v) {
        MigrationInfo none = read(v, "query-migrate", Replies.type(MigrationInfo.class));
        assertThat(none.status()).isEqualTo(MigrationStatus.NONE);
        assertThat(none.ram()).isNull();

        MigrationInfo done = read(v, "query-migrate-completed", Replies.type(MigrationInfo.class));
        assertThat(done.status()).isEqualTo(MigrationStatus.COMPLETED);
        assertThat(done.status().isFinal()).isTrue();
        assertThat(done.ram().total()).isEqualTo(67641344L);
        assertThat(done.ram().transferred()).isPositive();
        assertThat(done.ram().normalBytes()).isPositive();
        assertThat(done.ram().pageSize()).isEqualTo(4096);
        assertThat(done.downtime()).isNotNull();
        assertThat(done.totalTime()).isNotNull();
        assertThat(done.errorDesc()).isNull();

        List<MigrationCapabilityStatus> caps = read(v, "query-migrate-capabilities",
                Replies.listOf(MigrationCapabilityStatus.class));
        assertThat(caps).contains(new MigrationCapabilityStatus("x-ignore-shared", false),
                new MigrationCapabilityStatus("release-ram", false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0", "7.2"})
    void memory(String v) {
        List<Memdev> memdevs = read(v, "query-memdev", Replies.listOf(Memdev.class));
        assertThat(memdevs).extracting(Memdev::id).containsExactlyInAnyOrder("mf", "ram0");
        Memdev mf = memdevs.stream().filter(m -> "mf".equals(m.id())).findFirst().orElseThrow();
        assertThat(mf.share()).isTrue();
        assertThat(mf.size()).isEqualTo(4L << 20);
        assertThat(mf.hostNodes()).isEmpty();
        assertThat(mf.policy()).isEqualTo("default");

        List<MemoryDeviceInfo> devices = read(v, "query-memory-devices", Replies.listOf(MemoryDeviceInfo.class));
        assertThat(devices).singleElement().satisfies(d -> {
            assertThat(d.type()).isEqualTo("dimm");
            assertThat(d.id()).isEqualTo("dimm0");
            assertThat(d.memdev()).isEqualTo("/objects/mf");
            assertThat(d.address()).isEqualTo(4294967296L);
            assertThat(d.size()).isEqualTo(4L << 20);
            assertThat(d.data().get("slot").asInt()).isZero();
        });

        BalloonInfo balloon = read(v, "query-balloon", Replies.type(BalloonInfo.class));
        // The balloon counts boot RAM and the DIMM: 64 MiB + 4 MiB.
        assertThat(balloon.actual()).isEqualTo(68L << 20);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0", "7.2"})
    void qomAndMisc(String v) {
        List<ObjectPropertyInfo> props = read(v, "qom-list-properties", Replies.listOf(ObjectPropertyInfo.class));
        assertThat(props).extracting(ObjectPropertyInfo::name).contains("mem-path", "share", "size", "readonly");
        // The property the safe clone recipe needs exists only from QEMU 8.2 on.
        assertThat(props.stream().anyMatch(p -> p.name().equals("rom"))).isEqualTo(v.equals("10.0"));

        List<ObjectPropertyInfo> machine = read(v, "qom-list", Replies.listOf(ObjectPropertyInfo.class));
        assertThat(machine).anySatisfy(p -> {
            assertThat(p.name()).isEqualTo("peripheral");
            assertThat(p.isChild()).isTrue();
        });

        GuidInfo guid = read(v, "query-vm-generation-id", Replies.type(GuidInfo.class));
        assertThat(guid.guid()).isEqualTo("5c3ea6e4-59a7-4a07-b2b8-9f1e3d8e6f11");

        String hmp = read(v, "human-monitor-command", Replies.type(String.class));
        assertThat(hmp).startsWith(v + ".");

        List<FdsetInfo> fdsets = read(v, "query-fdsets", Replies.listOf(FdsetInfo.class));
        assertThat(fdsets).isEmpty();
    }

    @Test
    void unknownValuesAndFieldsAreTolerated() throws IOException {
        JsonNode future = JSON.readTree("{\"status\":\"hibernating\",\"running\":false,\"new-field\":[1,2]}");
        StatusInfo s = Replies.convert("query-status", future, Replies.type(StatusInfo.class));
        assertThat(s.status()).isEqualTo(RunState.UNKNOWN);
        assertThat(s.statusName()).isEqualTo("hibernating");

        JsonNode migration = JSON.readTree("{\"status\":\"teleporting\",\"error-desc\":\"x\"}");
        MigrationInfo m = Replies.convert("query-migrate", migration, Replies.type(MigrationInfo.class));
        assertThat(m.status()).isEqualTo(MigrationStatus.UNKNOWN);
        assertThat(m.errorDesc()).isEqualTo("x");

        JsonNode fdsets = JSON.readTree("[{\"fdset-id\":1,\"fds\":[{\"fd\":33,\"opaque\":\"rw:/x\"}]}]");
        List<FdsetInfo> sets = Replies.convert("query-fdsets", fdsets, Replies.listOf(FdsetInfo.class));
        assertThat(sets).containsExactly(new FdsetInfo(1, List.of(new FdsetInfo.FdsetFdInfo(33, "rw:/x"))));

        JsonNode addFd = JSON.readTree("{\"fdset-id\":2,\"fd\":40}");
        assertThat(Replies.<AddFdInfo>convert("add-fd", addFd, Replies.type(AddFdInfo.class)))
                .isEqualTo(new AddFdInfo(2, 40));
    }

    @Test
    void replyOfTheWrongShapeNamesTheCommand() throws IOException {
        JsonNode wrong = JSON.readTree("[1,2,3]");
        assertThatThrownBy(() -> Replies.convert("query-balloon", wrong, Replies.type(BalloonInfo.class)))
                .isInstanceOf(QmpProtocolException.class)
                .hasMessageContaining("query-balloon")
                .hasMessageContaining("[1,2,3]");
    }

    @Test
    void runStateNamesRoundTrip() {
        for (RunState s : RunState.values()) {
            assertThat(RunState.fromQapi(s.qapiName())).isEqualTo(s);
        }
        assertThat(RunState.FINISH_MIGRATE.qapiName()).isEqualTo("finish-migrate");
        assertThat(MigrationStatus.fromQapi("postcopy-active")).isEqualTo(MigrationStatus.POSTCOPY_ACTIVE);
    }
}
