package dev.qmpkit.templating.inspect;

import java.util.Objects;

/**
 * What a known QEMU error message means for VM templating, and how to fix it.
 *
 * @param match the substring of QEMU's message that identifies it; never null
 * @param explanation what went wrong, in templating terms; never null
 * @param fix what to do; never null
 */
public record ErrorHint(String match, String explanation, String fix) {

    /**
     * Validates.
     *
     * @param match the substring of QEMU's message that identifies it; never null
     * @param explanation what went wrong, in templating terms; never null
     * @param fix what to do; never null
     */
    public ErrorHint {
        Objects.requireNonNull(match, "match");
        Objects.requireNonNull(explanation, "explanation");
        Objects.requireNonNull(fix, "fix");
    }

    /** @return {@code explanation + " Fix: " + fix}; never null */
    public String render() {
        return explanation + " Fix: " + fix;
    }
}
