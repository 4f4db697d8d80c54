package dev.kvgate.gateway.topology;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.kvgate.config.Settings;
import dev.kvgate.config.SettingsException;
import dev.kvgate.config.ShardSettings;
import dev.kvgate.config.TopologySettings;
import dev.kvgate.tls.Pem;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The shards are a JSON document fetched every {@code http.interval}:
 * {@code {"shards": ["10.0.0.5:11211", {"address": "10.0.0.6:11211", "tls": true}]}}, each entry as in
 * {@code kvgate.shards} and checked by the same code (so the same mistake gets the same words). The
 * order is the document's: it is the placement order (which matters to modulo-like presets).
 *
 * <p>Conditional requests: after an answer with an ETag, the next request carries it in
 * If-None-Match, and 304 Not Modified means no change. A timeout, a status other than 200 and 304, a
 * body that is not such a document, or one that lists no shard, are failures: the last good list stays.
 *
 * <p>The JDK's HttpClient, not Netty's HTTP codec: one GET every few seconds needs no event loop,
 * and it brings HTTPS with host name checks, HTTP/2, redirects and proxies-free timeouts without a
 * connection pool of our own to write; no library is added for it.
 */
final class HttpSource extends PollingSource {
    /** Larger documents are refused: a thousand shards take well under 100 KiB. */
    static final int MAX_BODY = 4 * 1024 * 1024;

    private final TopologySettings.Http settings;
    private final ExecutorService executor;
    private final HttpClient client;
    /** The ETag of the last good document; touched only by the polling thread. */
    private volatile String etag;
    private volatile List<ShardSettings> etagShards;

    HttpSource(TopologySettings.Http settings) {
        super("HTTP " + settings.url(), settings.interval(), "kvgate-topology-http");
        this.settings = settings;
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kvgate-topology-http-client");
            t.setDaemon(true);
            return t;
        });
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(settings.timeout())
                .followRedirects(HttpClient.Redirect.NORMAL)
                .executor(executor);
        if (settings.trust().isPresent()) {
            b.sslContext(sslContext(settings));
        }
        this.client = b.build();
    }

    /** A context trusting the CAs of {@code http.trust}; the error names the file. */
    static SSLContext sslContext(TopologySettings.Http settings) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (X509Certificate ca : Pem.readCertificates(settings.trust().get())) {
                store.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException | RuntimeException e) {
            throw new SettingsException("kvgate.topology.http.trust", settings.trust().get() + ": " + e.getMessage());
        }
    }

    @Override
    CompletableFuture<List<ShardSettings>> poll() {
        HttpRequest.Builder request = HttpRequest.newBuilder(settings.url())
                .timeout(settings.timeout())
                .header("Accept", "application/json")
                .GET();
        for (String h : settings.headers()) {
            int colon = h.indexOf(':');
            request.header(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
        }
        String sentTag = etag;
        List<ShardSettings> sentShards = etagShards;
        if (sentTag != null) {
            request.header("If-None-Match", sentTag);
        }
        CompletableFuture<HttpResponse<byte[]>> response = client.sendAsync(request.build(), info -> limited());
        // The request timeout covers the answer's head; the body gets the same time, at most.
        CompletableFuture<List<ShardSettings>> out = response
                .orTimeout(2 * settings.timeout().toMillis(), TimeUnit.MILLISECONDS)
                .handle((r, failure) -> {
                    if (failure != null) {
                        response.cancel(true);
                        throw new java.util.concurrent.CompletionException(failure(failure));
                    }
                    return answer(r, sentTag, sentShards);
                });
        return out;
    }

    private List<ShardSettings> answer(HttpResponse<byte[]> r, String sentTag, List<ShardSettings> sentShards) {
        int status = r.statusCode();
        if (status == 304 && sentTag != null) {
            return sentShards;
        }
        if (status != 200) {
            throw new java.util.concurrent.CompletionException(new Failure("HTTP " + status));
        }
        List<ShardSettings> shards;
        try {
            shards = parse(new String(r.body(), StandardCharsets.UTF_8));
        } catch (Failure f) {
            throw new java.util.concurrent.CompletionException(f);
        }
        String tag = r.headers().firstValue("ETag").orElse(null);
        if (!shards.isEmpty()) {
            etag = tag;
            etagShards = tag != null ? shards : null;
        }
        return shards;
    }

    /** The document's shards; a {@link Failure} that says what is wrong with it. */
    static List<ShardSettings> parse(String body) throws Failure {
        Config doc;
        try {
            doc = ConfigFactory.parseString(body, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON)
                    .setOriginDescription("topology document"));
        } catch (ConfigException e) {
            String m = String.valueOf(e.getMessage()).replace('\n', ' ');
            throw new Failure("the document is not JSON: " + (m.length() > 200 ? m.substring(0, 200) + "..." : m));
        }
        if (!doc.hasPath("shards")) {
            throw new Failure("the document has no \"shards\" list");
        }
        ConfigValue v = doc.getValue("shards");
        if (v.valueType() != ConfigValueType.LIST) {
            throw new Failure("\"shards\" is not a list");
        }
        try {
            return Settings.shardList(doc.getList("shards"), "shards");
        } catch (SettingsException e) {
            throw new Failure("the document is invalid: " + e.getMessage());
        }
    }

    private Failure failure(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && (c instanceof java.util.concurrent.CompletionException
                || c instanceof java.util.concurrent.ExecutionException)) {
            c = c.getCause();
        }
        if (c instanceof Failure f) {
            return f;
        }
        if (c instanceof HttpTimeoutException || c instanceof TimeoutException) {
            return new Failure("no answer within " + settings.timeout().toMillis() + " ms");
        }
        String m = c.getMessage();
        return new Failure(c.getClass().getSimpleName() + (m != null ? ": " + m : ""));
    }

    /** The body as bytes, refused past {@link #MAX_BODY}. */
    private static HttpResponse.BodySubscriber<byte[]> limited() {
        return new HttpResponse.BodySubscriber<>() {
            private final CompletableFuture<byte[]> body = new CompletableFuture<>();
            private final List<ByteBuffer> parts = new ArrayList<>();
            private Flow.Subscription subscription;
            private int size;

            @Override
            public CompletionStage<byte[]> getBody() {
                return body;
            }

            @Override
            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(List<ByteBuffer> items) {
                for (ByteBuffer b : items) {
                    size += b.remaining();
                    parts.add(b);
                }
                if (size > MAX_BODY && !body.isDone()) {
                    subscription.cancel();
                    parts.clear();
                    body.completeExceptionally(new Failure("the document is larger than " + (MAX_BODY >> 20) + " MiB"));
                }
            }

            @Override
            public void onError(Throwable t) {
                body.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                byte[] out = new byte[size];
                int at = 0;
                for (ByteBuffer b : parts) {
                    int n = b.remaining();
                    b.get(out, at, n);
                    at += n;
                }
                body.complete(out);
            }
        };
    }

    @Override
    public void close() {
        super.close();
        executor.shutdownNow();
    }
}
