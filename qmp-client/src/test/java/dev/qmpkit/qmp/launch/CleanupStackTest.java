package dev.qmpkit.qmp.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The launcher's and the templating workflows' one way of releasing what a failed start acquired. */
class CleanupStackTest {

    @Test
    void runsNewestFirst_goesOnPastAFailure_andRunsEachOnce() {
        List<String> ran = new ArrayList<>();
        CleanupStack stack = new CleanupStack();
        stack.push("run dir", () -> ran.add("run dir"));
        stack.push("broken", () -> {
            ran.add("broken");
            throw new IOException("disk gone");
        });
        stack.push("process", () -> ran.add("process"));
        stack.run();
        stack.run();
        stack.close();
        assertThat(ran).containsExactly("process", "broken", "run dir");
        assertThat(stack.hasRun()).isTrue();
    }

    @Test
    void aReleasePushedAfterTheStackRanRunsAtOnce() {
        List<String> ran = new ArrayList<>();
        CleanupStack stack = new CleanupStack();
        stack.run();
        stack.push("late client", () -> ran.add("late client"));
        assertThat(ran).containsExactly("late client");
    }

    @Test
    void anInterruptedReleaseKeepsTheInterruptAndTheOthersStillRun() {
        List<String> ran = new ArrayList<>();
        CleanupStack stack = new CleanupStack();
        stack.push("first", () -> ran.add("first"));
        stack.push("waits", () -> {
            throw new InterruptedException();
        });
        try {
            stack.run();
            assertThat(Thread.currentThread().isInterrupted()).isTrue();
            assertThat(ran).containsExactly("first");
        } finally {
            Thread.interrupted();
        }
    }
}
