package dev.qmpkit.qmp.agent;

/**
 * What {@code guest-file-seek} reports.
 *
 * @param position the position in the file after the seek
 * @param eof whether it is at the end of the file
 */
public record GuestFileSeek(long position, boolean eof) {

    /** Where a seek's offset counts from ({@code QGASeek}). */
    public enum Whence {
        /** From the start of the file. */
        SET,
        /** From the current position. */
        CUR,
        /** From the end of the file. */
        END;

        /**
         * @return the agent's name, e.g. {@code set}; never null
         */
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
