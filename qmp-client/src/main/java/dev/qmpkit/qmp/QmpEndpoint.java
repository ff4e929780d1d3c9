package dev.qmpkit.qmp;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a QMP monitor is: a Unix domain socket path or a TCP host and port.
 * Unix sockets are the recommended transport (they are private to the host and support
 * file-descriptor passing).
 */
public sealed interface QmpEndpoint {

    /**
     * @param path the socket path; never null
     * @return a Unix domain socket endpoint
     */
    static QmpEndpoint unix(Path path) {
        return new Unix(path);
    }

    /**
     * @param host host name or address; never null
     * @param port TCP port, 1..65535
     * @return a TCP endpoint
     */
    static QmpEndpoint tcp(String host, int port) {
        return new Tcp(host, port);
    }

    /** @param path the socket path; never null */
    record Unix(Path path) implements QmpEndpoint {
        /**
         * Validates.
         *
         * @param path the socket path; never null
         */
        public Unix {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * @param host host name or address; never null
     * @param port TCP port, 1..65535
     */
    record Tcp(String host, int port) implements QmpEndpoint {
        /**
         * Validates.
         *
         * @param host host name or address; never null
         * @param port TCP port, 1..65535
         */
        public Tcp {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("host must not be blank");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1..65535, got " + port);
            }
        }

        @Override
        public String toString() {
            return "tcp:" + host + ":" + port;
        }
    }
}
