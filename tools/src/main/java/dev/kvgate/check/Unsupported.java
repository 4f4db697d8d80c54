package dev.kvgate.check;

/**
 * Thrown by a case that finds the server does not offer what it tests, legitimately (HELLO on
 * memcached, a server that never asks for a client certificate): the case is reported unsupported,
 * not failed.
 */
final class Unsupported extends RuntimeException {
    Unsupported(String reason) {
        super(reason, null, false, false);
    }
}
