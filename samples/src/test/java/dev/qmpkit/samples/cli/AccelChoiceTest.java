package dev.qmpkit.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.qmpkit.templating.Accel;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code --accel}: KVM where it cannot work falls back to TCG and says so, with how to enable KVM. */
class AccelChoiceTest {

    @Test
    void kvmWithoutAUsableDevKvmFallsBackToTcgWithANote() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(err, true, StandardCharsets.UTF_8), false);
        assertThat(GuestTemplates.accel("kvm", false, progress)).isEqualTo(Accel.TCG);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("note: KVM is not usable here")
                .contains("using TCG").contains("kvm_intel");
    }

    @Test
    void otherwiseTheChoiceIsKept() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Progress progress = new Progress(new PrintStream(err, true, StandardCharsets.UTF_8), false);
        assertThat(GuestTemplates.accel("kvm", true, progress)).isEqualTo(Accel.KVM);
        assertThat(GuestTemplates.accel("tcg", true, progress)).isEqualTo(Accel.TCG);
        assertThat(GuestTemplates.accel("auto", true, progress)).isEqualTo(Accel.KVM);
        assertThat(GuestTemplates.accel("auto", false, progress)).isEqualTo(Accel.TCG);
        assertThat(err.size()).isZero();
    }
}
