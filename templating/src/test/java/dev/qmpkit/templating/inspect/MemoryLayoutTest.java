package dev.qmpkit.templating.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.templating.inspect.internal.MemoryRules;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The template and clone verdicts for memory configurations, including those the real-QEMU
 * tests do not start (they would give a dead guest or need a template file first).
 */
class MemoryLayoutTest {

    private static final long SIZE = 128L << 20;

    private static MemoryBackend file(boolean share, Boolean readonly, RomMode rom) {
        return new MemoryBackend("pc.ram", "/objects/pc.ram", "memory-backend-file", SIZE, "/var/tmp/template.ram",
                share, readonly, rom, false, false, BackendRole.MAIN_RAM, "/machine", BackendOrigin.OBJECT);
    }

    private static MemoryLayout layout(boolean romSupported, MemoryBackend... backends) {
        return new MemoryLayout(List.of(backends), "pc.ram", SIZE, 0, romSupported, romSupported);
    }

    private static List<FindingCode> codes(MemoryLayout layout, VmRole role) {
        return MemoryRules.ramFindings(layout, role).stream().map(Finding::code).toList();
    }

    @Test
    void sharedWritableFileIsATemplateOnBothVersions() {
        assertThat(layout(true, file(true, false, RomMode.OFF)).canServeAsTemplate()).isTrue();
        assertThat(layout(false, file(true, false, null)).canServeAsTemplate()).isTrue();
    }

    @Test
    void memfdWithShareOnIsNoTemplate_migratedInFullFrom81_savedNowhereBefore() {
        MemoryBackend memfd = new MemoryBackend("pc.ram", "/objects/pc.ram", "memory-backend-memfd", SIZE, null,
                true, null, null, false, null, BackendRole.MAIN_RAM, "/machine", BackendOrigin.OBJECT);
        MemoryLayout qemu10 = new MemoryLayout(List.of(memfd), "pc.ram", SIZE, 0, true, true);
        MemoryLayout qemu72 = new MemoryLayout(List.of(memfd), "pc.ram", SIZE, 0, false, false);

        assertThat(qemu10.skippedByIgnoreShared(memfd)).isFalse();
        assertThat(qemu72.skippedByIgnoreShared(memfd)).as("7.2 skips every shared block").isTrue();
        assertThat(qemu10.canServeAsTemplate()).isFalse();
        assertThat(qemu72.canServeAsTemplate()).isFalse();
        assertThat(MemoryRules.ramFindings(qemu10, VmRole.TEMPLATE)).singleElement()
                .satisfies(f -> assertThat(f.problem()).contains("share=on is still migrated in full"));
        assertThat(MemoryRules.ramFindings(qemu72, VmRole.TEMPLATE)).singleElement()
                .satisfies(f -> assertThat(f.problem()).contains("stores this RAM nowhere")
                        .doesNotContain("migrated in full"));
    }

    @Test
    void discardDataIsAnErrorForTemplateAndClone_andTheSdkRecipesOtherwisePass() {
        MemoryBackend template = new MemoryBackend("pc.ram", "/objects/pc.ram", "memory-backend-file", SIZE,
                "/var/tmp/template.ram", true, false, RomMode.OFF, false, true, BackendRole.MAIN_RAM, "/machine",
                BackendOrigin.OBJECT);
        MemoryBackend clone = new MemoryBackend("pc.ram", "/objects/pc.ram", "memory-backend-file", SIZE,
                "/var/tmp/template.ram", false, true, RomMode.OFF, false, true, BackendRole.MAIN_RAM, "/machine",
                BackendOrigin.OBJECT);

        assertThat(codes(layout(true, template), VmRole.TEMPLATE)).containsExactly(FindingCode.DISCARD_DATA);
        assertThat(codes(layout(true, clone), VmRole.CLONE)).containsExactly(FindingCode.DISCARD_DATA);
        assertThat(MemoryRules.ramFindings(layout(true, template), VmRole.TEMPLATE)).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Severity.ERROR))
                .satisfies(f -> assertThat(f.fix())
                        .startsWith("Append `,discard-data=off` to `-object memory-backend-file,id=pc.ram`"));
        assertThat(layout(true, template).canServeAsTemplate()).isFalse();
        assertThat(layout(true, clone).isProperClone()).isFalse();
    }

    @Test
    void privateOrReadonlyFilesAreNoTemplate() {
        assertThat(codes(layout(true, file(false, false, RomMode.OFF)), VmRole.TEMPLATE))
                .containsExactly(FindingCode.RAM_NOT_SHARED);
        assertThat(codes(layout(true, file(false, true, RomMode.OFF)), VmRole.TEMPLATE))
                .containsExactly(FindingCode.RAM_READONLY);
    }

    @Test
    void cloneRecipeDependsOnWhetherQemuHasRom() {
        // 8.2+: readonly=on,rom=off is the clone; the older writable private mapping is an error.
        assertThat(layout(true, file(false, true, RomMode.OFF)).isProperClone()).isTrue();
        assertThat(codes(layout(true, file(false, false, RomMode.OFF)), VmRole.CLONE))
                .containsExactly(FindingCode.CLONE_RAM_WRITABLE_FILE);
        assertThat(layout(true, file(false, false, RomMode.OFF)).isProperClone()).isFalse();
        // rom left at auto with readonly=on: QEMU makes guest RAM read-only.
        assertThat(codes(layout(true, file(false, true, RomMode.ON)), VmRole.CLONE))
                .containsExactly(FindingCode.CLONE_RAM_READONLY_GUEST);
        // 7.2: no rom; readonly=on gives a dead guest, the writable private mapping is the recipe (with a warning).
        assertThat(codes(layout(false, file(false, true, null)), VmRole.CLONE))
                .containsExactly(FindingCode.CLONE_RAM_READONLY_GUEST);
        assertThat(layout(false, file(false, false, null)).isProperClone()).isTrue();
        assertThat(MemoryRules.ramFindings(layout(false, file(false, false, null)), VmRole.CLONE))
                .extracting(Finding::severity).containsExactly(Severity.WARNING);
        // Either version: a shared clone writes into the template.
        assertThat(codes(layout(true, file(true, false, RomMode.OFF)), VmRole.CLONE))
                .containsExactly(FindingCode.CLONE_RAM_SHARED);
    }

    @Test
    void ramWithoutAnyBackendIsReported() {
        MemoryLayout none = new MemoryLayout(List.of(), null, SIZE, 0, true, true);

        assertThat(none.hasRamWithoutBackend()).isTrue();
        assertThat(codes(none, VmRole.TEMPLATE)).containsExactly(FindingCode.RAM_WITHOUT_BACKEND);
        assertThat(none.canServeAsTemplate()).isFalse();
        assertThat(none.isProperClone()).isFalse();
    }
}
