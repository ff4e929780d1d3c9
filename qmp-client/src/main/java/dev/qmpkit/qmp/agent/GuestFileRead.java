package dev.qmpkit.qmp.agent;

/**
 * One {@code guest-file-read}, decoded from base64.
 *
 * @param data the bytes read (the array belongs to the record); never null
 * @param eof whether the end of the file was reached
 */
public record GuestFileRead(byte[] data, boolean eof) {

    /**
     * Validates.
     *
     * @param data the bytes read (the array belongs to the record); never null
     * @param eof whether the end of the file was reached
     */
    public GuestFileRead {
        data = data == null ? new byte[0] : data;
    }

    @Override
    public String toString() {
        return "GuestFileRead[" + data.length + " bytes, eof=" + eof + "]";
    }
}
