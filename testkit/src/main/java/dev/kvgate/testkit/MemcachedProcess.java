package dev.kvgate.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real memcached on a free loopback port, for integration tests that must see real backend behaviour
 * (including crashes, hangs and restarts on the same address).
 */
public final class MemcachedProcess implements AutoCloseable {

    /** Overrides where the memcached binary is looked for. */
    public static final String BINARY_PROPERTY = "kvgate.memcached.binary";

    private static final long START_TIMEOUT_MILLIS = 10_000;
    private static final long POLL_MILLIS = 20;
    private static final long EXIT_TIMEOUT_MILLIS = 10_000;

    /**
     * Every memcached this JVM started and has not yet seen exit: killed when the JVM exits, so a
     * test that fails before its cleanup (or a test JVM stopped by a timeout) leaves none behind.
     */
    private static final java.util.Set<Process> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "memcached-reaper"));
    }

    private final List<String> command;
    private final int port;
    private final int plainPort;
    private final Path logDir;
    private final Path logFile;
    private Process process;

    private MemcachedProcess(List<String> command, int port, int plainPort, Path logDir) {
        this.command = command;
        this.port = port;
        this.plainPort = plainPort;
        this.logDir = logDir;
        this.logFile = logDir.resolve("memcached.log");
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    /**
     * The plain (TCP) port of a TLS memcached started with {@link Builder#alsoPlain()}: the same server,
     * so the same items, over the other transport.
     *
     * @throws IllegalStateException memcached was not started with a plain listener besides TLS
     */
    public int plainPort() {
        if (plainPort == 0) {
            throw new IllegalStateException("memcached was started without a plain listener besides TLS");
        }
        return plainPort;
    }

    /** "127.0.0.1:PORT", the form backend lists in configuration use. */
    public String address() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return requireProcess().pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Everything memcached wrote to stdout and stderr so far (for failure messages). */
    public String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGKILL, as a crash would: no graceful shutdown, open connections are reset. */
    public void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        // SIGKILL also ends a process held by SIGSTOP.
        p.destroyForcibly();
        try {
            if (!p.waitFor(EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("memcached pid " + p.pid() + " survived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for memcached to exit", e);
        }
    }

    /** SIGSTOP: the port keeps accepting (the kernel completes handshakes) but nothing answers, like a hung host. */
    public void stop() {
        signal("STOP");
        // kill(2) only queues the signal: on a loaded machine a worker thread can still answer a
        // request before the group stop reaches it. Return once every thread is stopped.
        awaitThreadStates('T', "stopped");
    }

    /** Waits (bounded) until every thread of the process is in {@code state} per /proc/PID/task/TID/stat. */
    private void awaitThreadStates(char state, String what) {
        Path tasks = Path.of("/proc", Long.toString(pid()), "task");
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EXIT_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            try (var threads = Files.list(tasks)) {
                for (Path t : (Iterable<Path>) threads::iterator) {
                    String stat = Files.readString(t.resolve("stat"), StandardCharsets.UTF_8);
                    // The state follows the command name, which is in parentheses and may hold spaces.
                    char s = stat.charAt(stat.lastIndexOf(')') + 2);
                    if (s != state) {
                        all = false;
                        break;
                    }
                }
            } catch (IOException e) {
                all = false;
            }
            if (all) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
        throw new IllegalStateException("memcached pid " + pid() + " not " + what + " after " + EXIT_TIMEOUT_MILLIS + " ms");
    }

    /** SIGCONT after {@link #stop()}. */
    public void resume() {
        signal("CONT");
    }

    /** Kills the process if it runs, then starts a new one on the same port and waits until it accepts. */
    public void restart() {
        kill();
        launch();
    }

    /** Kills memcached and removes its log; never throws, so it is safe in finally blocks and @AfterAll. */
    @Override
    public void close() {
        try {
            kill();
        } catch (RuntimeException ignored) {
            // close must not mask the test's own failure
        }
        try (Stream<Path> files = Files.walk(logDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a leftover temp dir is harmless
        }
    }

    @Override
    public String toString() {
        return "memcached[" + address() + (isAlive() ? ", pid " + process.pid() : ", not running") + "]";
    }

    private void launch() {
        try {
            Process started = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                    .start();
            RUNNING.add(started);
            started.onExit().thenRun(() -> RUNNING.remove(started));
            process = started;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        awaitAccepting();
    }

    private void awaitAccepting() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MILLIS);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("memcached exited with " + process.exitValue()
                        + " before accepting on " + address() + "; command: " + String.join(" ", command)
                        + "\nlog:\n" + log());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), (int) POLL_MILLIS * 5);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    process.destroyForcibly();
                    throw new IllegalStateException("memcached did not accept on " + address() + " within "
                            + START_TIMEOUT_MILLIS + " ms; command: " + String.join(" ", command)
                            + "\nlog:\n" + log());
                }
                sleep(POLL_MILLIS);
            }
        }
    }

    private void signal(String name) {
        long pid = pid();
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid))
                    .redirectErrorStream(true).start();
            String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!kill.waitFor(EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run kill -" + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while signalling memcached", e);
        }
    }

    private Process requireProcess() {
        if (process == null) {
            throw new IllegalStateException("memcached not started");
        }
        return process;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for memcached", e);
        }
    }

    static Path findBinary() {
        String override = System.getProperty(BINARY_PROPERTY);
        if (override != null && !override.isBlank()) {
            Path path = Path.of(override);
            if (Files.isExecutable(path)) {
                return path;
            }
            throw new IllegalStateException("memcached not found at " + BINARY_PROPERTY + "=" + override);
        }
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/bin/memcached"),
                Path.of("/usr/local/bin/memcached")));
        String pathEnv = System.getenv("PATH");
        if (pathEnv != null) {
            for (String dir : pathEnv.split(java.io.File.pathSeparator)) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, "memcached"));
                }
            }
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("memcached not found: install it (apt-get install -y memcached)");
    }

    static boolean runningAsRoot() {
        if ("root".equals(System.getProperty("user.name"))) {
            return true;
        }
        try {
            Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
            String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            id.waitFor(EXIT_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            return "0".equals(uid);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Options for one memcached; only what the tests vary. */
    public static final class Builder {
        private int memoryMb = 64;
        private Path tlsCertChain;
        private Path tlsKey;
        private boolean alsoPlain;
        private final List<String> extraArgs = new ArrayList<>();

        private Builder() {
        }

        public Builder memoryMb(int memoryMb) {
            if (memoryMb <= 0) {
                throw new IllegalArgumentException("memoryMb must be positive: " + memoryMb);
            }
            this.memoryMb = memoryMb;
            return this;
        }

        /**
         * Serve TLS only ({@code -Z}). memcached reads the files before it drops to {@code nobody}
         * (checked with 1.6.18 and a 0600 root-owned key), but a later {@code refresh_certs} runs as nobody.
         */
        public Builder tls(Path certChain, Path key) {
            this.tlsCertChain = certChain.toAbsolutePath();
            this.tlsKey = key.toAbsolutePath();
            return this;
        }

        /**
         * With {@link #tls}: also listen for plain TCP on a second port (memcached's {@code notls:}
         * listener prefix), see {@link #plainPort()}.
         */
        public Builder alsoPlain() {
            this.alsoPlain = true;
            return this;
        }

        public Builder extraArgs(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }

        /** Starts memcached and returns once it accepts connections; throws with its log otherwise. */
        public MemcachedProcess start() {
            if (alsoPlain && tlsCertChain == null) {
                throw new IllegalStateException("alsoPlain() is for a TLS memcached: call tls(...) too");
            }
            Path binary = findBinary();
            for (int attempt = 1; ; attempt++) {
                try {
                    return start(binary, FreePorts.next(), alsoPlain ? FreePorts.next() : 0);
                } catch (IllegalStateException e) {
                    // Another process may take the port between FreePorts.next() and memcached's bind.
                    if (attempt >= 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
                        throw e;
                    }
                }
            }
        }

        private MemcachedProcess start(Path binary, int port, int plainPort) {
            List<String> command = new ArrayList<>(List.of(binary.toString(),
                    "-l", "127.0.0.1", "-p", Integer.toString(port), "-U", "0",
                    "-m", Integer.toString(memoryMb), "-t", "1", "-c", "1024"));
            if (runningAsRoot()) {
                command.add("-u");
                command.add("nobody");
            }
            if (tlsCertChain != null) {
                command.add("-Z");
                command.add("-o");
                command.add("ssl_chain_cert=" + tlsCertChain + ",ssl_key=" + tlsKey);
                if (plainPort != 0) {
                    command.add("-l");
                    command.add("notls:127.0.0.1:" + plainPort);
                }
            }
            command.addAll(extraArgs);
            Path logDir;
            try {
                logDir = Files.createTempDirectory("kvgate-memcached-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create memcached log dir", e);
            }
            MemcachedProcess memcached = new MemcachedProcess(List.copyOf(command), port, plainPort, logDir);
            try {
                memcached.launch();
            } catch (RuntimeException e) {
                memcached.close();
                throw e;
            }
            return memcached;
        }
    }
}
