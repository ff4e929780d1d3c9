package dev.qmpkit.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TextTableTest {

    @Test
    void figuresAreRightAlignedAndTextLeftAligned() {
        String t = new TextTable("clone", "start ms", "alive").row("clone-1", "45.2 ms", "yes")
                .row("clone-10", "1045.0 ms", null).toString();
        assertThat(t.lines()).containsExactly(
                "clone     start ms   alive",
                "--------  ---------  -----",
                "clone-1     45.2 ms  yes",
                "clone-10  1045.0 ms  -");
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsABug() {
        assertThatThrownBy(() -> new TextTable("a", "b").row("only one"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 cells, table has 2 columns");
    }
}
