package dev.qmpkit.templating;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SaveOptionsTest {

    @Test
    void theDefaultHashesTheRamFiles_soASaveIsVerifiableUnlessTheCallerOptsOut() {
        assertThat(SaveOptions.defaults().ramChecksum()).isEqualTo(SaveOptions.RamChecksum.BACKGROUND);
        assertThat(SaveOptions.defaults().listener()).isSameAs(ProgressListener.NONE);
        ProgressListener l = new ProgressListener() {
        };
        SaveOptions flat = SaveOptions.builder().ramChecksum(SaveOptions.RamChecksum.NONE).listener(l).build();
        assertThat(flat.toBuilder().build()).isEqualTo(flat);
        assertThat(flat.toBuilder().ramChecksum(SaveOptions.RamChecksum.FULL).build().listener()).isSameAs(l);
        assertThatThrownBy(() -> SaveOptions.builder().ramChecksum(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SaveOptions(SaveOptions.RamChecksum.NONE, null, false))
                .isInstanceOf(NullPointerException.class);
        assertThat(SaveOptions.defaults().acceptSharedMacs()).as("a NIC in a template is refused by default").isFalse();
        SaveOptions accepting = flat.toBuilder().acceptSharedMacs(true).build();
        assertThat(accepting.acceptSharedMacs()).isTrue();
        assertThat(accepting.toBuilder().build()).isEqualTo(accepting);
    }
}
