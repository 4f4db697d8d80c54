package dev.kvgate.it.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** {@code openssl s_client} as a real third-party TLS client, always bounded in time. */
final class OpenSslClient {
    static final String BINARY = "/usr/bin/openssl";

    /** What came back: the bytes read from stdout, and whether the process ended by itself. */
    record Result(byte[] stdout, boolean exited, int exitCode, String stderr) {
    }

    private OpenSslClient() {
    }

    static boolean available() {
        return Files.isExecutable(Path.of(BINARY));
    }

    /**
     * Connects with {@code options}, writes {@code input}, and reads until {@code expect} bytes arrived,
     * the process exits, or {@code timeout} passes; the process is killed in any case.
     */
    static Result exchange(int port, List<String> options, byte[] input, int expect, Duration timeout)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BINARY, "s_client", "-connect", "127.0.0.1:" + port,
                "-quiet", "-ign_eof"));
        command.addAll(options);
        Path stderr = Files.createTempFile("s_client", ".err");
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        try {
            OutputStream in = p.getOutputStream();
            in.write(input);
            in.flush();
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> readUpTo(p.getInputStream(), expect));
            byte[] out;
            try {
                out = read.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                out = new byte[0];
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            }
            boolean exited = p.waitFor(expect > 0 && out.length >= expect ? 0 : 1, TimeUnit.SECONDS);
            return new Result(out, exited, exited ? p.exitValue() : -1,
                    Files.readString(stderr, StandardCharsets.UTF_8));
        } finally {
            p.destroyForcibly();
            p.waitFor(5, TimeUnit.SECONDS);
            Files.deleteIfExists(stderr);
        }
    }

    private static byte[] readUpTo(InputStream in, int n) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        try {
            while (got.size() < n) {
                int r = in.read(buffer, 0, Math.min(buffer.length, n - got.size()));
                if (r < 0) {
                    break;
                }
                got.write(buffer, 0, r);
            }
        } catch (IOException e) {
            // the process was killed: return what came
        }
        return got.toByteArray();
    }
}
